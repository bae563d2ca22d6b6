"""The dashboard: surveillance spending by fiscal year and category."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from custodes.figures import components, coverage, review, spending
from custodes.figures.definition import NOT_SURVEILLANCE
from custodes.serve.charts import build_bar_chart, year_items
from custodes.serve.pages import (
    Ctx,
    build_notices,
    definition,
    store_agency,
    store_fiscal_year,
)
from custodes.serve.pages.coverage import coverage_notes, coverage_summary
from custodes.serve.pages.totals import award_counts, spending_rows
from custodes.serve.views import Table, View

# The heading of a reviewed share, shown as 12.3% (templating.percent): what the
# CLI's line says, "Reviewed by a person: 12.3% of these dollars".
REVIEWED_SHARE = "Share of its dollars reviewed by a person"
# the chosen fiscal year's figure beside the page's total (data.year_total)
YEAR_TOTAL = (
    "fiscal_year",
    "obligation_usd",
    "change_usd",
    "change_pct",
    "change_note",
)


def category_link(agency: str | None) -> str:
    """The link template of a category's page, of AGENCY when one is chosen (a
    validated sub-agency code), so that its figures are the same agency's."""
    return "/category/{category}" + (f"?agency={agency}" if agency else "")


def stated(figure: dict[str, Any], counted: Any) -> dict[str, Any]:
    """FIGURE (awards, obligation_usd of purchases with surveillance components) with
    whether COUNTED counts them and the line that says so."""
    figure["counted"] = bool(counted.include_components)
    figure["line"] = (
        components.included_line(figure)
        if counted.include_components
        else components.line(figure)
    )
    return figure


def components_line(
    ctx: Ctx, counted: Any, agency: str | None, component: str | None = None
) -> dict[str, Any]:
    """The awards buying surveillance components inside a larger purchase (of one
    COMPONENT category, or any): not counted (the default) or counted under the
    component's category."""
    left_out = replace(counted, include_components=False)
    sql, params = components.not_counted_sql(left_out, agency, component)
    # The figure changes only when the tables are rebuilt, and a rebuild means a new
    # reader: work it out once per reader, not on every request (a scan of serve_award).
    key = "not_counted:" + repr((sql, list(params)))
    figure: dict[str, Any] = dict(
        ctx.reader.derived(key, lambda r: r.rows(sql, params, cache=False)[0])
    )
    return stated(figure, counted)


def year_components_line(
    counted: Any, rows: list[dict[str, Any]], fiscal_year: int
) -> dict[str, Any]:
    """The components line of one FISCAL_YEAR, from the dashboard's rows by year and
    category (category `none` with a component): the awards the vendor table of that
    year leaves out, or counts under the component's category, as `custodes analyse
    totals --fy Y` states them."""
    left_out = replace(counted, include_components=False)
    mine = [
        r
        for r in rows
        if r["fiscal_year"] == fiscal_year
        and r["category"] == NOT_SURVEILLANCE
        and r.get("component_category")
        and r["component_category"]
        in components.left_out(left_out, [r["component_category"]])
    ]
    figure: dict[str, Any] = {
        "awards": sum(int(r["awards"]) for r in mine),
        "obligation_usd": sum((Decimal(r["obligation_usd"]) for r in mine), Decimal(0)),
    }
    return stated(figure, counted)


def vendor_table(
    ctx: Ctx,
    counted: Any,
    agency: str | None,
    fiscal_year: int | None,
    what: str,
    statuses: dict[int, dict[str, Any]],
) -> tuple[Table, dict[str, Any]]:
    """Every vendor of AGENCY (or all) in FISCAL_YEAR (or all years) with what it was
    paid under the definition, as `custodes analyse totals --by vendor` gives it."""
    r = ctx.reader
    sql, params = spending.by_vendor_sql(
        counted,
        agency,
        fiscal_year,
        classified=r.has("classification"),
        resolved=r.has("transaction_vendor") and r.has("vendor"),
    )
    key = "by_vendor:" + repr((sql, params))
    rows = spending.vendor_rows(
        [dict(x) for x in r.derived(key, lambda rd: rd.rows(sql, params, cache=False))]
    )
    where = {"7012": "ICE", "7014": "CBP"}.get(agency or "", agency or "ICE and CBP")
    when = "all fiscal years" if fiscal_year is None else f"FY{fiscal_year}"
    note = ""
    if fiscal_year is not None:
        status = statuses.get(fiscal_year)
        note = status["note"] if status else f"FY{fiscal_year}: no data in the store"
    cli = ["custodes analyse totals --by vendor"]
    if agency:
        cli.append(f"--agency {agency}")
    if fiscal_year is not None:
        cli.append(f"--fy {fiscal_year}")
    cli += counted.cli_args()
    data = {
        "agency": agency,
        "fiscal_year": fiscal_year,
        "coverage": note,
        "vendors": len(rows),
        "command": " ".join(cli),
    }
    caption = f"{what} by vendor: {where}, {when}" + (f" ({note})" if note else "")
    table = Table(
        [
            ("vendor_name", "Vendor"),
            ("vendor_id", "Vendor id"),
            ("awards", "Awards"),
            ("transactions", "Transactions"),
            ("obligation_usd", "Obligations"),
            ("reviewed_usd", "Reviewed by a person"),
            ("reviewed_share", "Reviewed share"),
        ],
        rows,
        caption,
        money=("obligation_usd", "reviewed_usd"),
        links={"vendor_name": "/vendor/{vendor_id}"},
    )
    return table, data


