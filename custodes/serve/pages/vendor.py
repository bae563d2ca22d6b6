"""One vendor: names it appears under, corporate family, resellers, spending, awards.

The prepared vendor rows (serve_vendor_page, a few thousand) are held in memory for the
open store. A vendor's awards are every award it was paid on (serve_vendor_award: each
transaction under its own vendor, the one attribution of money to vendors), largest
part first; its award ids in that order are read once and kept, with its part of each
award it shared with another vendor, so a page of them is a slice of that list, read
through the award rows kept in memory (custodes/search/awardrows.py). Award ids are
stable numbers (custodes/figures/award_numbers.py), not positions.
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from custodes.errors import NotFound
from custodes.figures import spending
from custodes.figures.definition import Definition
from custodes.figures.makers import summarise
from custodes.figures.serve_tables import VENDOR_LISTS
from custodes.figures.spending import ZERO
from custodes.search.awardrows import load_award_rows
from custodes.serve import params as P
from custodes.serve.charts import build_bar_chart, year_items
from custodes.serve.pages import Ctx, build_notices, category_label, definition
from custodes.serve.pages.coverage import coverage_summary
from custodes.serve.views import Table, View
from custodes.store.reader import Reader

PAGES_SQL = "SELECT p.* FROM serve_vendor_page p"

# Each corporate family's totals: the vendors that share a family_id, as
# `custodes vendor show ID --family` counts them: the members' money and transactions
# add up (each transaction has one vendor), and its awards are those any member was
# paid on, each once (an award moved between two members counts once); only families
# of two vendors or more.
FAMILIES_SQL = """
    WITH f AS (
        SELECT family_id, count(*) AS vendors, sum(transactions) AS transactions,
               sum(obligation_usd) AS obligation_usd,
               sum(surveillance_usd) AS surveillance_usd
        FROM serve_vendor WHERE family_id IS NOT NULL
        GROUP BY family_id HAVING count(*) > 1),
    aw AS (
        SELECT v.family_id, count(DISTINCT s.award_id) AS awards
        FROM serve_vendor_award s JOIN serve_vendor v USING (vendor_id)
        WHERE v.family_id IN (SELECT family_id FROM f) GROUP BY 1)
    SELECT f.family_id, f.vendors, coalesce(aw.awards, 0) AS awards, f.transactions,
           f.obligation_usd, f.surveillance_usd
    FROM f LEFT JOIN aw USING (family_id)"""

# A vendor's award ids, by what it was paid on each (then by id: award ids are stable
# numbers, not positions, see custodes/figures/award_numbers.py), read once per vendor
# and kept.
VENDOR_AWARD_IDS_SQL = """
    SELECT award_id FROM serve_vendor_award WHERE vendor_id = ?
    GROUP BY award_id ORDER BY sum(obligation_usd) DESC NULLS LAST, award_id"""
# The awards of which the vendor was paid on some transactions only (another vendor
# on the rest: a novation, an acquisition), with its part; read with the ids and kept.
VENDOR_PARTS_SQL = """
    SELECT any_value(a.award_key) AS award_key,
           sum(s.obligation_usd) AS vendor_obligation_usd,
           sum(s.transactions)::BIGINT AS vendor_transactions
    FROM serve_vendor_award s JOIN serve_award a USING (award_id)
    WHERE s.vendor_id = ? GROUP BY s.award_id
    HAVING sum(s.transactions) < any_value(a.transactions)"""
KEEP_IDS = 2_000_000  # award ids kept for vendor pages (8 bytes each)

AWARD_COLUMNS = (
    "award_key", "piid", "agency_name", "category", "maker", "description",
    "first_action_date", "last_action_date", "obligation_usd", "transactions",
)  # fmt: skip

# What serve_vendor_page adds to the vendor's own row (figures/serve_tables.py).
LISTS = ("parent_name", *(name for name, *_ in VENDOR_LISTS))


def load_vendor_pages(reader: Any) -> dict[str, dict[str, Any]]:
    """The open store's vendor rows with their lists, by vendor id."""
    return reader.derived("vendor_pages", _read_vendor_pages)


