"""The curated data web shipped in custodes/data/dataweb/, read through the dataweb
stage's loader and graph builder, shaped for the web app: nodes and edges with their
sources resolved to publisher, title and address, and "who can reach" paths."""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 4


class ShippedDataweb:
    def __init__(self) -> None:
        from custodes.dataweb.graph import build_graph
        from custodes.dataweb.loader import shipped_dataweb

        self.web = shipped_dataweb()
        self.nx = build_graph(self.web)

    def source(self, source_id: str) -> dict[str, Any]:
        entry = self.web.get(source_id)
        if entry is None:
            return {"title": source_id, "url": None, "note": None}
        d = entry.data
        title = d.get("title") or d.get("topic") or source_id
        return {
            "id": source_id,
            "title": f"{d.get('publisher', '')}: {title}".strip(": "),
            "url": d.get("url") or d.get("read_via"),
            "note": str(d.get("date") or ""),
        }

    def graph(self) -> dict[str, list[dict[str, Any]]]:
        nodes = [
            {
                **_scalars(a),
                "id": n,
                "label": str(a.get("label") or n),
                "kind": str(a.get("kind") or "node"),
                "description": a.get("summary"),
                "sources": [self.source(s) for s in a.get("sources", [])],
            }
            for n, a in self.nx.nodes(data=True)
        ]
        edges = [
            {
                **_scalars(a),
                "id": edge_id(u, k, a),
                "source": u,
                "target": v,
                "label": str(a.get("relation", "")),
                "description": a.get("summary"),
                "data_categories": [str(c) for c in a.get("data_categories") or []],
                "via": [str(x) for x in a.get("via") or []],
                "sources": [self.source(s) for s in a.get("sources", [])],
            }
            for u, v, k, a in self.nx.edges(keys=True, data=True)
        ]
        return {"nodes": nodes, "edges": edges}

    def data_categories(self) -> list[str]:
        return sorted(self.web.vocabulary.get("data_categories", {}))

    def reach(self, category: str) -> list[dict[str, Any]]:
        """Each flow carrying `category`, followed onward through later flows that carry
        it too: the chain of institutions and systems that can reach that data."""
        flows = [
            (u, v, a)
            for u, v, a in self.nx.edges(data=True)
            if a.get("relation") == "flow"
            and category in (a.get("data_categories") or [])
        ]
        onward: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
        for f in flows:
            onward.setdefault(f[0], []).append(f)
        targets = {v for _, v, _ in flows}
        starts = [f for f in flows if f[0] not in targets] or flows
        paths: list[dict[str, Any]] = []
        for first in starts:
            self._extend([first], onward, paths)
        return paths[:200]

    def _extend(
        self,
        chain: list[tuple[str, str, dict[str, Any]]],
        onward: dict[str, list[Any]],
        paths: list[dict[str, Any]],
    ) -> None:
        seen = {chain[0][0]} | {v for _, v, _ in chain}
        nxt = [f for f in onward.get(chain[-1][1], []) if f[1] not in seen]
        if not nxt or len(chain) >= MAX_DEPTH:
            paths.append(self._path(chain))
            return
        for f in nxt:
            self._extend(chain + [f], onward, paths)

    def _path(self, chain: list[tuple[str, str, dict[str, Any]]]) -> dict[str, Any]:
        label = self.web.label
        steps: list[dict[str, Any]] = []
        for u, v, a in chain:
            via = [label(x) for x in a.get("via") or []]
            relation = "flows to" + (f" (via {', '.join(via)})" if via else "")
            steps.append(
                {
                    "source": label(u),
                    "target": label(v),
                    "label": f"{relation}, status {a.get('status', 'unknown')}",
                    "sources": [self.source(s) for s in a.get("sources", [])],
                }
            )
        summary = " → ".join([steps[0]["source"]] + [s["target"] for s in steps])
        return {"steps": steps, "summary": summary}


def edge_id(source: str, key: str, attrs: dict[str, Any]) -> str:
    return key if attrs.get("relation") == "flow" else f"{key}:{source}"


def _scalars(attrs: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v
        for k, v in attrs.items()
        if isinstance(v, (str, int, float, bool))
        and k not in ("id", "label", "kind", "source", "target")
    }
