"""The serve_spending rows the dashboard and the category pages count from, read once
per reader: the table changes only with a rebuild, which opens a new reader, and each
read was a query of a few milliseconds on every request (docs/benchmarks.md). Each
caller gets its own copies of the rows."""

from __future__ import annotations

from typing import Any

from custodes.figures import spending
from custodes.store.reader import Reader

AGENCIES_SQL = "SELECT DISTINCT agency_code FROM serve_spending"
CATEGORIES_SQL = (
    "SELECT DISTINCT category FROM serve_spending UNION "
    "SELECT DISTINCT component_category FROM serve_spending"
)


def _copies(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [dict(row) for row in rows]


def spending_rows(reader: Reader, agency: str | None) -> list[dict[str, Any]]:
    """spending.SPENDING_SQL's rows (all agencies, or AGENCY): none for an agency the
    table does not hold, so that any four-digit code asked for keeps nothing."""
    if agency is not None:
        held = reader.derived(
            "spending:agencies",
            lambda r: frozenset(x["agency_code"] for x in r.rows(AGENCIES_SQL)),
        )
        if agency not in held:
            return []
    sql, params = spending.spending_sql(agency)
    key = "spending:" + (agency or "")
    return _copies(reader.derived(key, lambda r: r.rows(sql, params, cache=False)))


def award_counts(reader: Reader, agency: str | None) -> list[dict[str, Any]]:
    """spending.AWARDS_SQL's rows (awards per category, each once; all agencies, or
    AGENCY), read once per reader."""
    sql, params = spending.awards_sql(agency)
    key = "spending:awards:" + (agency or "")
    return _copies(reader.derived(key, lambda r: r.rows(sql, params, cache=False)))


def by_agency_rows(reader: Reader) -> list[dict[str, Any]]:
    """spending.BY_AGENCY_SQL's rows (by fiscal year, agency and category)."""
    return _copies(
        reader.derived(
            "spending:by_agency",
            lambda r: r.rows(spending.BY_AGENCY_SQL, cache=False),
        )
    )


def has_category(reader: Reader, category: str) -> bool:
    """Whether some serve_spending row is of CATEGORY, as its own or as a component
    bought inside a larger purchase."""
    held = reader.derived(
        "spending:categories",
        lambda r: frozenset(x["category"] for x in r.rows(CATEGORIES_SQL)),
    )
    return category in held
