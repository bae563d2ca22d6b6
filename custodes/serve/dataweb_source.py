"""The data web as the web app sees it: a graph of nodes and edges, each with sources.

Wraps the `custodes.dataweb` Python API (reach, feeds, show, graph export) and turns
its results into plain dicts. When that stage is not built, `available` is False and
the pages say so. Tests may pass any object with the same functions as `provider`.
"""

from __future__ import annotations

import importlib
from dataclasses import asdict, is_dataclass
from typing import Any

NOT_BUILT = (
    "The data web is not built yet (custodes/dataweb/ has no Python API or "
    "curated data). Run `custodes dataweb validate` once that stage lands."
)


def plain(value: Any) -> Any:
    """Dataclasses, objects with to_dict/model_dump, lists, dicts -> plain data."""
    if is_dataclass(value) and not isinstance(value, type):
        return plain(asdict(value))
    for method in ("to_dict", "model_dump", "as_dict"):
        if hasattr(value, method) and callable(getattr(value, method)):
            return plain(getattr(value, method)())
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    return value


class DatawebSource:
    def __init__(self, provider: Any | None = None):
        if provider is None:
            provider = _default_provider()
        self.provider = provider
        self._graph: dict[str, Any] | None = None
        self._texts: list[tuple[str, dict[str, Any]]] | None = None

    @property
    def available(self) -> bool:
        return (
            self.provider is not None
            and self._fn("graph", "export_graph", "graph_json") is not None
        )

    def _fn(self, *names: str) -> Any:
        for name in names:
            fn = getattr(self.provider, name, None)
            if callable(fn):
                return fn
        return None

    def graph(self) -> dict[str, list[dict[str, Any]]]:
        """{'nodes': [{id, label, kind, sources}], 'edges': [{id, source, target,
        label, sources}]}; cached, the curated data does not change while serving."""
        if self._graph is None:
            fn = self._fn("graph", "export_graph", "graph_json")
            raw = plain(fn()) if fn else {"nodes": [], "edges": []}
            self._graph = normalise_graph(raw)
        return self._graph

    def show(self, node_id: str) -> dict[str, Any] | None:
        for item in self.graph()["nodes"] + self.graph()["edges"]:
            if item["id"] == node_id:
                detail = dict(item)
                fn = self._fn("show")
                if fn:
                    try:
                        extra = plain(fn(node_id))
                    except Exception:  # noqa: BLE001 - a missing detail is not fatal
                        extra = None
                    if isinstance(extra, dict):
                        detail["detail"] = extra
                return detail
        return None

    def data_categories(self) -> list[str]:
        fn = self._fn("data_categories", "list_data_categories")
        if fn:
            return sorted(str(c) for c in plain(fn()))
        cats = {c for e in self.graph()["edges"] for c in e.get("data_categories", [])}
        return sorted(cats)

    def reach(self, category: str) -> list[dict[str, Any]]:
        fn = self._fn("reach")
        if fn is None:
            return []
        result = plain(fn(category))
        if isinstance(result, dict):
            result = result.get("paths", [])
        labels = {n["id"]: n["label"] for n in self.graph()["nodes"]}
        return [normalise_path(p, labels) for p in result or []]

    def search(self, words: list[str], limit: int = 20) -> list[dict[str, Any]]:
        """Nodes whose id, label, kind and description hold every (upper-cased) word;
        each node's text is put together once."""
        if self._texts is None:
            self._texts = [
                (
                    " ".join(
                        str(node.get(k, ""))
                        for k in ("id", "label", "kind", "description")
                    ).upper(),
                    node,
                )
                for node in self.graph()["nodes"]
            ]
        hits = [node for hay, node in self._texts if all(w in hay for w in words)]
        return hits[:limit]


def _default_provider() -> Any | None:
    """custodes.dataweb's own graph/reach functions if it has them, else the shipped
    curated files through its loader, else None (stage not built)."""
    try:
        module = importlib.import_module("custodes.dataweb")
    except ImportError:
        return None
    if callable(getattr(module, "graph", None)) and callable(
        getattr(module, "reach", None)
    ):
        return module
    try:
        from custodes.serve.dataweb_shipped import ShippedDataweb

        return ShippedDataweb()
    except (ImportError, FileNotFoundError, KeyError):
        return None


