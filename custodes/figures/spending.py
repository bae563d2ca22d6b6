"""The web app's spending figures, from serve_spending rows under a Definition.

serve_spending holds net obligations per fiscal year x agency x category x component
category, with the part whose award a person reviewed (`reviewed_usd`). `summarise`
applies a Definition to those rows once: which rows count, under which category (a
component's, with include_components), totals by fiscal year and by category, and the
reviewed share of each; the dashboard and the category pages show what it returns.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from custodes.figures.definition import Definition, category_label
from custodes.figures.recipients import WITHHELD
from custodes.figures.review import share

ZERO = Decimal("0.00")

SPENDING_SQL = """
    SELECT fiscal_year, category, component_category,
           sum(obligation_usd) AS obligation_usd, sum(awards) AS awards,
           sum(reviewed_usd) AS reviewed_usd
    FROM serve_spending {where} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""


# The same per awarding agency too (category pages: by fiscal year and agency).
BY_AGENCY_SQL = """
    SELECT fiscal_year, agency_code, any_value(agency_name) AS agency_name, category,
           component_category, sum(obligation_usd) AS obligation_usd,
           sum(awards) AS awards, sum(reviewed_usd) AS reviewed_usd
    FROM serve_spending GROUP BY 1, 2, 4, 5 ORDER BY 1, 2, 4, 5"""


# Awards per category, each award once (serve_award: one row per whole award, under
# its awarding agency as in serve_spending). serve_spending's `awards` are per fiscal
# year: summed over years they count an award once for each year it has actions in.
AWARDS_SQL = """
    SELECT category, component_category, count(*) AS awards
    FROM serve_award {where} GROUP BY 1, 2 ORDER BY 1, 2"""


def awards_sql(agency: str | None) -> tuple[str, list[Any]]:
    if agency:
        return AWARDS_SQL.format(where="WHERE agency_code = ?"), [agency]
    return AWARDS_SQL.format(where=""), []


def awards_by_category(
    rows: list[dict[str, Any]], definition: Definition
) -> dict[str, int]:
    """ROWS (AWARDS_SQL) by the category each award counts under by DEFINITION
    (counted or not): how many awards, each once whatever the years it spans."""
    out: dict[str, int] = {}
    for r in rows:
        c = definition.effective_category(r["category"], r["component_category"])
        out[c] = out.get(c, 0) + int(r["awards"] or 0)
    return out


def spending_sql(agency: str | None) -> tuple[str, list[Any]]:
    if agency:
        return SPENDING_SQL.format(where="WHERE agency_code = ?"), [agency]
    return SPENDING_SQL.format(where=""), []


def _add(into: dict[Any, dict[str, Any]], key: Any, row: dict[str, Any]) -> None:
    acc = into.setdefault(key, {"obligation_usd": ZERO, "reviewed_usd": ZERO,
                                "awards": 0})  # fmt: skip
    acc["obligation_usd"] += row["obligation_usd"] or ZERO
    acc["reviewed_usd"] += row["reviewed_usd"] or ZERO
    acc["awards"] += int(row["awards"] or 0)


def summarise(
    rows: list[dict[str, Any]],
    definition: Definition,
    awards: dict[str, int] | None = None,
) -> dict[str, Any]:
    """ROWS (SPENDING_SQL) under DEFINITION: each row marked `counted` with the
    `category` it counts under, totals by fiscal year and by category, the total and
    its reviewed share, and `every_category`: the sums of every category, counted or
    not, by the category each row counts under (the /categories page lists them all).
    A year's awards are those with actions in it; a category's are AWARDS
    (`awards_by_category`: each award once) when given, else the sum of its years'
    (an award spanning years once per year)."""
    by_year: dict[int, dict[str, Any]] = {}
    by_cat: dict[str, dict[str, Any]] = {}
    every: dict[str, dict[str, Any]] = {}
    marked = []
    for r in rows:
        counted = definition.counts(r["category"], r["component_category"])
        effective = definition.effective_category(
            r["category"], r["component_category"]
        )
        marked.append(
            {**r, "counted": counted, "counted_as": effective if counted else None,
             "category_label": category_label(r["category"])}
        )  # fmt: skip
        _add(every, effective, r)
        if counted:
            _add(by_year, r["fiscal_year"], r)
            _add(by_cat, effective, r)
    year_rows = [
        {"fiscal_year": y, **v, "reviewed_share": share(v["obligation_usd"],
                                                        v["reviewed_usd"])}
        for y, v in sorted(by_year.items())
    ]  # fmt: skip
    if awards is not None:
        for sums in (by_cat, every):
            for c, v in sums.items():
                v["awards"] = awards.get(c, 0)
    cat_rows = [
        {"category": c, "category_label": category_label(c), **v,
         "reviewed_share": share(v["obligation_usd"], v["reviewed_usd"])}
        for c, v in sorted(by_cat.items(), key=lambda kv: -kv[1]["obligation_usd"])
    ]  # fmt: skip
    total = sum((v["obligation_usd"] for v in by_year.values()), ZERO)
    reviewed = sum((v["reviewed_usd"] for v in by_year.values()), ZERO)
    return {
        "rows": marked,
        "by_year": year_rows,
        "by_category": cat_rows,
        "every_category": every,
        "total_usd": total,
        "reviewed_usd": reviewed,
        "reviewed_share": share(total, reviewed),
    }


