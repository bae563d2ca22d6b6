"""The dashboard: surveillance spending by fiscal year and category."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from custodes.figures import components
from custodes.serve import params as P
from custodes.serve.charts import build_bar_chart
from custodes.serve.pages import Ctx, build_notices, category_label, definition
from custodes.serve.pages.coverage import coverage_notes
from custodes.serve.views import Table, View


def spending_sql(agency: bool) -> str:
    where = "WHERE agency_code = ?" if agency else ""
    return f"""SELECT fiscal_year, category, sum(obligation_usd) AS obligation_usd,
               sum(awards) AS awards FROM serve_spending {where}
               GROUP BY 1, 2 ORDER BY 1, 2"""


def dashboard(ctx: Ctx) -> View:
    agency = P.agency(ctx.params)
    view = View(
        "dashboard.html", "Surveillance spending", notices=build_notices(ctx.reader)
    )
    if not ctx.reader.has("serve_award"):
        return view
    view.notices += coverage_notes(ctx.reader, agency, date.today())
    rows = ctx.reader.rows(spending_sql(bool(agency)), [agency] if agency else [])
    counted = definition(ctx.reader)
    classified = bool(counted.classified)
    for r in rows:
        r["category_label"] = category_label(r["category"])
        r["counted"] = counted.counts(r["category"])
    shown = [r for r in rows if r["counted"]]
    by_year: dict[int, Decimal] = {}
    by_cat: dict[str, Decimal] = {}
    for r in shown:
        by_year[r["fiscal_year"]] = (
            by_year.get(r["fiscal_year"], Decimal(0)) + r["obligation_usd"]
        )
        by_cat[r["category"]] = (
            by_cat.get(r["category"], Decimal(0)) + r["obligation_usd"]
        )
    what = (
        "Surveillance spending"
        if classified
        else "All contract spending (unclassified)"
    )
    year_rows: list[dict[str, Any]] = [
        {"fiscal_year": y, "obligation_usd": v} for y, v in sorted(by_year.items())
    ]
    cat_rows: list[dict[str, Any]] = [
        {"category": c, "category_label": category_label(c), "obligation_usd": v}
        for c, v in sorted(by_cat.items(), key=lambda kv: -kv[1])
    ]
    sql, params = components.not_counted_sql(counted, agency)
    left_out = ctx.reader.rows(sql, params)[0]
    left_out["line"] = components.line(left_out)
    view.data = {
        "agency": agency,
        "definition": counted.to_dict(),
        "not_counted": left_out,
        "classified": classified,
        "measure": what,
        "total_usd": sum(by_year.values(), Decimal(0)),
        "charts": [
            build_bar_chart(
                "chart-year",
                f"{what} by fiscal year",
                [(f"FY{r['fiscal_year']}", r["obligation_usd"]) for r in year_rows],
            ),
            build_bar_chart(
                "chart-category",
                f"{what} by category",
                [(r["category_label"], r["obligation_usd"]) for r in cat_rows],
            ),
        ],
    }
    view.tables = {
        "by_year": Table(
            [("fiscal_year", "Fiscal year"), ("obligation_usd", "Obligations")],
            year_rows,
            f"{what} by fiscal year",
            money=("obligation_usd",),
        ),
        "by_category": Table(
            [
                ("category", "Category id"),
                ("category_label", "Category"),
                ("obligation_usd", "Obligations"),
            ],
            cat_rows,
            f"{what} by category",
            money=("obligation_usd",),
            links={"category_label": "/category/{category}"},
        ),
        "by_year_category": Table(
            [
                ("fiscal_year", "Fiscal year"),
                ("category", "Category id"),
                ("category_label", "Category"),
                ("awards", "Awards"),
                ("obligation_usd", "Obligations"),
                ("counted", "Counted as surveillance"),
            ],
            rows,
            "All spending by fiscal year and category",
            money=("obligation_usd",),
            links={"category_label": "/category/{category}"},
        ),
    }
    return view
