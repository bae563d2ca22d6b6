"""The data web: the graph explorer, one node or edge with its sources, and
"who can reach this data" (paths from a data category to those who can use it)."""

from __future__ import annotations

from urllib.parse import quote

from custodes.errors import NotFound
from custodes.serve import params as P
from custodes.serve.dataweb_source import NOT_BUILT
from custodes.serve.pages import Ctx
from custodes.serve.views import Table, View


def explorer(ctx: Ctx) -> View:
    view = View("dataweb.html", "Data web explorer")
    if not ctx.dataweb.available:
        view.notices.append(NOT_BUILT)
        return view
    graph = ctx.dataweb.graph()
    view.data = {"nodes": len(graph["nodes"]), "edges": len(graph["edges"])}
    view.tables = {
        "nodes": Table(
            [("id", "Id"), ("label", "Name"), ("kind", "Kind")],
            [{k: n[k] for k in ("id", "label", "kind")} for n in graph["nodes"]],
            "Agencies, systems and data sources (nodes)",
            links={"label": "/dataweb/node/{id}"},
        ),
        "edges": Table(
            [
                ("id", "Id"),
                ("source", "From"),
                ("label", "Relation"),
                ("target", "To"),
                ("data_categories", "Data categories"),
            ],
            [
                {
                    "id": e["id"],
                    "source": e["source"],
                    "target": e["target"],
                    "label": e["label"],
                    "data_categories": ", ".join(e.get("data_categories", [])),
                }
                for e in graph["edges"]
            ],
            "Data flows and relations (edges)",
            links={"id": "/dataweb/node/{id}"},
        ),
    }
    return view


def graph_json(ctx: Ctx) -> View:
    """The whole graph for the explorer's script: nodes and edges with sources."""
    view = View("dataweb.html", "Data web graph")
    if not ctx.dataweb.available:
        view.notices.append(NOT_BUILT)
        view.data = {"nodes": [], "edges": []}
        return view
    view.data = ctx.dataweb.graph()
    return view


def node(ctx: Ctx, node_id: str) -> View:
    if not ctx.dataweb.available:
        return View("node.html", node_id, notices=[NOT_BUILT])
    if len(node_id) > 300:
        raise NotFound("No such node or edge.")
    found = ctx.dataweb.show(node_id)
    if found is None:
        raise NotFound(f"No node or edge {node_id!r} in the data web. See /dataweb.")
    view = View("node.html", found.get("label") or node_id, data={"item": found})
    if node_id.startswith("award:"):  # a contract in the store: link to it
        ref = node_id.split(":", 1)[1]
        view.data["award_link"] = (
            f"/award/{quote(ref, safe='')}"
            if ref.startswith("CONT_")
            else f"/search?q={quote(ref, safe='')}"
        )
    view.tables["sources"] = Table(
        [("title", "Source"), ("url", "Address"), ("note", "Note")],
        found["sources"],
        "Sources",
    )
    graph = ctx.dataweb.graph()
    linked = [e for e in graph["edges"] if node_id in (e["source"], e["target"])]
    view.tables["edges"] = Table(
        [("id", "Id"), ("source", "From"), ("label", "Relation"), ("target", "To")],
        [{k: e[k] for k in ("id", "source", "label", "target")} for e in linked],
        "Connected edges",
        links={
            "id": "/dataweb/node/{id}",
            "source": "/dataweb/node/{source}",
            "target": "/dataweb/node/{target}",
        },
    )
    return view


def reach(ctx: Ctx) -> View:
    view = View("reach.html", "Who can reach this data")
    if not ctx.dataweb.available:
        view.notices.append(NOT_BUILT)
        return view
    options = ctx.dataweb.data_categories()
    chosen = P.identifier(ctx.params, "category")
    if chosen is not None and options and chosen not in options:
        raise NotFound(
            f"No data category {chosen!r}. Choose one of: {', '.join(options)}."
        )
    paths = ctx.dataweb.reach(chosen) if chosen else []
    view.data = {"options": options, "chosen": chosen, "paths": paths}
    rows = []
    for i, path in enumerate(paths, 1):
        for j, step in enumerate(path["steps"], 1):
            rows.append(
                {
                    "path": i,
                    "step": j,
                    "source": step["source"],
                    "label": step["label"],
                    "target": step["target"],
                    "sources": "; ".join(
                        s["url"] or s["title"] for s in step["sources"]
                    ),
                }
            )
    view.tables["paths"] = Table(
        [
            ("path", "Path"),
            ("step", "Step"),
            ("source", "From"),
            ("label", "Relation"),
            ("target", "To"),
            ("sources", "Citations"),
        ],
        rows,
        f"Paths for {chosen}" if chosen else "Paths",
    )
    return view