# A change from or to a sample or a partial year, and what `custodes analyse yoy`
# says of it.
INCOMPLETE = "incomplete years"
INCOMPLETE_NOTE = (
    "A change from or to a year that is not complete (a sample or a partial year) "
    "compares incomplete records, not spending."
)


def year_changes(rows: list[dict[str, Any]], statuses: dict[int, str]) -> None:
    """Each fiscal-year row of ROWS (`summarise`'s by_year) with its change from the
    fiscal year before, as `custodes analyse yoy` gives it: `change_usd` (None when
    that year has no figure), `change_pct` (to one decimal; None when that year's
    figure is absent or zero) and `change_note`: INCOMPLETE when either year is not
    complete by STATUSES (fiscal year -> coverage status), "no data for FY<year before>"
    when that year has no figure, else empty."""
    before = {r["fiscal_year"]: r["obligation_usd"] for r in rows}
    for r in rows:
        fy = r["fiscal_year"]
        prev = before.get(fy - 1)
        change = None if prev is None else r["obligation_usd"] - prev
        r["change_usd"] = change
        r["change_pct"] = (
            None
            if not prev or change is None
            else (change * 100 / abs(prev)).quantize(Decimal("0.1"))
        )
        complete = statuses.get(fy) == statuses.get(fy - 1) == "complete"
        r["change_note"] = (
            f"no data for FY{fy - 1}"
            if change is None
            else ("" if complete else INCOMPLETE)
        )


def for_category(
    rows: list[dict[str, Any]], definition: Definition, category: str
) -> dict[str, Any]:
    """ROWS (SPENDING_SQL) that count under CATEGORY by DEFINITION (its own awards,
    and with include_components those buying a component of it), whether or not the
    definition counts the category: by fiscal year, the total and the reviewed share."""
    by_year: dict[int, dict[str, Any]] = {}
    for r in rows:
        if definition.effective_category(r["category"], r["component_category"]) == (
            category
        ):
            _add(by_year, r["fiscal_year"], r)
    year_rows = [
        {"fiscal_year": y, **v,
         "reviewed_share": share(v["obligation_usd"], v["reviewed_usd"])}
        for y, v in sorted(by_year.items())
    ]  # fmt: skip
    total = sum((v["obligation_usd"] for v in by_year.values()), ZERO)
    reviewed = sum((v["reviewed_usd"] for v in by_year.values()), ZERO)
    return {
        "by_year": year_rows,
        "total_usd": total,
        "reviewed_usd": reviewed,
        "reviewed_share": share(total, reviewed),
    }


def by_year_agency(
    rows: list[dict[str, Any]], definition: Definition, category: str
) -> list[dict[str, Any]]:
    """ROWS (BY_AGENCY_SQL) that count under CATEGORY, by fiscal year and agency."""
    out: dict[tuple[int, str], dict[str, Any]] = {}
    names: dict[tuple[int, str], str] = {}
    for r in rows:
        if definition.effective_category(r["category"], r["component_category"]) == (
            category
        ):
            key = (r["fiscal_year"], r["agency_code"])
            _add(out, key, r)
            names[key] = r["agency_name"]
    return [
        {"fiscal_year": fy, "agency_code": code, "agency_name": names[(fy, code)], **v}
        for (fy, code), v in sorted(out.items())
    ]


