"""Exports of the data web: JSON (for an interactive explorer), GraphML, FollowTheMoney.

- graph_json(web): {"nodes": [...], "edges": [...], "sources": {id: {...}}}; every node
  and edge lists the ids of its sources, which the "sources" table expands.
- write_graphml(web, path): the same graph for Gephi, yEd or networkx; list values are
  stored as JSON text because GraphML attributes are scalars.
- iter_ftm(web): FollowTheMoney entities (one dict per entity, JSON lines on disk) for
  Aleph/OpenAleph. Organisations become PublicBody/Company/Organization, systems
  Project, data stores Asset, flows and relations UnknownLink/Membership/Ownership,
  contracts Contract + ContractAward, figures Note.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx

from custodes.dataweb.graph import build_graph, neighbourhood
from custodes.dataweb.model import DataWeb
from custodes.dataweb.queries import SOURCE_KEYS, entry_or_404


def _sources_table(web: DataWeb) -> dict[str, dict[str, Any]]:
    return {
        e.id: {k: e.data[k] for k in SOURCE_KEYS if e.data.get(k) is not None}
        for e in web.of_kind("source")
    }


def graph_json(
    web: DataWeb, graph: nx.MultiDiGraph | None = None, as_of: date | None = None
) -> dict[str, Any]:
    """Nodes and edges for an explorer (cytoscape-style ids), each with source ids;
    statuses as of `as_of` (today by default), which the answer names."""
    graph = graph if graph is not None else build_graph(web, as_of)
    nodes = [{"id": n, **attrs} for n, attrs in graph.nodes(data=True)]
    edges = [
        {"id": key, "source": u, "target": v, **attrs}
        for u, v, key, attrs in graph.edges(keys=True, data=True)
    ]
    used = {s for item in nodes + edges for s in item.get("sources", [])}
    table = _sources_table(web)
    return {
        "as_of": (as_of or date.today()).isoformat(),
        "nodes": nodes,
        "edges": edges,
        "sources": {sid: table[sid] for sid in sorted(used) if sid in table},
    }


def neighbourhood_json(
    web: DataWeb, entry_id: str, depth: int = 1, as_of: date | None = None
) -> dict[str, Any]:
    """graph_json of the entries within `depth` steps of `entry_id`, for an explorer."""
    entry_or_404(web, entry_id)
    graph = neighbourhood(build_graph(web, as_of), entry_id, depth)
    return graph_json(web, graph, as_of)


def _scalar(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def write_graphml(web: DataWeb, path: Path, as_of: date | None = None) -> None:
    graph = build_graph(web, as_of)
    flat = nx.MultiDiGraph(as_of=(as_of or date.today()).isoformat())
    for node, attrs in graph.nodes(data=True):
        flat.add_node(
            node, **{k: _scalar(v) for k, v in attrs.items() if v is not None}
        )
    for u, v, key, attrs in graph.edges(keys=True, data=True):
        flat.add_edge(
            u, v, key=key, **{k: _scalar(x) for k, x in attrs.items() if x is not None}
        )
    nx.write_graphml(flat, str(path))


def write_json(web: DataWeb, path: Path, as_of: date | None = None) -> None:
    path.write_text(
        json.dumps(
            graph_json(web, as_of=as_of), indent=1, ensure_ascii=False, default=str
        )
    )


def write_ftm(web: DataWeb, path: Path, as_of: date | None = None) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for entity in iter_ftm(web, as_of):
            out.write(json.dumps(entity, ensure_ascii=False) + "\n")
            count += 1
    return count


def iter_ftm(web: DataWeb, as_of: date | None = None) -> Iterator[dict[str, Any]]:
    from custodes.dataweb.ftm import build_entities

    for proxy in build_entities(web, as_of):
        yield proxy.to_dict()


REACH_COLUMNS = (
    "category", "path_no", "reaches", "reaches_name", "path_names", "path", "step",
    "flow",
    "flow_label", "from", "to", "data_categories", "status", "since", "until",
    "status_note", "facilitated_by", "evidence", "sources", "source_urls",
    "citations", "as_of",
)  # fmt: skip


def _citation(src: dict[str, Any]) -> str:
    """'Publisher, Title (date)' for a source of a step."""
    head = ", ".join(str(src[k]) for k in ("publisher", "title") if src.get(k)) or str(
        src.get("topic") or src.get("id") or ""
    )
    return f"{head} ({src['date']})" if src.get("date") else head


def reach_rows(category: str, paths: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`graph reach` as spreadsheet rows: one per step (flow) of each path, with the
    step's status and every source (ids, addresses, citations) on the same row. The
    names follow --json (`path`: ids, `path_names`); the web app's /reach.csv goes
    hop by hop instead."""
    rows = []
    for i, p in enumerate(paths, start=1):
        for n, s in enumerate(p["steps"], start=1):
            sources = s.get("sources") or []
            rows.append(
                {
                    "category": category,
                    "path_no": i,
                    "reaches": p["reaches"],
                    "reaches_name": p["reaches_name"],
                    "path_names": " → ".join(p["path_names"]),
                    "path": " → ".join(p["path"]),
                    "step": n,
                    "flow": s["flow"],
                    "flow_label": s.get("label"),
                    "from": s.get("from"),
                    "to": s.get("to"),
                    "data_categories": ", ".join(s.get("data_categories") or []),
                    "status": s.get("status"),
                    "since": s.get("since"),
                    "until": s.get("until"),
                    "status_note": s.get("status_note"),
                    "facilitated_by": "; ".join(
                        f"{f['role_label']}: {f['label']}"
                        for f in s.get("facilitators") or []
                    ),
                    "evidence": s.get("evidence"),
                    "sources": "; ".join(str(x.get("id", "")) for x in sources),
                    "source_urls": " ".join(
                        str(x.get("url") or x.get("read_via") or "") for x in sources
                    ).strip(),
                    "citations": " | ".join(_citation(x) for x in sources),
                    "as_of": s.get("as_of") or p.get("as_of"),
                }
            )
    return rows