def normalise_graph(raw: Any) -> dict[str, list[dict[str, Any]]]:
    if isinstance(raw, dict) and "elements" in raw:  # cytoscape-style export
        raw = raw["elements"]
    nodes: Any = raw.get("nodes", []) if isinstance(raw, dict) else []
    edges: Any = raw.get("edges", raw.get("links", [])) if isinstance(raw, dict) else []
    seen: set[str] = set()
    unique = []
    for i, e in enumerate(edges):
        edge = _edge(e, i)
        if edge["id"] in seen:  # the same relation from several parties
            edge["id"] = f"{edge['id']}:{edge['source']}"
        if edge["id"] in seen:
            edge["id"] = f"{edge['id']}:{i}"
        seen.add(edge["id"])
        unique.append(edge)
    return {"nodes": [_node(n) for n in nodes], "edges": unique}


def _unwrap(item: dict[str, Any]) -> dict[str, Any]:
    return item["data"] if isinstance(item.get("data"), dict) else item


def _node(item: dict[str, Any]) -> dict[str, Any]:
    d = _unwrap(item)
    return {
        **d,
        "id": str(d.get("id")),
        "label": str(d.get("label") or d.get("name") or d.get("id")),
        "kind": str(d.get("kind") or d.get("type") or "node"),
        "sources": _sources(d),
    }


def _edge(item: dict[str, Any], index: int) -> dict[str, Any]:
    d = _unwrap(item)
    source, target = (
        str(d.get("source") or d.get("from")),
        str(d.get("target") or d.get("to")),
    )
    cats = d.get("data_categories") or d.get("data") or []
    return {
        **d,
        "id": str(d.get("id") or f"edge-{index}-{source}-{target}"),
        "source": source,
        "target": target,
        "label": str(
            d.get("label") or d.get("relation") or d.get("kind") or d.get("type") or ""
        ),
        "data_categories": [str(c) for c in cats] if isinstance(cats, list) else [],
        "sources": _sources(d),
    }


def _sources(d: dict[str, Any]) -> list[dict[str, Any]]:
    raw = d.get("sources") or d.get("citations") or []
    out = []
    for s in raw if isinstance(raw, list) else [raw]:
        if isinstance(s, dict):
            title = str(
                s.get("title")
                or s.get("topic")
                or s.get("name")
                or s.get("url")
                or s.get("id")
                or ""
            )
            if s.get("publisher"):
                title = f"{s['publisher']}: {title}"
            note = s.get("note") or s.get("quote") or s.get("locator") or s.get("date")
            out.append(
                {
                    "title": title,
                    "url": _safe_url(s.get("url") or s.get("read_via")),
                    "note": None if note is None else str(note),
                }
            )
        else:
            out.append({"title": str(s), "url": _safe_url(s), "note": None})
    return out


def _safe_url(value: Any) -> str | None:
    """Only http(s) links are rendered as links (no javascript: or data: URLs)."""
    text = str(value or "")
    return text if text.startswith(("https://", "http://")) else None


def normalise_path(path: Any, labels: dict[str, str] | None = None) -> dict[str, Any]:
    """One "who can reach" path: steps (from, relation, to, sources) and a summary."""
    labels = labels or {}
    if isinstance(path, list):
        path = {"steps": path}
    steps = path.get("steps") or path.get("edges") or []
    norm: list[dict[str, Any]] = []
    for step in steps:
        if not isinstance(step, dict):
            norm.append({"source": "", "target": str(step), "label": "", "sources": []})
            continue
        src = str(step.get("source") or step.get("from") or "")
        dst = str(step.get("target") or step.get("to") or "")
        via = [labels.get(str(v), str(v)) for v in step.get("via") or []]
        label = str(step.get("label") or step.get("kind") or "flows to")
        if via:
            label += f" (via {', '.join(via)})"
        if step.get("status"):
            label += f", status {step['status']}"
        norm.append(
            {
                "source": labels.get(src, src),
                "target": labels.get(dst, dst),
                "label": label,
                "flow": step.get("flow"),
                "sources": _sources(step),
            }
        )
    names = path.get("path_names")
    if isinstance(names, list) and names:
        summary = " → ".join(str(n) for n in names)
    elif path.get("summary"):
        summary = str(path["summary"])
    else:
        summary = (
            " → ".join([norm[0]["source"]] + [s["target"] for s in norm])
            if norm
            else ""
        )
    return {"steps": norm, "summary": summary}
