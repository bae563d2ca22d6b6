"""The data web: a curated, cited graph of who can reach which personal data
(institutions only), linked to the money. See docs/dataweb.md.

Functions for the web app; each uses the shipped curated data, loaded once per process,
and gives statuses as of `as_of` (today by default): reach(category), feeds(system_id,
store=None), show(id), flow_history(flow_id), graph(), explorer() and
data_categories().
"""

from __future__ import annotations

from datetime import date
from typing import Any

from custodes.dataweb.explore import explorer_graph
from custodes.dataweb.export import graph_json
from custodes.dataweb.funding import feeds
from custodes.dataweb.loader import shipped_dataweb
from custodes.dataweb.queries import expand_sources, flow_history, reach, show

__all__ = [
    "data_categories",
    "explorer",
    "feeds",
    "flow_history",
    "graph",
    "reach",
    "show",
]


def graph(as_of: date | None = None) -> dict[str, Any]:
    """The whole graph: nodes and edges (one edge per flow, with its hops and
    facilitators), each with its sources expanded to {id, publisher, title or topic,
    date, kind, url or no_url}, strongest first; `as_of` names the statuses' day."""
    web = shipped_dataweb()
    data = graph_json(web, as_of=as_of)
    for item in data["nodes"] + data["edges"]:
        item["sources"] = expand_sources(web, item.get("sources", []))
    return {"as_of": data["as_of"], "nodes": data["nodes"], "edges": data["edges"]}


def explorer(as_of: date | None = None) -> dict[str, Any]:
    """The graph as the explorer draws it: nodes in layers, flows hop by hop, every
    edge with a sentence saying what it means (custodes.dataweb.explore)."""
    return explorer_graph(shipped_dataweb(), as_of)


def data_categories() -> list[str]:
    """The data categories `reach` accepts."""
    return sorted(shipped_dataweb().vocabulary.get("data_categories", {}))
