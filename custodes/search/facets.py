"""Search facets counted in Python, for searches that match few awards.

A search's facets (agency, category, vendor, maker, fiscal year), its total and its
page of award ids are, in SQL, a temporary table and four statements; each statement
costs a millisecond or more however few rows it reads. When a search matches at most
SMALL awards (or, for a common word, SMALL prepared facet rows), the matching rows are
fetched once and counted here instead, with the same results: the same facet rows as
search.FACETS_SQL and popular.FACETS_SQL (grouping code `g` included), the same year
facet, the same order of awards (largest obligations first, NULL last, then by id).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

SMALL = 2000  # at most this many rows are counted in Python
FACET_ROWS = 15  # values shown per facet, most awards first

# GROUPING(agency_code, category, vendor_id, maker) of each grouping set
GROUPS = (("agency_code", 7), ("category", 11), ("vendor_id", 13), ("maker", 14))
FACET_COLUMNS = ("agency_code", "category", "vendor_id", "maker")
# search parameter -> the facet column it filters
FILTERS = (("agency", "agency_code"), ("category", "category"), ("vendor", "vendor_id"),
           ("maker", "maker"))  # fmt: skip
COLUMN_OF = {g: column for column, g in GROUPS}


def _add(total: Decimal | None, value: Decimal | None) -> Decimal | None:
    """SQL's sum: NULLs skipped, NULL when every value is NULL."""
    if value is None:
        return total
    return value if total is None else total + value


def count_facets(rows: Iterable[dict[str, Any]], weight: str | None = None) -> list:
    """Facet rows as the SQL GROUPING SETS query returns them. Each row counts as one
    award, or as row[WEIGHT] awards (the prepared common-word counts)."""
    groups: dict[tuple[int, Any], list[Any]] = {}
    total: list[Any] = [0, None]
    for r in rows:
        n = r[weight] if weight else 1
        money = r["obligation_usd"]
        total[0] += n
        total[1] = _add(total[1], money)
        for column, g in GROUPS:
            acc = groups.setdefault((g, r[column]), [0, None])
            acc[0] += n
            acc[1] = _add(acc[1], money)
    out = []
    for (g, value), (n, money) in groups.items():
        row = dict.fromkeys(FACET_COLUMNS)
        row[COLUMN_OF[g]] = value
        out.append({**row, "awards": n, "obligation_usd": money, "g": g})
    out.append(
        {**dict.fromkeys(FACET_COLUMNS), "awards": total[0],
         "obligation_usd": total[1], "g": 15}
    )  # fmt: skip
    return out


def count_years(rows: Iterable[dict[str, Any]], weight: str | None = None) -> list:
    """The fiscal-year facet: awards per year of their list of years, by year."""
    years: dict[Any, int] = {}
    for r in rows:
        n = r[weight] if weight else 1
        for year in r["fiscal_years"] or ():
            years[year] = years.get(year, 0) + n
    ordered = sorted(years, key=lambda y: (y is None, y or 0))
    return [{"fiscal_year": y, "awards": years[y]} for y in ordered]


def top_ids(
    rows: Iterable[dict[str, Any]], size: int, offset: int, sort: str = "largest"
) -> list[int]:
    """One page of award ids in the order SORT names (largest or smallest
    obligations, newest or oldest first action; NULL last), then by id."""
    if sort in ("largest", "smallest"):
        sign = -1 if sort == "largest" else 1

        def key(r: dict[str, Any]) -> tuple[Any, ...]:
            money = r["obligation_usd"]
            return (money is None, sign * (money or 0), r["award_id"])

    else:
        sign = -1 if sort == "newest" else 1

        def key(r: dict[str, Any]) -> tuple[Any, ...]:
            day = r["first_action_date"]
            return (day is None, sign * (day.toordinal() if day else 0), r["award_id"])

    ordered = sorted(rows, key=key)
    return [r["award_id"] for r in ordered[offset : offset + size]]