def _read_vendor_pages(reader: Any) -> dict[str, dict[str, Any]]:
    return {r["vendor_id"]: r for r in reader.rows(PAGES_SQL, cache=False)}


Parts = dict[str, dict[str, Any]]  # by award key


class VendorAwardIds:
    """Each vendor's award ids in order, and its parts of the awards it shared
    (VENDOR_PARTS_SQL), read when its page is first asked for and kept (least
    recently used out, up to KEEP_IDS ids), so that a page of its awards is a slice
    of a list and the award rows come from memory."""

    def __init__(self, keep: int = KEEP_IDS) -> None:
        self.keep, self.held = keep, 0
        self.ids: OrderedDict[str, tuple[array[int], Parts]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, reader: Any, vendor_id: str) -> array[int]:
        return self.get_with_parts(reader, vendor_id)[0]

    def get_with_parts(self, reader: Any, vendor_id: str) -> tuple[array[int], Parts]:
        with self.lock:
            found = self.ids.get(vendor_id)
            if found is not None:
                self.ids.move_to_end(vendor_id)
                return found
        ids = reader.integers(VENDOR_AWARD_IDS_SQL, [vendor_id])
        parts = {
            str(r["award_key"]): r
            for r in reader.rows(VENDOR_PARTS_SQL, [vendor_id], cache=False)
        }
        found = (ids, parts)
        with self.lock:
            if vendor_id not in self.ids:
                self.ids[vendor_id] = found
                self.held += len(ids)
            while self.held > self.keep and len(self.ids) > 1:
                _, gone = self.ids.popitem(last=False)
                self.held -= len(gone[0])
        return found


def load_vendor_award_ids(reader: Any) -> VendorAwardIds:
    return reader.derived("vendor_award_ids", lambda _: VendorAwardIds())


def load_families(reader: Any) -> dict[str, dict[str, Any]]:
    """The open store's corporate families of two vendors or more, by family id,
    read once (a vendor page runs no query once its rows are in memory)."""
    return reader.derived(
        "vendor_families",
        lambda r: {f["family_id"]: f for f in r.rows(FAMILIES_SQL, cache=False)},
    )


def family_total(reader: Any, head: dict[str, Any]) -> dict[str, Any] | None:
    """The vendor's corporate family as one total (every vendor sharing its
    family_id), or None when the vendor is alone in its family."""
    found = load_families(reader).get(head.get("family_id") or "")
    if found is None:
        return None
    named = load_vendor_pages(reader).get(found["family_id"])
    return {
        **found,
        "name": named["name"] if named else None,
        "command": f"custodes vendor show {found['family_id']} --family",
    }


def counted_years(reader: Reader, counted: Definition) -> dict[str, dict[int, Decimal]]:
    """spending.counted_vendor_years_sql's figures, worked out once per reader."""
    if not reader.has("serve_vendor_year"):
        return {}
    sql, params = spending.counted_vendor_years_sql(counted)
    return reader.derived(
        "vendor_years:" + counted.name,
        lambda r: spending.by_vendor_year(r.rows(sql, params, cache=False)),
    )


def vendor_part(award: dict[str, Any], part: dict[str, Any] | None) -> dict[str, Any]:
    """AWARD (a row of the vendor's awards) with what the vendor was paid on it:
    all of it, or PART (VENDOR_PARTS_SQL) when another vendor was paid on some of
    its transactions; `vendor_part` says which in words."""
    if part is None:
        return {
            **award,
            "vendor_obligation_usd": award["obligation_usd"],
            "vendor_transactions": award["transactions"],
            "vendor_part": "all",
        }
    mine = part["vendor_obligation_usd"]
    return {
        **award,
        "vendor_obligation_usd": mine,
        "vendor_transactions": part["vendor_transactions"],
        "vendor_part": (
            f"part: {part['vendor_transactions']} of {award['transactions']} "
            "transactions; another vendor was paid on the rest"
        ),
    }


