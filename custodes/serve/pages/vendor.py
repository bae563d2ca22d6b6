"""One vendor: names it appears under, corporate family, resellers, spending, awards."""

from __future__ import annotations

from custodes.errors import NotFound
from custodes.serve import params as P
from custodes.serve.charts import build_bar_chart
from custodes.serve.pages import Ctx, build_notices, category_label
from custodes.serve.prepare import VENDOR_LISTS
from custodes.serve.views import Table, View

HEAD_SQL = "SELECT * FROM serve_vendor_page WHERE vendor_id = ?"

AWARDS_SQL = """
    SELECT award_key, piid, agency_name, category, maker, description,
           first_action_date, last_action_date, obligation_usd, transactions
    FROM serve_award WHERE vendor_id = ? AND vendor_rank > ? AND vendor_rank <= ?
    ORDER BY vendor_rank"""

# What serve_vendor_page adds to the vendor's own row (custodes/serve/prepare.py).
LISTS = ("parent_name", *(name for name, *_ in VENDOR_LISTS))


def vendor(ctx: Ctx, vendor_id: str) -> View:
    vendor_id = P.path_id(vendor_id, "vendor")
    page, size = P.page(ctx.params)
    if not ctx.reader.has("serve_award"):
        return View("vendor.html", vendor_id, notices=build_notices(ctx.reader))
    r = ctx.reader
    found, awards = r.batch(
        [
            (HEAD_SQL, [vendor_id]),
            (AWARDS_SQL, [vendor_id, (page - 1) * size, page * size]),
        ]
    )
    if not found:
        raise NotFound(f"No vendor {vendor_id!r}. Search for vendors at /search?q=")
    head = found[0]
    lists = {k: head.pop(k) for k in LISTS}
    view = View("vendor.html", str(head["name"]), notices=build_notices(r))
    parent = (
        {"vendor_id": head["parent_id"], "name": lists["parent_name"]}
        if head["parent_id"] and lists["parent_name"] is not None
        else None
    )
    years = lists["years"] or []
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
            lists["family"] or [],
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
            lists["aliases"] or [],
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
            lists["resellers"] or [],
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
            lists["resold"] or [],
            "Makers whose products this vendor resold",
            money=("obligation_usd",),
            links={"maker": "/vendor/{maker_vendor_id}"},
        )
    return view
