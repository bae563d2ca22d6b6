"""Categories of the surveillance taxonomy: the list, and one category in full."""

from __future__ import annotations

from typing import Any

from custodes.errors import NotFound
from custodes.figures.definition import NOT_COUNTED
from custodes.serve import params as P
from custodes.serve.charts import build_bar_chart
from custodes.serve.pages import (
    Ctx,
    build_notices,
    category_label,
    definition,
    load_taxonomy,
)
from custodes.serve.views import Table, View

TOP_VENDORS_SQL = """
    SELECT vendor_id, any_value(vendor_name) AS vendor_name, count(*) AS awards,
           sum(obligation_usd) AS obligation_usd
    FROM serve_award WHERE category = ? AND vendor_id IS NOT NULL
    GROUP BY 1 ORDER BY obligation_usd DESC LIMIT 25"""

TOP_AWARDS_SQL = """
    SELECT award_key, piid, agency_name, vendor_id, vendor_name, maker, description,
           first_action_date, obligation_usd
    FROM serve_award WHERE category = ?
    ORDER BY obligation_usd DESC NULLS LAST, award_key LIMIT ? OFFSET ?"""


def categories(ctx: Ctx) -> View:
    view = View("categories.html", "Categories", notices=build_notices(ctx.reader))
    totals = {}
    if ctx.reader.has("serve_award"):
        totals = {
            r["category"]: r
            for r in ctx.reader.rows(
                "SELECT category, sum(awards) AS awards, "
                "sum(obligation_usd) AS obligation_usd "
                "FROM serve_spending GROUP BY 1"
            )
        }
    ids = list(load_taxonomy()) + sorted(set(totals) - set(load_taxonomy()))
    counted = definition(ctx.reader)
    view.data["definition"] = counted.to_dict()
    rows = [
        {
            "category": c,
            "label": category_label(c),
            "definition": load_taxonomy().get(c, {}).get("definition"),
            "awards": totals.get(c, {}).get("awards", 0),
            "obligation_usd": totals.get(c, {}).get("obligation_usd"),
            "counted": counted.counts(c),
        }
        for c in ids
    ]
    view.tables["categories"] = Table(
        [
            ("category", "Id"),
            ("label", "Category"),
            ("definition", "Definition"),
            ("awards", "Awards"),
            ("obligation_usd", "Obligations"),
            ("counted", "Counted as surveillance"),
        ],
        rows,
        "Taxonomy categories and their spending",
        money=("obligation_usd",),
        links={"label": "/category/{category}"},
    )
    return view


def category(ctx: Ctx, category_id: str) -> View:
    category_id = P.path_id(category_id, "category")
    page, size = P.page(ctx.params)
    entry = load_taxonomy().get(category_id)
    r = ctx.reader
    known = r.has("serve_award") and r.scalar(
        "SELECT count(*) FROM serve_spending WHERE category = ?", [category_id]
    )
    if entry is None and not known and category_id not in NOT_COUNTED:
        raise NotFound(f"No category {category_id!r}. See /categories for the list.")
    view = View("category.html", category_label(category_id), notices=build_notices(r))
    counted = definition(r)
    view.data = {
        "id": category_id,
        "entry": entry or {},
        "page": page,
        "size": size,
        "definition": counted.to_dict(),
        "counted": counted.counts(category_id),
    }
    if not r.has("serve_award"):
        return view
    years = r.rows(
        "SELECT fiscal_year, agency_code, any_value(agency_name) AS agency_name, "
        "sum(obligation_usd) AS obligation_usd, sum(awards) AS awards "
        "FROM serve_spending WHERE category = ? GROUP BY 1, 2 ORDER BY 1, 2",
        [category_id],
    )
    per_year: dict[int, Any] = {}
    for y in years:
        per_year[y["fiscal_year"]] = (
            per_year.get(y["fiscal_year"], 0) + y["obligation_usd"]
        )
    view.data["chart"] = build_bar_chart(
        "chart-category-year",
        "Obligations by fiscal year",
        [(f"FY{k}", v) for k, v in sorted(per_year.items())],
    )
    view.tables = {
        "awards": Table(
            [
                ("award_key", "Award"),
                ("piid", "PIID"),
                ("agency_name", "Agency"),
                ("vendor_name", "Vendor"),
                ("maker", "Maker"),
                ("description", "Description"),
                ("first_action_date", "First"),
                ("obligation_usd", "Obligations"),
            ],
            r.rows(TOP_AWARDS_SQL, [category_id, size, (page - 1) * size]),
            f"Largest awards (page {page})",
            money=("obligation_usd",),
            links={
                "award_key": "/award/{award_key}",
                "vendor_name": "/vendor/{vendor_id}",
            },
        ),
        "vendors": Table(
            [
                ("vendor_id", "Vendor id"),
                ("vendor_name", "Vendor"),
                ("awards", "Awards"),
                ("obligation_usd", "Obligations"),
            ],
            r.rows(TOP_VENDORS_SQL, [category_id]),
            "Largest vendors",
            money=("obligation_usd",),
            links={"vendor_name": "/vendor/{vendor_id}"},
        ),
        "by_year": Table(
            [
                ("fiscal_year", "Fiscal year"),
                ("agency_name", "Agency"),
                ("awards", "Awards"),
                ("obligation_usd", "Obligations"),
            ],
            years,
            "Obligations by fiscal year and agency",
            money=("obligation_usd",),
        ),
    }
    return view