def vendor(ctx: Ctx, vendor_id: str) -> View:
    vendor_id = P.path_id(vendor_id, "vendor")
    page, size = P.page(ctx.params)
    if not ctx.reader.has("serve_award"):
        return View("vendor.html", vendor_id, notices=build_notices(ctx.reader))
    r = ctx.reader
    found = load_vendor_pages(r).get(vendor_id)
    if found is None:
        raise NotFound(f"No vendor {vendor_id!r}. Search for vendors at /search?q=")
    head = dict(found)
    lists = {k: head.pop(k) for k in LISTS}
    awards = []
    if head["awards"] and (page - 1) * size < head["awards"]:
        ids, parts = load_vendor_award_ids(r).get_with_parts(r, vendor_id)
        awards = [
            vendor_part({k: a[k] for k in AWARD_COLUMNS}, parts.get(a["award_key"]))
            for a in load_award_rows(r).get(
                r, list(ids[(page - 1) * size : page * size])
            )
        ]
    view = View("vendor.html", str(head["name"]), notices=build_notices(r))
    parent = (
        {"vendor_id": head["parent_id"], "name": lists["parent_name"]}
        if head["parent_id"] and lists["parent_name"] is not None
        else None
    )
    years = [dict(y) for y in lists["years"] or []]
    counted = definition(r)
    # each year's part that the definition counts: the year's obligations are every
    # award's, surveillance or not (as the vendor's net obligations above); read once
    # per reader for every vendor, so that a page in memory runs no query
    part = counted_years(r, counted).get(vendor_id, {})
    for y in years:
        y["surveillance_usd"] = part.get(int(y["fiscal_year"]), ZERO)
    # its awards known only through later modifications: the vendor's own
    cover = coverage_summary(r, None, date.today(), vendor_id)
    for a in awards:
        a["category_label"] = category_label(a["category"])
    channels = summarise(lists["channels"] or []) if lists["channels"] else None
    view.data = {
        "vendor": head,
        "channels": channels,
        "family_total": family_total(r, head),
        # its categories by name, each a link to the category's page
        "categories": [
            {"category": c, "label": category_label(c)}
            for c in (x.strip() for x in str(head["categories"] or "").split(","))
            if c
        ],
        "feed_url": f"/feeds/vendor/{quote(vendor_id, safe='')}.atom",
        "definition": counted.to_dict(),
        "parent": parent,
        "page": page,
        "size": size,
        "pages": max(1, -(-int(head["awards"]) // size)),
        # every fiscal year of the store, marked as the dashboard marks it: a sample,
        # a partial year, or no data (a gap, not a zero)
        "coverage": cover,
        "chart": build_bar_chart(
            "chart-vendor-year",
            "All obligations by fiscal year (surveillance or not)",
            year_items(years, cover["years"]),
            caption=cover["text"],
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
                ("vendor_obligation_usd", "Paid to this vendor"),
                ("vendor_part", "This vendor's part"),
            ],
            awards,
            f"Awards (page {page}): every award this vendor was paid on; "
            "the obligations are the award's, and what this vendor was paid "
            "is its own transactions' part",
            money=("obligation_usd", "vendor_obligation_usd"),
            links={
                "award_key": "/award/{award_key}",
                "category_label": "/category/{category}",
            },
        ),
        "by_year": Table(
            [
                ("fiscal_year", "Fiscal year"),
                ("awards", "Awards"),
                ("obligation_usd", "All obligations"),
                ("surveillance_usd", "Counted as surveillance"),
            ],
            years,
            "Obligations by fiscal year: every award (surveillance or not), and the "
            "part counted as surveillance",
            money=("obligation_usd", "surveillance_usd"),
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
    if channels and channels["through_resellers"]["awards"]:
        view.tables["channels"] = Table(
            [
                ("channel", "Channel"),
                ("vendor_name", "Paid to"),
                ("awards", "Awards"),
                ("obligation_usd", "Obligations"),
                ("surveillance_usd", "Counted as surveillance"),
            ],
            [
                {
                    "channel": "direct",
                    "vendor_id": vendor_id,
                    "vendor_name": head["name"],
                    **channels["direct"],
                },
                *({"channel": "through reseller", **x} for x in channels["resellers"]),
            ],
            "Across channels: paid directly and through each reseller",
            money=("obligation_usd", "surveillance_usd"),
            links={"vendor_name": "/vendor/{vendor_id}"},
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
