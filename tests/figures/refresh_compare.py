"""Compare every derived table of two stores (a refreshed one and a full rebuild)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from custodes.store.tables import TABLES

# Tables computed from the store that a refresh maintains: every derived table, the
# classification, and the award numbers both builds share.
EXTRA = ("classification", "award_number", "award_first_seen")
SKIP = {
    # when it was built, and the stage runs it was built after (a full rebuild runs
    # resolve and classify again)
    "analyse_build": {"built_at", "last_classification_run", "last_resolve_run"},
    "serve_build": {"built_at"},
}


def derived_tables() -> list[str]:
    names = [n for n, t in TABLES.items() if t.kind == "derived"]
    return sorted({*names, *EXTRA})


def table_rows(
    con: duckdb.DuckDBPyConnection, name: str, skip: bool = True
) -> list[tuple] | None:
    """NAME's rows, sorted (None: no such table); SKIP leaves out build times."""
    found = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position",
        [name],
    ).fetchall()
    if not found:
        return None
    cols = [c for (c,) in found if not (skip and c in SKIP.get(name, set()))]
    quoted = ", ".join(f'"{c}"' for c in cols)
    return con.execute(f'SELECT {quoted} FROM "{name}" ORDER BY ALL').fetchall()


def differences(a: Path, b: Path, limit: int = 5) -> dict[str, str]:
    """Per table: what differs between the stores A and B (empty: identical)."""
    out: dict[str, str] = {}
    ca = duckdb.connect(str(a), read_only=True)
    cb = duckdb.connect(str(b), read_only=True)
    try:
        for name in derived_tables():
            ra, rb = table_rows(ca, name), table_rows(cb, name)
            if ra == rb:
                continue
            if ra is None or rb is None:
                out[name] = f"present in one store only ({'a' if rb is None else 'b'})"
                continue
            sa, sb = {repr(r) for r in ra}, {repr(r) for r in rb}
            only_a = sorted(sa - sb)[:limit]
            only_b = sorted(sb - sa)[:limit]
            out[name] = (
                f"{len(ra)} rows vs {len(rb)}; only in refreshed: {only_a}; "
                f"only in full rebuild: {only_b}"
            )
    finally:
        ca.close()
        cb.close()
    return out


def fingerprints(path: Path) -> dict[str, tuple | None]:
    """Per derived table of the store at PATH: (rows, sum of a 64-bit hash of every
    row, XOR of the same), build times left out as in `table_rows`; None: no such
    table. Computed in the store, so it costs a scan, not memory: what
    `bench/refresh_bench.py --check` compares at ten million transactions, where
    `differences` would hold every row in Python."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out: dict[str, tuple | None] = {}
        for name in derived_tables():
            found = con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = ? ORDER BY ordinal_position",
                [name],
            ).fetchall()
            cols = [c for (c,) in found if c not in SKIP.get(name, set())]
            if not cols:
                out[name] = None
                continue
            quoted = ", ".join(f'"{c}"' for c in cols)
            h = f"hash({quoted})"
            out[name] = con.execute(
                f"SELECT count(*), coalesce(sum({h}::HUGEINT), 0), bit_xor({h}) "
                f'FROM "{name}"'
            ).fetchone()
        return out
    finally:
        con.close()


def fingerprint_differences(a: Path, b: Path) -> dict[str, str]:
    """The tables whose fingerprints differ between the stores A and B (empty: the
    same rows in every derived table, but for a 2**-64 chance of a hash collision)."""
    fa, fb = fingerprints(a), fingerprints(b)
    return {
        name: f"rows and row-hash sums {fa[name]} vs {fb[name]}"
        for name in fa
        if fa[name] != fb[name]
    }
