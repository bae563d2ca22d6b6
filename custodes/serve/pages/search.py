"""Search across awards, vendors and data-web systems, with facets and filters: the
search engine's Results (custodes/search/engine.py) as a View."""

from __future__ import annotations

from custodes.search.engine import Results, SearchEngine, SearchOptions
from custodes.search.query import Query
from custodes.serve.pages import Ctx, build_notices
from custodes.serve.views import Table, View


def search(ctx: Ctx) -> View:
    query = Query.from_params(ctx.params)
    view = View("search.html", "Search", notices=build_notices(ctx.reader))
    view.data = {
        "chosen": query.chosen(),
        "page": query.page,
        "size": query.size,
        "total": 0,
        "facets": {},
    }
    if not ctx.reader.has("serve_award"):
        return view
    # the app's engine holds the in-memory index; a page built without it uses SQL
    engine = ctx.search or SearchEngine(ctx.reader, options=SearchOptions(index=False))
    results = engine.search(query)
    view.data.update(total=results.total, facets=results.facets, pages=results.pages)
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
                for n in ctx.dataweb.search(results.words)
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
        ],
        results.awards,
        f"Awards {min(total, (page - 1) * size + 1)}–{min(total, page * size)} "
        f"of {total:,}",
        money=("obligation_usd",),
        links={
            "award_key": "/award/{award_key}",
            "vendor_name": "/vendor/{vendor_id}",
            "category_label": "/category/{category}",
        },
    )
