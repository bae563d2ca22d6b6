"""One vendor: names it appears under, corporate family, resellers, spending, awards."""

from __future__ import annotations

from custodes.errors import NotFound
from custodes.serve import params as P
from custodes.serve.charts import build_bar_chart
from custodes.serve.pages import Ctx, build_notices, category_label
from custodes.serve.views import Table, View

ALIASES_SQL = """
    SELECT recipient_name, recipient_uei, recipient_duns, method, score, reason
    FROM vendor_alias WHERE vendor_id = ?
      AND recipient_name NOT IN (SELECT recipient_name FROM serve_withheld_name)
    ORDER BY recipient_name LIMIT 500"""

AWARDS_SQL = """
    SELECT award_key, piid, agency_name, category, maker, description,
        first_action_date,
           last_action_date, obligation_usd, transactions
    FROM serve_award WHERE vendor_id = ? AND vendor_rank > ? AND vendor_rank <= ?
    ORDER BY vendor_rank"""

# Awards where this vendor is the named maker but another vendor was paid (resellers),
# and the reverse: makers whose products this vendor resold.
RESELLERS_SQL = """
    SELECT vendor_id, any_value(vendor_name) AS vendor_name, count(*) AS awards,
           sum(obligation_usd) AS obligation_usd
    FROM serve_award_maker
    WHERE maker_vendor_id = ? AND vendor_id IS DISTINCT FROM maker_vendor_id
    GROUP BY 1 ORDER BY obligation_usd DESC LIMIT 100"""

RESOLD_SQL = """
    SELECT maker, any_value(maker_vendor_id) AS maker_vendor_id, count(*) AS awards,
           sum(obligation_usd) AS obligation_usd
    FROM serve_award_maker
    WHERE vendor_id = ? AND maker_vendor_id IS DISTINCT FROM vendor_id
    GROUP BY 1 ORDER BY obligation_usd DESC LIMIT 100"""


def vendor(ctx: Ctx, vendor_id: str) -> View:
    vendor_id = P.path_id(vendor_id, "vendor")
    page, size = P.page(ctx.params)
    if not ctx.reader.has("serve_award"):
        return View("vendor.html", vendor_id, notices=build_notices(ctx.reader))
    r = ctx.reader
    head = r.one(
        "SELECT * EXCLUDE (search_text) FROM serve_vendor WHERE vendor_id = ?",
        [vendor_id],
    )
    if head is None:
        raise NotFound(f"No vendor {vendor_id!r}. Search for vendors at /search?q=")
    view = View("vendor.html", str(head["name"]), notices=build_notices(r))
    parent = (
        r.one(
            "SELECT vendor_id, name FROM serve_vendor WHERE vendor_id = ?",
            [head["parent_id"]],
        )
        if head["parent_id"]
        else None
    )
    years = r.rows(
        "SELECT fiscal_year, sum(obligation_usd) AS obligation_usd, "
        "sum(awards) AS awards FROM serve_vendor_year WHERE vendor_id = ? "
        "GROUP BY 1 ORDER BY 1",
        [vendor_id],
    )
    awards = r.rows(AWARDS_SQL, [vendor_id, (page - 1) * size, page * size])
    for a in awards:
        a["category_label"] = category_label(a["category"])
    view.data = {
        "vendor": head,
        "parent": parent,
        "page": page,
        "size": size,
        "pages": max(1, -(-int(head["awards"]) // size)),
        "chart": build_bar_chart(
            "chart-vendor-year",
            "Obligations by fiscal year",
            [(f"FY{y['fiscal_year']}", y["obligation_usd"]) for y in years],
        ),
    }
    links = {"name": "/vendor/{vendor_id}"}
    view.tables = {
        "awards": Table(
            [
                ("award_key", "Award"),
                ("piid", "PIID"),
                ("agency_name", "Agency"),
                ("category_label", "Category"),
                ("maker", "Maker"),
                ("description", "Description"),
                ("first_action_date", "First"),
                ("last_action_date", "Last"),
                ("obligation_usd", "Obligations"),
            ],
            awards,
            f"Awards (page {page})",
            money=("obligation_usd",),
            links={
                "award_key": "/award/{award_key}",
                "category_label": "/category/{category}",
            },
        ),
        "by_year": Table(
            [
                ("fiscal_year", "Fiscal year"),
                ("awards", "Awards"),
                ("obligation_usd", "Obligations"),
            ],
            years,
            "Obligations by fiscal year",
            money=("obligation_usd",),
        ),
        "family": Table(
            [
                ("vendor_id", "Vendor id"),
                ("name", "Name"),
                ("obligation_usd", "Obligations"),
            ],
            r.rows(
                "SELECT vendor_id, name, obligation_usd FROM serve_vendor "
                "WHERE parent_id = ? OR (family_id = ? AND vendor_id <> ?) "
                "ORDER BY obligation_usd DESC LIMIT 100",
                [vendor_id, head["family_id"], vendor_id],
            ),
            "Corporate family (subsidiaries and siblings)",
            money=("obligation_usd",),
            links=links,
        ),
    }
    if r.has("vendor_alias"):
        view.tables["aliases"] = Table(
            [
                ("recipient_name", "Recipient name"),
                ("recipient_uei", "UEI"),
                ("recipient_duns", "DUNS"),
                ("method", "Matched by"),
                ("score", "Score"),
                ("reason", "Reason"),
            ],
            r.rows(ALIASES_SQL, [vendor_id]),
            "Names this vendor appears under",
        )
    if r.has("award_maker"):
        view.tables["resellers"] = Table(
            [
                ("vendor_id", "Vendor id"),
                ("vendor_name", "Reseller"),
                ("awards", "Awards"),
                ("obligation_usd", "Obligations"),
            ],
            r.rows(RESELLERS_SQL, [vendor_id]),
            "Resellers paid for this vendor's products",
            money=("obligation_usd",),
            links={"vendor_name": "/vendor/{vendor_id}"},
        )
        view.tables["resold"] = Table(
            [
                ("maker", "Maker"),
                ("awards", "Awards"),
                ("obligation_usd", "Obligations"),
            ],
            r.rows(RESOLD_SQL, [vendor_id]),
            "Makers whose products this vendor resold",
            money=("obligation_usd",),
            links={"maker": "/vendor/{maker_vendor_id}"},
        )
    return view
