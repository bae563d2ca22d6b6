"""Search across awards, vendors and data-web systems, with facets and filters: the
search engine's Results (custodes/search/engine.py) as a View."""

from __future__ import annotations

from custodes.search.engine import Results, SearchEngine, SearchOptions
from custodes.search.query import SORTS, Query
from custodes.search.terms import describe_plan
from custodes.serve.pages import Ctx, build_notices, store_agency, store_fiscal_year
from custodes.serve.views import Table, View


def search(ctx: Ctx) -> View:
    query = Query.from_params(ctx.params)
    store_agency(ctx)  # an agency or fiscal year the store lacks: a 400 naming
    store_fiscal_year(ctx)  # those it holds, as on every page
    view = View("search.html", "Search", notices=build_notices(ctx.reader))
    view.data = {
        "chosen": query.chosen(),
        "page": query.page,
        "size": query.size,
        "total": 0,
        "obligation_usd": None,
        "facets": {},
        "sorts": SORTS,
    }
    if not ctx.reader.has("serve_award"):
        return view
    # the app's engine holds the in-memory index; a page built without it uses SQL
    engine = ctx.search or SearchEngine(ctx.reader, options=SearchOptions(index=False))
    results = engine.search(query)
    view.data.update(
        total=results.total,
        obligation_usd=results.obligation_usd,
        facets=results.facets,
        pages=results.pages,
        reading=describe_plan(results.plan),
    )
    view.notices += reading_notices(results)
    view.tables["awards"] = awards_table(results)
    if results.words:
        view.tables["vendors"] = Table(
            [
                ("vendor_id", "Vendor id"),
                ("name", "Vendor"),
                ("awards", "Awards"),
                ("obligation_usd", "Obligations"),
            ],
            results.vendors,
            "Vendors whose name matches",
            money=("obligation_usd",),
            links={"name": "/vendor/{vendor_id}"},
        )
        view.tables["systems"] = Table(
            [("id", "System id"), ("label", "Name"), ("kind", "Kind")],
            [
                {k: n.get(k) for k in ("id", "label", "kind")}
                for n in ctx.dataweb.search_any(results.plan.spellings())
            ]
            if ctx.dataweb.available
            else [],
            "Data-web systems and agencies that match",
            links={"label": "/dataweb/node/{id}"},
        )
    return view


def awards_table(results: Results) -> Table:
    total, page, size = results.total, results.query.page, results.query.size
    return Table(
        [
            ("award_key", "Award"),
            ("piid", "PIID"),
            ("agency_name", "Agency"),
            ("vendor_name", "Vendor"),
            ("category_label", "Category"),
            ("maker", "Maker"),
            ("description", "Description"),
            ("first_action_date", "First action"),
            ("obligation_usd", "Obligations"),
            ("last_action_date", "Last action"),
        ],
        results.awards,
        f"Awards {min(total, (page - 1) * size + 1)}–{min(total, page * size)} "
        f"of {total:,}, {SORTS[results.query.sort]}",
        money=("obligation_usd",),
        links={
            "award_key": "/award/{award_key}",
            "vendor_name": "/vendor/{vendor_id}",
            "category_label": "/category/{category}",
        },
    )


def reading_notices(results: Results) -> list[str]:
    """What the page says about how the search text was read."""
    plan, text = results.plan, results.query.text
    chosen = results.query.chosen()
    if not text and not any(
        chosen[k] is not None
        for k in (
            "agency",
            "fy",
            "category",
            "vendor",
            "maker",
            "min",
            "max",
            "from",
            "to",
        )
    ):
        return [
            "No search words and no filters: every award is listed. Type words or "
            "choose a filter to narrow the list."
        ]
    if text and plan.empty:
        return [
            f"Nothing was searched: “{text}” has no letters A–Z or digits, the only "
            "characters the awards' text is searched for (the data is in English; "
            "accents are ignored). No award is listed."
        ]
    notes = []
    if plan.dropped:
        left = ", ".join(f"“{d}”" for d in plan.dropped)
        notes.append(f"Left out of the search (no letters A–Z or digits): {left}.")
    return notes