def by_vendor_sql(
    definition: Definition,
    agency: str | None,
    fiscal_year: int | None,
    classified: bool = True,
    resolved: bool = True,
) -> tuple[str, list[Any]]:
    """Net obligations, transactions, awards and the reviewed part per vendor, of
    AGENCY (or all) in FISCAL_YEAR (or all), the awards DEFINITION counts: the
    question `custodes analyse totals --by vendor --agency A --fy Y` answers, by the
    same rule, read from the derived table serve_vendor_award (custodes/figures/
    serve_tables.py `vendor_award_rows_sql`: each transaction under its own vendor,
    resolve's or its recipient's stand-in; a natural person under no vendor and no
    name, one row named WITHHELD by the caller) with each award's agency, category
    and review from serve_award. CLASSIFIED/RESOLVED are no longer read (the derived
    table was built knowing both); kept so callers stay as they were."""
    # an older classification without the component columns: no award has one
    component = "a.component_category" if definition.components_available else "NULL"
    where, names = definition.where_sql("a.category", component)
    params: list[Any] = list(names)
    conditions = [where]
    if agency:
        conditions.append("a.agency_code = ?")
        params.append(agency)
    if fiscal_year is not None:
        conditions.append("s.fiscal_year = ?")
        params.append(fiscal_year)
    sql = f"""
    SELECT s.vendor_id, min(s.vendor_name) AS vendor_name,
           sum(s.obligation_usd) AS obligation_usd,
           sum(s.transactions)::BIGINT AS transactions,
           count(DISTINCT s.award_id) AS awards,
           coalesce(sum(s.obligation_usd) FILTER (WHERE a.reviewed), 0)
               AS reviewed_usd
    FROM serve_vendor_award s JOIN serve_award a USING (award_id)
    WHERE {" AND ".join(conditions)}
    GROUP BY 1 ORDER BY obligation_usd DESC, vendor_id NULLS LAST"""
    return sql, params


def vendor_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """by_vendor_sql's rows as a table shows them: natural persons named WITHHELD
    (and linked nowhere), each row's reviewed share."""
    return [
        {
            **r,
            "vendor_name": WITHHELD if r["vendor_id"] is None else r["vendor_name"],
            "reviewed_share": share(r["obligation_usd"], r["reviewed_usd"]),
        }
        for r in rows
    ]


# A category's largest vendors (the category page): what each vendor was paid on the
# awards that count under {category} (Definition.category_sql over serve_award's
# columns), each transaction under its own vendor (serve_vendor_award); {agency}:
# nothing, or a condition on the award's agency_code.
TOP_VENDORS_SQL = """
    SELECT s.vendor_id, min(s.vendor_name) AS vendor_name,
           count(DISTINCT s.award_id) AS awards, sum(s.obligation_usd) AS obligation_usd
    FROM serve_vendor_award s JOIN serve_award a USING (award_id)
    WHERE {category} = ? AND s.vendor_id IS NOT NULL{agency}
    GROUP BY 1 ORDER BY 4 DESC, 1 LIMIT 25"""


def counted_vendor_years_sql(definition: Definition) -> tuple[str, list[Any]]:
    """Per vendor and fiscal year, the obligations DEFINITION counts (vendors it
    counts nothing of have no row): each vendor's own transactions
    (serve_vendor_award, the one attribution of money to vendors), under its awards'
    categories and components (serve_award), as the vendor pages list them."""
    component = "a.component_category" if definition.components_available else "NULL"
    where, names = definition.where_sql("a.category", component)
    sql = (
        "SELECT s.vendor_id, s.fiscal_year, sum(s.obligation_usd) AS obligation_usd "
        "FROM serve_vendor_award s JOIN serve_award a USING (award_id) "
        f"WHERE s.vendor_id IS NOT NULL AND {where} GROUP BY 1, 2"
    )
    return sql, list(names)


def by_vendor_year(rows: list[dict[str, Any]]) -> dict[str, dict[int, Decimal]]:
    """ROWS (counted_vendor_years_sql) as vendor id -> fiscal year -> amount."""
    out: dict[str, dict[int, Decimal]] = {}
    for r in rows:
        out.setdefault(r["vendor_id"], {})[int(r["fiscal_year"])] = (
            r["obligation_usd"] or ZERO
        )
    return out
