"""Categories of the surveillance taxonomy: the list, and one category in full."""

from __future__ import annotations

from datetime import date
from typing import Any

from custodes.errors import NotFound
from custodes.figures import review, spending
from custodes.figures.definition import NOT_COUNTED, Definition
from custodes.serve import params as P
from custodes.serve.charts import build_bar_chart, year_items
from custodes.serve.pages import (
    Ctx,
    build_notices,
    category_label,
    definition,
    load_taxonomy,
    store_agency,
)
from custodes.serve.pages.coverage import coverage_summary
from custodes.serve.pages.dashboard import category_link, components_line
from custodes.serve.pages.totals import (
    award_counts,
    by_agency_rows,
    has_category,
    spending_rows,
)
from custodes.serve.views import Table, View
from custodes.store.reader import Reader

# {category}: the category an award counts under (Definition.category_sql: its own, or
# with components=include the component's for an award of `none` buying one). The
# largest vendors: each with its own transactions (the figures' one attribution).
TOP_VENDORS_SQL = spending.TOP_VENDORS_SQL

TOP_AWARDS_SQL = """
    SELECT award_key, piid, agency_name, vendor_id, vendor_name, maker, description,
           first_action_date, obligation_usd, category AS own_category,
           component_category, reviewed
    FROM serve_award WHERE {category} = ?{agency}
    ORDER BY obligation_usd DESC NULLS LAST, award_key LIMIT ? OFFSET ?"""
# {agency}: nothing, or this condition (one awarding agency, as serve_spending's)
AGENCY_SQL = " AND agency_code = ?"

# The largest awards of a category (under a definition) kept per reader: the first
# pages of the category page are slices of them; later pages are read each time.
KEEP_AWARDS = 50


def categories(ctx: Ctx) -> View:
    view = View("categories.html", "Categories", notices=build_notices(ctx.reader))
    counted = definition(ctx.reader, ctx.params)
    # one agency (ICE, CBP or a sub-agency code) or all, as on the dashboard
    agency = store_agency(ctx)
    view.data["definition"] = counted.to_dict()
    view.data["agency"] = agency
    totals: dict[str, dict[str, Any]] = {}
    if ctx.reader.has("serve_award"):
        view.data["coverage"] = coverage_summary(ctx.reader, agency, date.today())
        # every category's sums, counted or not, in the dashboard's one pass; each
        # award once, not once for each fiscal year it has actions in
        summary = spending.summarise(
            spending_rows(ctx.reader, agency),
            counted,
            spending.awards_by_category(award_counts(ctx.reader, agency), counted),
        )
        totals = summary["every_category"]
        view.data["reviewed"] = {
            "obligation_usd": summary["total_usd"],
            "reviewed_usd": summary["reviewed_usd"],
            "share": summary["reviewed_share"],
            "line": review.line(summary["total_usd"], summary["reviewed_usd"]),
        }
        view.data["not_counted"] = components_line(ctx, counted, agency)
    ids = list(load_taxonomy()) + sorted(set(totals) - set(load_taxonomy()))
    rows = [
        {
            "category": c,
            "label": category_label(c),
            "definition": load_taxonomy().get(c, {}).get("definition"),
            "awards": totals.get(c, {}).get("awards", 0),
            "obligation_usd": totals.get(c, {}).get("obligation_usd"),
            "reviewed_usd": totals.get(c, {}).get("reviewed_usd"),
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
            ("reviewed_usd", "Reviewed by a person"),
            ("counted", "Counted as surveillance"),
        ],
        rows,
        "Taxonomy categories and their spending",
        money=("obligation_usd", "reviewed_usd"),
        links={"label": category_link(agency)},
    )
    return view


def category(ctx: Ctx, category_id: str) -> View:
    category_id = P.path_id(category_id, "category")
    page, size = P.page(ctx.params)
    entry = load_taxonomy().get(category_id)
    r = ctx.reader
    known = r.has("serve_award") and has_category(r, category_id)
    if entry is None and not known and category_id not in NOT_COUNTED:
        raise NotFound(f"No category {category_id!r}. See /categories for the list.")
    view = View("category.html", category_label(category_id), notices=build_notices(r))
    counted = definition(r, ctx.params)
    # one agency (ICE, CBP or a sub-agency code) or all, as on /categories
    agency = store_agency(ctx)
    view.data = {
        "id": category_id,
        "agency": agency,
        "entry": entry or {},
        "page": page,
        "size": size,
        "definition": counted.to_dict(),
        "counted": counted.counts(category_id),
    }
    if not r.has("serve_award"):
        return view
    today = date.today()
    # the line on awards known only through later modifications counts this
    # category's awards (as the page's definition counts them), not every award's
    cover = coverage_summary(
        r, agency, today, category=(category_id, counted.category_sql())
    )
    rows = [
        x for x in by_agency_rows(r) if agency is None or x["agency_code"] == agency
    ]
    figure = spending.for_category(rows, counted, category_id)
    view.data["coverage"] = cover
    view.data["reviewed"] = {
        "obligation_usd": figure["total_usd"],
        "reviewed_usd": figure["reviewed_usd"],
        "share": figure["reviewed_share"],
        "line": review.line(figure["total_usd"], figure["reviewed_usd"]),
    }
    view.data["not_counted"] = components_line(ctx, counted, agency, category_id)
    view.data["chart"] = build_bar_chart(
        "chart-category-year",
        "Obligations by fiscal year",
        year_items(figure["by_year"], cover["years"]),
        caption=f"{counted.text} {cover['text']}",
    )
    top = largest(r, counted, category_id, agency)
    offset = (page - 1) * size
    awards = (
        [dict(a) for a in top["awards"][offset : offset + size]]
        if offset + size <= KEEP_AWARDS
        else r.rows(
            TOP_AWARDS_SQL.format(
                category=counted.category_sql(), agency=AGENCY_SQL if agency else ""
            ),
            [category_id, *([agency] if agency else []), size, offset],
        )
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
                ("own_category", "Own category"),
                ("component_category", "Component inside a larger purchase"),
                ("reviewed", "Reviewed by a person"),
                ("first_action_date", "First"),
                ("obligation_usd", "Obligations"),
            ],
            awards,
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
            [dict(v) for v in top["vendors"]],
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
                ("reviewed_usd", "Reviewed by a person"),
            ],
            spending.by_year_agency(rows, counted, category_id),
            "Obligations by fiscal year and agency",
            money=("obligation_usd", "reviewed_usd"),
        ),
    }
    return view


def largest(
    reader: Reader, counted: Definition, category_id: str, agency: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """The category's KEEP_AWARDS largest awards and its largest vendors under
    COUNTED, read once per reader: they change only with a rebuild, which opens a new
    reader, and each was a scan of every award on every request (docs/benchmarks.md).
    Callers copy the rows they change."""

    where = counted.category_sql()
    one = AGENCY_SQL if agency else ""
    scope = [agency] if agency else []

    def read(r: Reader) -> dict[str, list[dict[str, Any]]]:
        return {
            "awards": r.rows(
                TOP_AWARDS_SQL.format(category=where, agency=one),
                [category_id, *scope, KEEP_AWARDS, 0],
                cache=False,
            ),
            "vendors": r.rows(
                TOP_VENDORS_SQL.format(category=where, agency=one),
                [category_id, *scope],
                cache=False,
            ),
        }

    return reader.derived(f"category_top:{where}:{category_id}:{agency or ''}", read)
