"""One refresh for every derived table, and one answer to "are they current?".

The figures layer owns two families of tables computed from the store: the analysis
frame (`analyse_*`, custodes/figures/analyse_tables.py) and the web app's summary
tables (`serve_*`, custodes/figures/serve_tables.py; the search's tables are built in
the same transaction by the caller, custodes/serve/prepare.py). `build` rebuilds any of
them in one transaction: a failure leaves every table as it was. `stale` says, for
each family, why it must be rebuilt, or None when it is current (built by this
version's layout after the latest ingest, resolve and classify runs).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from custodes.errors import InputError
from custodes.figures import analyse_tables, serve_tables
from custodes.store.duckdb import Store

PARTS = ("analyse", "serve")


def _parts(parts: Sequence[str]) -> tuple[str, ...]:
    unknown = [p for p in parts if p not in PARTS]
    if unknown or not parts:
        raise InputError(
            f"Unknown derived tables {', '.join(unknown) or '(none)'}. Choose from: "
            f"{', '.join(PARTS)}."
        )
    return tuple(p for p in PARTS if p in parts)


def stale(
    store: Store, parts: Sequence[str] = PARTS, serve_extra: Sequence[str] = ()
) -> dict[str, str | None]:
    """Per family of derived tables: why it must be rebuilt, or None when current.
    SERVE_EXTRA: tables built beside the serve_* tables (the search's)."""
    reasons: dict[str, str | None] = {}
    for part in _parts(parts):
        if part == "analyse":
            reasons[part] = analyse_tables.frame_stale_reason(store)
        else:
            tables = (*serve_tables.SERVE_TABLES, *serve_extra)
            reasons[part] = serve_tables.serve_tables_stale(store, tables)
    return reasons


def build(
    store: Store, parts: Sequence[str] = PARTS, serve_after_awards: Sequence[str] = ()
) -> dict[str, dict[str, Any]]:
    """Rebuild the chosen families of derived tables in one transaction; returns each
    family's build row. SERVE_AFTER_AWARDS: statements to run once serve_award exists
    (the search's tables)."""
    chosen = _parts(parts)
    out: dict[str, dict[str, Any]] = {}
    with store.transaction():
        if "serve" in chosen:
            out["serve"] = serve_tables.write_serve_tables(store, serve_after_awards)
        if "analyse" in chosen:
            out["analyse"] = analyse_tables.write_analysis_tables(store)
    return out
