"""The data web: a curated, cited graph of who can reach which personal data
(institutions only), linked to the money. See docs/dataweb.md.

Functions for the web app; each uses the shipped curated data, loaded once per process:
reach(category), feeds(system_id, store=None), show(id), flow_history(flow_id),
graph() and data_categories().
"""

from __future__ import annotations

from typing import Any

from custodes.dataweb.export import graph_json
from custodes.dataweb.funding import feeds
from custodes.dataweb.loader import shipped_dataweb
from custodes.dataweb.queries import expand_sources, flow_history, reach, show

__all__ = ["data_categories", "feeds", "flow_history", "graph", "reach", "show"]


def graph() -> dict[str, Any]:
    """The whole graph for an explorer: nodes and edges, each with its sources expanded
    to {id, publisher, title or topic, date, url}."""
    web = shipped_dataweb()
    data = graph_json(web)
    for item in data["nodes"] + data["edges"]:
        item["sources"] = expand_sources(web, item.get("sources", []))
    return {"nodes": data["nodes"], "edges": data["edges"]}


def data_categories() -> list[str]:
    """The data categories `reach` accepts."""
    return sorted(shipped_dataweb().vocabulary.get("data_categories", {}))
