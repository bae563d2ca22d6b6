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


def modifications_only(
    reader: Reader,
    agency: str | None,
    vendor: str | None = None,
    category: tuple[str, str] | None = None,
) -> dict[str, Any] | None:
    """The awards (all agencies, or AGENCY's) the store knows only through later
    modifications, from serve_award (None without it); with VENDOR, of the awards
    that vendor was paid on, with its own part of their money (serve_vendor_award:
    each transaction under its own vendor); with CATEGORY (the category's id, and
    the SQL of the category an award counts under in the page's definition:
    `Definition.category_sql`), of the awards counted in that category."""
    if not reader.has("serve_award"):
        return None
    if category is not None:
        category_id, counted_as = category
        # every category's, worked out once per reader and definition
        categories = reader.derived(
            f"modifications_only:categories:{counted_as}:" + (agency or ""),
            lambda r: _category_rows(r, agency, counted_as),
        )
        return dict(categories.get(category_id, categories[None]))
    if vendor is not None:
        if not reader.has("serve_vendor_award"):
            return None
        # every vendor's, worked out once per reader (a vendor page held in memory
        # runs no query); a vendor paid on no award: the counts of none (None)
        vendors = reader.derived(
            "modifications_only:vendors:" + (agency or ""),
            lambda r: _vendor_rows(r, agency),
        )
        return dict(vendors.get(vendor, vendors[None]))
    rows = reader.derived(
        "modifications_only:" + (agency or ""),
        lambda r: r.rows(
            coverage.modifications_only_awards_sql(r.has("sync_history")),
            [agency, agency],
            cache=False,
        ),
    )
    return dict(rows[0])


def _category_rows(
    reader: Reader, agency: str | None, counted_as: str
) -> dict[Any, dict[str, Any]]:
    """modifications_only of every category by id (each award under the category
    COUNTED_AS gives it), and under None the counts of no award (a category with
    none)."""
    awards = f"(SELECT *, {counted_as} AS category_ FROM serve_award)"
    grouped = coverage.modifications_only_awards_sql(
        reader.has("sync_history"), awards, "category_"
    )
    return _keyed_rows(reader, agency, grouped, "category_", "serve_award")


def _vendor_rows(reader: Reader, agency: str | None) -> dict[Any, dict[str, Any]]:
    """modifications_only of every vendor by id, and under None the counts of no
    award (a vendor paid on none)."""
    grouped = coverage.modifications_only_vendors_sql(reader.has("sync_history"))
    return _keyed_rows(reader, agency, grouped, "vendor_id", coverage.VENDOR_AWARDS_SQL)


def _keyed_rows(
    reader: Reader, agency: str | None, grouped: str, key: str, awards: str
) -> dict[Any, dict[str, Any]]:
    """The rows of GROUPED (modifications_only counts, one row per value of its
    column KEY) by that value, and under None the counts of none of AWARDS."""
    rows: dict[Any, dict[str, Any]] = {
        row.pop(key): row for row in reader.rows(grouped, [agency, agency], cache=False)
    }
    none = coverage.modifications_only_awards_sql(
        reader.has("sync_history"), f"(SELECT * FROM {awards} WHERE false)"
    )
    rows[None] = reader.rows(none, [agency, agency], cache=False)[0]
    return rows


def coverage_summary(
    reader: Reader,
    agency: str | None,
    today: date,
    vendor: str | None = None,
    category: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The coverage every page states (custodes.figures.coverage.summary); with
    VENDOR (a vendor's page), its awards known only through later modifications are
    that vendor's own; with CATEGORY (a category's page: its id and the SQL of the
    category an award counts under), that category's."""
    return coverage.summary(
        coverage_rows(reader, agency),
        today,
        agency,
        modifications_only(reader, agency, vendor, category),
    )
