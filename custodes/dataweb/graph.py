"""The data web as a networkx graph: institutions, systems and data stores as nodes;
data flows, operation, supply, holding, membership, agreements and figures as edges.

Every node and every edge carries `sources`, the ids of the publications behind it.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from custodes.dataweb.model import DataWeb, Entry

NODE_KINDS = ("organisation", "system", "data_source", "agreement", "figure")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def source_ids(entry: Entry) -> list[str]:
    return [str(s) for s in _as_list(entry.data.get("sources"))]


def flow_path(entry: Entry) -> list[str]:
    """The nodes a flow passes: from, each intermediary, to."""
    d = entry.data
    return [d["from"], *_as_list(d.get("via")), d["to"]]


def _node_attrs(web: DataWeb, entry: Entry) -> dict[str, Any]:
    d = entry.data
    attrs: dict[str, Any] = {
        "kind": entry.kind,
        "label": web.label(entry.id),
        "sources": source_ids(entry),
    }
    for key in (
        "name",
        "summary",
        "status",
        "category",
        "data_categories",
        "value",
        "unit",
        "amount_usd",
        "date",
        "since",
        "kind",
    ):
        if key in d and key != "kind":
            attrs[key] = d[key]
    if entry.kind == "organisation":
        attrs["org_kind"] = d.get("kind")
    if entry.kind == "agreement":
        attrs["agreement_kind"] = d.get("kind")
    return attrs


def _flow_end(web: DataWeb, entry_id: str) -> str:
    entry = web.get(entry_id)
    return entry.data["to"] if entry and entry.kind == "flow" else entry_id


def _structural_edges(web: DataWeb, entry: Entry) -> list[tuple[str, str, str]]:
    d, k = entry.data, entry.kind
    if k == "organisation" and d.get("parent"):
        return [(entry.id, d["parent"], "part_of")]
    if k == "system":
        edges = [(d["operator"], entry.id, "operates")]
        return edges + [(v, entry.id, "supplies") for v in _as_list(d.get("vendors"))]
    if k == "data_source":
        return [(d["holder"], entry.id, "holds")]
    if k == "agreement":
        parties = (
            _as_list(d.get("vendor"))
            + _as_list(d.get("agency"))
            + _as_list(d.get("parties"))
        )
        return [(p, entry.id, "party_to") for p in dict.fromkeys(parties)]
    if k == "figure":
        # a figure about a flow is drawn to the flow's end (flows are edges, not nodes)
        targets = [_flow_end(web, r) for r in _as_list(d.get("relates_to"))]
        return [(entry.id, t, "describes") for t in dict.fromkeys(targets)]
    return []


def build_graph(web: DataWeb) -> nx.MultiDiGraph:
    """All entries as one graph. Flow edges run from -> to, keeping `via` as data."""
    graph = nx.MultiDiGraph()
    for entry in web.entries.values():
        if entry.kind in NODE_KINDS:
            graph.add_node(entry.id, **_node_attrs(web, entry))
    for entry in web.entries.values():
        for source, target, relation in _structural_edges(web, entry):
            graph.add_edge(
                source,
                target,
                key=f"{relation}:{entry.id}",
                relation=relation,
                entry=entry.id,
                sources=source_ids(entry),
            )
        if entry.kind == "flow":
            d = entry.data
            graph.add_edge(
                d["from"],
                d["to"],
                key=entry.id,
                relation="flow",
                entry=entry.id,
                via=_as_list(d.get("via")),
                data_categories=d["data_categories"],
                status=d["status"],
                since=d.get("since"),
                until=d.get("until"),
                agreement=d.get("agreement"),
                summary=d["summary"],
                sources=source_ids(entry),
            )
        if entry.kind == "funding":
            award = f"award:{entry.data.get('award_key') or entry.data.get('piid')}"
            graph.add_node(
                award, kind="award", label=award.split(":", 1)[1], sources=[]
            )
            graph.add_edge(
                award,
                entry.data["system"],
                key=entry.id,
                relation="funds",
                entry=entry.id,
                sources=source_ids(entry),
            )
    for award in [n for n, a in graph.nodes(data=True) if a.get("kind") == "award"]:
        cited = {
            s for _, _, a in graph.out_edges(award, data=True) for s in a["sources"]
        }
        graph.nodes[award]["sources"] = sorted(cited)
    return graph


def neighbourhood(graph: nx.MultiDiGraph, centre: str, depth: int) -> nx.MultiDiGraph:
    """The subgraph within `depth` steps of `centre`, following edges both ways.

    Flow intermediaries (via) count as neighbours of both ends of their flow.
    """
    seen, frontier = {centre}, {centre}
    undirected = graph.to_undirected(as_view=True)
    for _ in range(depth):
        nxt = set()
        for node in frontier:
            nxt.update(undirected.neighbors(node))
            for _, _, attrs in list(graph.in_edges(node, data=True)) + list(
                graph.out_edges(node, data=True)
            ):
                nxt.update(v for v in attrs.get("via", []) if v in graph)
        frontier = nxt - seen
        seen |= nxt
    return graph.subgraph(seen).copy()
