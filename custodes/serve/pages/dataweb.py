"""The data web: the graph explorer, one entry (node, flow, agreement, source) with its
sources, and "who can reach this data" (paths from a data category to those who can
use it, hop by hop). Statuses are as of the day the page is served."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from custodes.errors import NotFound
from custodes.serve import params as P
from custodes.serve.dataweb_source import NOT_BUILT
from custodes.serve.pages import Ctx
from custodes.serve.views import Table, View


def _cites(sources: list[dict[str, Any]]) -> str:
    return "; ".join(
        f"{s['title']} ({s.get('kind_label') or 'source'})" for s in sources
    )


def _edges_table(
    edges: list[dict[str, Any]], last: tuple[str, str], caption: str
) -> Table:
    """Edges as table rows, each linking to its entry (a flow's hops to the flow);
    `last` is the final column: data categories or citations."""
    rows = [
        {
            "id": e["id"],
            "link": e.get("flow") or e.get("entry") or e["id"],
            "source": e["source"],
            "relation_label": e.get("relation_label") or e["label"],
            "target": e["target"],
            "meaning": e.get("meaning"),
            "status": e.get("status"),
            "data_categories": ", ".join(e.get("data_categories", [])),
            "citations": _cites(e.get("sources") or []),
        }
        for e in edges
    ]
    return Table(
        [
            ("id", "Id"),
            ("source", "From"),
            ("relation_label", "Relation"),
            ("target", "To"),
            ("meaning", "Meaning"),
            ("status", "Status"),
            last,
        ],
        rows,
        caption,
        links={
            "id": "/dataweb/node/{link}",
            "source": "/dataweb/node/{source}",
            "target": "/dataweb/node/{target}",
        },
    )


def explorer(ctx: Ctx) -> View:
    view = View("dataweb.html", "Data web explorer")
    if not ctx.dataweb.available:
        view.notices.append(NOT_BUILT)
        return view
    graph = ctx.dataweb.graph()
    view.data = {
        "nodes": len(graph["nodes"]),
        "edges": len(graph["edges"]),
        "as_of": graph["as_of"],
        "categories": graph.get("categories") or ctx.dataweb.data_categories(),
    }
    view.tables = {
        "nodes": Table(
            [
                ("id", "Id"),
                ("label", "Name"),
                ("kind_label", "Kind"),
                ("layer", "Layer"),
                ("status", "Status"),
            ],
            [
                {k: n.get(k) for k in ("id", "label", "kind_label", "layer", "status")}
                for n in graph["nodes"]
            ],
            "Agencies, companies, systems, data sources and records (nodes)",
            links={"label": "/dataweb/node/{id}"},
        ),
        "edges": _edges_table(
            graph["edges"],
            ("data_categories", "Data categories"),
            "Data flows (one row per hop) and relations (edges)",
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
    focus = {"flow": found.get("target"), "source": None}.get(
        str(found.get("kind")), node_id
    )
    view = View(
        "node.html",
        found.get("label") or node_id,
        data={
            "item": found,
            "as_of": ctx.dataweb.as_of().isoformat(),
            "explorer_focus": focus,
        },
    )
    if node_id.startswith("award:"):  # a contract in the store: link to it
        ref = node_id.split(":", 1)[1]
        view.data["award_link"] = (
            f"/award/{quote(ref, safe='')}"
            if ref.startswith("CONT_")
            else f"/search?q={quote(ref, safe='')}"
        )
    if found.get("kind") == "source":
        view.tables["cited_by"] = Table(
            [("id", "Id"), ("label", "Entry"), ("kind", "Kind")],
            found.get("cited_by") or [],
            "Entries that cite this source",
            links={"id": "/dataweb/node/{id}"},
        )
        return view
    view.tables["sources"] = Table(
        [
            ("title", "Source"),
            ("kind_label", "Kind"),
            ("url", "Address"),
            ("note", "Date"),
        ],
        found.get("sources") or [],
        "Sources, strongest first",
    )
    view.tables["edges"] = _edges_table(
        ctx.dataweb.edges_of(node_id), ("citations", "Citations"), "Connected edges"
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
    view.data = {
        "options": options,
        "chosen": chosen,
        "paths": paths,
        "as_of": ctx.dataweb.as_of().isoformat(),
    }
    rows = []
    for i, path in enumerate(paths, 1):
        for j, seg in enumerate(path["segments"], 1):
            rows.append(
                {
                    "path": i,
                    "hop": j,
                    "source": seg["source"],
                    "label": seg["relation_label"],
                    "target": seg["target"],
                    "meaning": seg["meaning"],
                    "facilitators": "; ".join(
                        f"{f['role_label']}: {f['label']}" for f in seg["facilitators"]
                    ),
                    "status": seg.get("status"),
                    "sources": "; ".join(
                        s["url"] or s["title"] for s in seg["sources"]
                    ),
                }
            )
    view.tables["paths"] = Table(
        [
            ("path", "Path"),
            ("hop", "Hop"),
            ("source", "From"),
            ("label", "Relation"),
            ("target", "To"),
            ("meaning", "Meaning"),
            ("facilitators", "Facilitated by (not a hop)"),
            ("status", "Status"),
            ("sources", "Citations"),
        ],
        rows,
        f"Paths for {chosen}, hop by hop" if chosen else "Paths",
    )
    return view
