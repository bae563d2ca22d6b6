"""The dashboard's caveats about which fiscal years can be compared, worked out by the
figures layer (custodes/figures/coverage.py) from the serve_coverage table."""

from __future__ import annotations

from datetime import date
from typing import Any

from custodes.figures import coverage
from custodes.store.reader import Reader


def coverage_rows(reader: Reader, agency: str | None) -> list[dict[str, Any]]:
    """Per fiscal year: agencies, transactions, sample transactions, dates (all
    agencies, or AGENCY)."""
    if not reader.has("serve_coverage"):
        return []
    # Worked out once per reader (the table changes only with a rebuild, which opens a
    # new reader); each caller gets its own copies of the rows.
    sql, params = (
        (coverage.AGENCY_ROWS_SQL, [agency])
        if agency
        else (coverage.COVERAGE_ROWS_SQL, [])
    )
    rows = reader.derived(
        "coverage:" + (agency or ""), lambda r: r.rows(sql, params, cache=False)
    )
    return [dict(row) for row in rows]


def coverage_notes(reader: Reader, agency: str | None, today: date) -> list[str]:
    """Plain-language caveats about uneven coverage across fiscal years, of AGENCY's
    years when one is chosen (a year of another agency's partial data is no caveat
    for it)."""
    return coverage.coverage_notes(coverage_rows(reader, agency), agency, today)


def modifications_only(reader: Reader, agency: str | None) -> dict[str, Any] | None:
    """The awards (all agencies, or AGENCY's) the store knows only through later
    modifications, from serve_award (None without it)."""
    if not reader.has("serve_award"):
        return None
    rows = reader.derived(
        "modifications_only:" + (agency or ""),
        lambda r: r.rows(
            coverage.modifications_only_awards_sql(r.has("sync_history")),
            [agency, agency],
            cache=False,
        ),
    )
    return dict(rows[0])


def coverage_summary(reader: Reader, agency: str | None, today: date) -> dict[str, Any]:
    """The coverage every page states (custodes.figures.coverage.summary)."""
    return coverage.summary(
        coverage_rows(reader, agency), today, agency, modifications_only(reader, agency)
    )