def dashboard(ctx: Ctx) -> View:
    agency = store_agency(ctx)
    fiscal_year = store_fiscal_year(ctx)
    view = View(
        "dashboard.html", "Surveillance spending", notices=build_notices(ctx.reader)
    )
    if not ctx.reader.has("serve_award"):
        return view
    today = date.today()
    view.notices += coverage_notes(ctx.reader, agency, today)
    counted = definition(ctx.reader, ctx.params)
    classified = bool(counted.classified)
    figures = spending.summarise(
        spending_rows(ctx.reader, agency),
        counted,
        spending.awards_by_category(award_counts(ctx.reader, agency), counted),
    )
    cover = coverage_summary(ctx.reader, agency, today)
    what = (
        "Surveillance spending"
        if classified
        else "All contract spending (unclassified)"
    )
    year_rows: list[dict[str, Any]] = figures["by_year"]
    cat_rows: list[dict[str, Any]] = figures["by_category"]
    statuses = {y["fiscal_year"]: y for y in cover["years"]}
    for r in year_rows:
        r["coverage"] = statuses.get(r["fiscal_year"], {}).get("note", "")
    # this year against last, as `custodes analyse yoy` (the reporter's first question)
    spending.year_changes(year_rows, {y: s["status"] for y, s in statuses.items()})
    by_vendor, vendor_data = vendor_table(
        ctx, counted, agency, fiscal_year, what, statuses
    )
    view.data = {
        "agency": agency,
        "fiscal_year": fiscal_year,
        "fiscal_years": cover["fiscal_years"],
        "by_vendor": vendor_data,
        "definition": counted.to_dict(),
        "not_counted": components_line(ctx, counted, agency),
        "classified": classified,
        "measure": what,
        "total_usd": figures["total_usd"],
        # what the total covers, and the chosen year's own figure beside it: the
        # year menu chooses the vendor table's year, and a reporter read the total
        # of every year as the chosen year's
        "total_years": coverage.year_ranges(cover["fiscal_years"]),
        "year_total": next(
            (
                {k: r[k] for k in YEAR_TOTAL if k in r}
                for r in year_rows
                if fiscal_year is not None and r["fiscal_year"] == fiscal_year
            ),
            None,
        ),
        "reviewed": {
            "obligation_usd": figures["total_usd"],
            "reviewed_usd": figures["reviewed_usd"],
            "share": figures["reviewed_share"],
            "line": review.line(figures["total_usd"], figures["reviewed_usd"]),
        },
        "coverage": cover,
        "charts": [
            build_bar_chart(
                "chart-year",
                f"{what} by fiscal year",
                year_items(year_rows, cover["years"]),
                caption=f"{counted.text} {cover['text']}",
            ),
            build_bar_chart(
                "chart-category",
                f"{what} by category",
                [(r["category_label"], r["obligation_usd"]) for r in cat_rows],
                caption=f"{counted.text} {cover['text']}",
            ),
        ],
    }
    # The vendor table's own scope: the page's line when it covers every year.
    vendor_data["not_counted"] = (
        view.data["not_counted"]
        if fiscal_year is None
        else year_components_line(counted, figures["rows"], fiscal_year)
    )
    # under the table by year, as `custodes analyse yoy` prints it
    view.data["year_change_note"] = (
        spending.INCOMPLETE_NOTE
        if any(r["change_note"] == spending.INCOMPLETE for r in year_rows)
        else None
    )
    view.tables = {
        "by_year": Table(
            [
                ("fiscal_year", "Fiscal year"),
                ("obligation_usd", "Obligations"),
                ("reviewed_usd", "Reviewed by a person"),
                ("reviewed_share", REVIEWED_SHARE),
                ("coverage", "Coverage"),
                # added after the columns the CSV had (exports change additively)
                ("change_usd", "Change from the year before"),
                ("change_pct", "Change %"),
                ("change_note", "About the change"),
            ],
            year_rows,
            f"{what} by fiscal year",
            money=("obligation_usd", "reviewed_usd", "change_usd"),
        ),
        "by_category": Table(
            [
                ("category", "Category id"),
                ("category_label", "Category"),
                ("obligation_usd", "Obligations"),
                ("reviewed_usd", "Reviewed by a person"),
                ("reviewed_share", REVIEWED_SHARE),
            ],
            cat_rows,
            f"{what} by category",
            money=("obligation_usd", "reviewed_usd"),
            links={"category_label": category_link(agency)},
        ),
        "by_year_category": Table(
            [
                ("fiscal_year", "Fiscal year"),
                ("category", "Category id"),
                ("category_label", "Category"),
                ("component_category", "Component inside a larger purchase"),
                ("awards", "Awards"),
                ("obligation_usd", "Obligations"),
                ("reviewed_usd", "Reviewed by a person"),
                ("counted", "Counted as surveillance"),
                ("counted_as", "Counted under"),
            ],
            figures["rows"],
            "All spending by fiscal year and category",
            money=("obligation_usd", "reviewed_usd"),
            links={"category_label": category_link(agency)},
        ),
        "by_vendor": by_vendor,
    }
    return view
