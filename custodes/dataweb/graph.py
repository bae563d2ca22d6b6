"""The data web as a networkx graph: institutions, systems and data stores as nodes;
data flows, operation, supply, holding, membership, agreements, figures and what
facilitates a flow as edges.

Every node and every edge carries `sources`, the ids of the publications behind it.
A flow edge runs from -> to and keeps its `hops` (what the data passes through, in
order) and `facilitators` (contracts, resellers, agreements: not hops) as data.
Statuses are derived as of a date (status.py): `status` as of `as_of`,
`recorded_status` as the sources last gave it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import networkx as nx

from custodes.dataweb.model import DataWeb, Entry, flow_facilitators, flow_hops
from custodes.dataweb.status import status_as_of

NODE_KINDS = ("organisation", "system", "data_source", "agreement", "figure")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def source_ids(entry: Entry) -> list[str]:
    return [str(s) for s in _as_list(entry.data.get("sources"))]


def flow_path(entry: Entry) -> list[str]:
    """The nodes a flow's data passes: from, each hop, to (never its facilitators)."""
    d = entry.data
    return [d["from"], *flow_hops(entry), d["to"]]


AGENCY_KINDS = ("agency", "component", "state_agency")


def layer(entry: Entry) -> str:
    """The explorer's column: data_source | company | system | agency | record."""
    if entry.kind == "organisation":
        return "agency" if entry.data.get("kind") in AGENCY_KINDS else "company"
    if entry.kind in ("data_source", "system"):
        return entry.kind
    return "record"


def dated_status(web: DataWeb, entry: Entry, as_of: date | None) -> dict[str, Any]:
    """status (as of the date), recorded_status, status_note and lapses_on, or {}."""
    dated = status_as_of(web, entry, as_of)
    if dated is None:
        return {}
    return {
        "status": dated.status,
        "recorded_status": dated.recorded_status,
        "status_note": dated.note,
        "status_lapsed": dated.lapsed,
        "lapses_on": dated.lapses_on,
    }


def _node_attrs(web: DataWeb, entry: Entry, as_of: date | None) -> dict[str, Any]:
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
    attrs["layer"] = layer(entry)
    attrs.update(dated_status(web, entry, as_of))
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


def _flow_edge(web: DataWeb, entry: Entry, as_of: date | None) -> dict[str, Any]:
    d = entry.data
    hops = flow_hops(entry)
    return {
        "relation": "flow",
        "entry": entry.id,
        "label": web.label(entry.id),
        "hops": hops,
        "via": hops,  # deprecated alias of hops, kept for one release
        "facilitators": flow_facilitators(web, entry),
        "data_categories": d["data_categories"],
        "status": d["status"],
        "since": d.get("since"),
        "until": d.get("until"),
        "agreement": d.get("agreement"),
        "summary": d["summary"],
        "sources": source_ids(entry),
        **dated_status(web, entry, as_of),
    }


def build_graph(web: DataWeb, as_of: date | None = None) -> nx.MultiDiGraph:
    """All entries as one graph, statuses as of `as_of` (today by default). Flow edges
    run from -> to, keeping `hops` and `facilitators` as data; each facilitator also
    gets a `facilitates` edge to the flow's end."""
    graph = nx.MultiDiGraph()
    for entry in web.entries.values():
        if entry.kind in NODE_KINDS:
            graph.add_node(entry.id, **_node_attrs(web, entry, as_of))
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
                d["from"], d["to"], key=entry.id, **_flow_edge(web, entry, as_of)
            )
            for fac in flow_facilitators(web, entry):
                if fac["id"] in graph:
                    graph.add_edge(
                        fac["id"],
                        d["to"],
                        key=f"facilitates:{entry.id}:{fac['id']}",
                        relation="facilitates",
                        entry=entry.id,
                        role=fac["role"],
                        sources=source_ids(entry),
                    )
        if entry.kind == "funding":
            award = f"award:{entry.data.get('award_key') or entry.data.get('piid')}"
            graph.add_node(
                award,
                kind="award",
                label=award.split(":", 1)[1],
                sources=[],
                layer="record",
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

    A flow's hops count as neighbours of both ends of the flow.
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
                nxt.update(v for v in attrs.get("hops", []) if v in graph)
        frontier = nxt - seen
        seen |= nxt
    return graph.subgraph(seen).copy()
