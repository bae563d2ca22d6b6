"""The data web shaped for the web app's explorer, node pages and "who can reach".

- `explorer_graph(web, as_of)`: nodes in layers (data sources, companies, systems,
  agencies, records) and edges with a sentence saying what each means. A flow is drawn
  hop by hop: one edge per stretch of [from, *hops, to]; its facilitators (contracts,
  resellers, agreements) get `facilitates` edges instead, never a place on the path.
- `path_view(web, path)`: one `reach` path as the same hop-by-hop segments, each with
  its meaning, status and citations, facilitators beside the flow's last hop.
- `node_detail(web, id, as_of)`: one entry for its page.

Every citation is a dict {id, title, url, note, kind, kind_label, no_url, read_via},
strongest first; `url` and `read_via` are http(s) addresses or None.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from custodes.dataweb.graph import (
    build_graph,
    dated_status,
    flow_path,
    layer,
    source_ids,
)
from custodes.dataweb.loader import shipped_dataweb
from custodes.dataweb.model import DataWeb, Entry
from custodes.dataweb.queries import (
    expand_sources,
    facilitators,
    flow_history,
    reach,
)

LAYERS = {
    "data_source": "Data sources",
    "company": "Companies and other bodies",
    "system": "Systems",
    "agency": "Agencies",
    "record": "Agreements, awards and figures",
}
RELATIONS = {
    "flow": "data flow",
    "operates": "operates",
    "supplies": "supplies",
    "holds": "holds",
    "part_of": "part of",
    "party_to": "party to",
    "describes": "describes",
    "funds": "pays for",
    "facilitates": "facilitates",
}
KIND_LABELS = {
    "organisation": "organisation",
    "system": "system",
    "data_source": "data source",
    "agreement": "agreement or contract",
    "figure": "published figure",
    "award": "award in the procurement data",
    "flow": "data flow",
    "source": "source",
    "funding": "funding mapping",
}
STATUS_KEYS = ("status", "recorded_status", "status_note", "status_lapsed", "lapses_on")


def safe_url(value: Any) -> str | None:
    """Only http(s) addresses become links (no javascript: or data: URLs)."""
    text = str(value or "")
    return text if text.startswith(("https://", "http://")) else None


def citations(web: DataWeb, ids: list[str]) -> list[dict[str, Any]]:
    """The cited sources for a page, strongest first."""
    out = []
    for s in expand_sources(web, ids):
        title = s.get("title") or s.get("topic") or s["id"]
        if s.get("publisher"):
            title = f"{s['publisher']}: {title}"
        out.append(
            {
                "id": s["id"],
                "title": str(title),
                "url": safe_url(s.get("url")),
                "note": None if s.get("date") is None else str(s["date"]),
                "kind": s.get("kind"),
                "kind_label": s.get("kind_label"),
                "no_url": s.get("no_url"),
                "read_via": safe_url(s.get("read_via")),
            }
        )
    return out


def _categories(cats: list[str]) -> str:
    names = [c.replace("_", " ") for c in cats]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _short(cats: list[str]) -> str:
    names = [c.replace("_", " ") for c in cats]
    return ", ".join(names[:2]) + (" …" if len(names) > 2 else "")


def _status(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: attrs[k] for k in STATUS_KEYS if k in attrs}


def _node(web: DataWeb, node: str, attrs: dict[str, Any]) -> dict[str, Any]:
    kind = str(attrs.get("kind") or "node")
    return {
        "id": node,
        "label": str(attrs.get("label") or node),
        "kind": kind,
        "kind_label": (
            str(attrs.get("org_kind")).replace("_", " ")
            if kind == "organisation" and attrs.get("org_kind")
            else KIND_LABELS.get(kind, kind)
        ),
        "layer": attrs.get("layer", "record"),
        "description": attrs.get("summary"),
        "category": attrs.get("category"),
        "data_categories": attrs.get("data_categories") or [],
        **_status(attrs),
        "sources": citations(web, list(attrs.get("sources") or [])),
    }


def _meaning(web: DataWeb, relation: str, a: str, b: str, attrs: dict[str, Any]) -> str:
    la, lb = web.label(a), web.label(b)
    if relation == "facilitates":
        role = str(attrs.get("role", "")).replace("_", " ")
        flow = web.label(str(attrs.get("entry")))
        return (
            f"{la} facilitates the flow {flow} as {role}; the data does not pass "
            "through it."
        )
    sentence = {
        "operates": f"{la} operates {lb}.",
        "supplies": f"{la} supplies {lb}.",
        "holds": f"{la} holds {lb}.",
        "part_of": f"{la} is part of {lb}.",
        "party_to": f"{la} is a party to {lb}.",
        "describes": f"{la} describes {lb}.",
        "funds": f"Award {la} pays for {lb}.",
    }
    return sentence.get(relation, f"{la} {relation} {lb}.")


def flow_segments(
    web: DataWeb, flow: Entry, attrs: dict[str, Any]
) -> list[dict[str, Any]]:
    """A flow as one edge per stretch of [from, *hops, to], each with its meaning."""
    stops = flow_path(flow)
    cats = list(flow.data["data_categories"])
    cited = citations(web, source_ids(flow))
    helped = facilitators(web, flow)
    out = []
    for i, (a, b) in enumerate(zip(stops, stops[1:], strict=False), start=1):
        n = len(stops) - 1
        where = f" (hop {i} of {n} of this flow)" if n > 1 else ""
        out.append(
            {
                "id": flow.id if n == 1 else f"{flow.id}:hop{i}",
                "source": a,
                "target": b,
                "relation": "flow",
                "relation_label": RELATIONS["flow"],
                "label": "flow",
                "flow": flow.id,
                "flow_label": web.label(flow.id),
                "entry": flow.id,
                "hop": i,
                "hops_in_flow": n,
                "hops": stops[1:-1],
                "data_categories": cats,
                "short_label": _short(cats),
                "meaning": (
                    f"{_categories(cats).capitalize()} data passes from "
                    f"{web.label(a)} to {web.label(b)}{where}."
                ),
                "description": flow.data["summary"],
                "facilitators": helped if i == n else [],
                **_status(attrs),
                "sources": cited,
            }
        )
    return out


def explorer_graph(web: DataWeb, as_of: date | None = None) -> dict[str, Any]:
    """Nodes by layer and edges hop by hop, statuses as of `as_of` (today)."""
    graph = build_graph(web, as_of)
    nodes = [_node(web, n, a) for n, a in graph.nodes(data=True)]
    edges: list[dict[str, Any]] = []
    taken: set[str] = set()
    for u, v, key, attrs in graph.edges(keys=True, data=True):
        relation = str(attrs.get("relation"))
        if relation == "flow":
            flow = web.get(str(attrs["entry"]))
            if flow is not None:
                edges += flow_segments(web, flow, attrs)
            continue
        edge_id = f"{key}:{u}" if f"{key}:{u}" not in taken else f"{key}:{u}:{v}"
        taken.add(edge_id)
        edges.append(
            {
                "id": edge_id,
                "source": u,
                "target": v,
                "relation": relation,
                "relation_label": RELATIONS.get(relation, relation),
                "label": relation,
                "entry": attrs.get("entry"),
                "flow": attrs.get("entry") if relation == "facilitates" else None,
                "role": attrs.get("role"),
                "short_label": RELATIONS.get(relation, relation),
                "meaning": _meaning(web, relation, u, v, attrs),
                "data_categories": [],
                "sources": citations(web, list(attrs.get("sources") or [])),
            }
        )
    return {
        "as_of": (as_of or date.today()).isoformat(),
        "layers": LAYERS,
        "categories": sorted(web.vocabulary.get("data_categories", {})),
        "nodes": nodes,
        "edges": edges,
    }


def _step_label(step: dict[str, Any], as_of: str) -> str:
    through = f" (through {', '.join(step['hop_names'])})" if step["hops"] else ""
    return f"flows to{through}, status {step['status']} as of {as_of}"


def path_view(web: DataWeb, path: dict[str, Any]) -> dict[str, Any]:
    """One `reach` path for a page: its steps (one per flow) and its segments (one
    per hop, then the operator), each with meaning, status and citations."""
    as_of = path["as_of"]
    steps, segments = [], []
    for step in path["steps"]:
        flow = web.get(step["flow"])
        cited = citations(web, [s["id"] for s in step["sources"]])
        steps.append(
            {
                "source": web.label(step["from"]),
                "target": web.label(step["to"]),
                "from": step["from"],
                "to": step["to"],
                "label": _step_label(step, as_of),
                "flow": step["flow"],
                "hops": [{"id": h, "label": web.label(h)} for h in step["hops"]],
                "facilitators": step["facilitators"],
                **{k: step[k] for k in STATUS_KEYS if k in step},
                "sources": cited,
            }
        )
        if flow is not None:
            segments += flow_segments(web, flow, step)
    operated = path.get("operated_by")
    if operated:
        system, operator = operated["to"], operated["from"]
        entry = web.get(system)
        segments.append(
            {
                "id": f"operates:{system}",
                "source": system,
                "target": operator,
                "relation": "operates",
                "relation_label": "operated by",
                "short_label": "operated by",
                "meaning": (
                    f"{web.label(operator)} operates {web.label(system)}, so it can "
                    "use what arrives there."
                ),
                "facilitators": [],
                **(_status(dated_status(web, entry, None)) if entry else {}),
                "sources": citations(web, [s["id"] for s in operated["sources"]]),
            }
        )
    for seg in segments:
        seg["from"], seg["to"] = seg["source"], seg["target"]
    return {
        "summary": " → ".join(path["path_names"]),
        "reaches": path["reaches"],
        "reaches_name": path["reaches_name"],
        "path": path["path"],
        "steps": steps,
        "segments": segments,
    }


def node_detail(
    web: DataWeb, entry_id: str, as_of: date | None = None
) -> dict[str, Any] | None:
    """One curated entry for its page, or None if there is none with that id."""
    entry = web.get(entry_id)
    if entry is None:
        return None
    d = entry.data
    item: dict[str, Any] = {
        "id": entry.id,
        "kind": entry.kind,
        "kind_label": KIND_LABELS.get(entry.kind, entry.kind),
        "label": web.label(entry.id),
        "layer": layer(entry),
        "description": d.get("summary"),
        "data_categories": d.get("data_categories") or [],
        **_status(dated_status(web, entry, as_of)),
        "sources": citations(web, source_ids(entry)),
        "facts": _facts(web, entry),
    }
    if entry.kind == "flow":
        item.update(
            source=d["from"],
            target=d["to"],
            source_label=web.label(d["from"]),
            target_label=web.label(d["to"]),
            hops=[{"id": h, "label": web.label(h)} for h in flow_path(entry)[1:-1]],
            facilitators=facilitators(web, entry),
        )
    if entry.kind in ("flow", "agreement") and d.get("history"):
        item["history"] = [
            {**e, "sources": citations(web, [s["id"] for s in e["sources"]])}
            for e in flow_history(entry.id, web)["events"]
        ]
    if entry.kind == "source":
        item.update(
            url=safe_url(d.get("url")),
            no_url=d.get("no_url"),
            read_via=safe_url(d.get("read_via")),
            kind_label="source: "
            + str(d.get("kind") or "kind not given").replace("_", " "),
            cited_by=[
                {"id": e.id, "label": web.label(e.id), "kind": e.kind}
                for e in web.entries.values()
                if entry.id in source_ids(e)
                or any(
                    entry.id in (ev.get("sources") or [])
                    for ev in e.data.get("history") or []
                    if isinstance(ev, dict)
                )
            ],
        )
    return item


FACT_FIELDS = (
    ("publisher", "Publisher"),
    ("title", "Title"),
    ("topic", "Topic"),
    ("date", "Date"),
    ("name", "Name"),
    ("category", "Category"),
    ("since", "Since"),
    ("until", "Until"),
    ("evidence_until", "Evidence runs to"),
    ("amount_usd", "Amount (USD)"),
    ("piid", "Contract number (PIID)"),
    ("value", "Value"),
    ("unit", "Unit"),
    ("qualifier", "Qualifier"),
    ("stated_as", "Stated as"),
    ("measured_by", "Measured by"),
    ("as_of", "As of"),
)
REFERENCE_FIELDS = (
    ("operator", "Operated by"),
    ("holder", "Held by"),
    ("parent", "Part of"),
    ("vendor", "Vendor"),
    ("agency", "Agency"),
)


def _facts(web: DataWeb, entry: Entry) -> list[tuple[str, str]]:
    d = entry.data
    out = [(label, str(d[k])) for k, label in FACT_FIELDS if d.get(k) is not None]
    out += [(label, web.label(str(d[k]))) for k, label in REFERENCE_FIELDS if d.get(k)]
    for part in d.get("amount_parts") or []:
        if isinstance(part, dict):
            approx = " (rounded)" if part.get("rounded_to") else ""
            out.append(
                (f"Part: {part.get('label')}", f"{part.get('amount_usd')}{approx}")
            )
    return out


class Explorer:
    """The web app's view of one data-web folder (the shipped one by default),
    loaded again when a file changes; statuses as of the day asked (today)."""

    def __init__(self, data_dir: Path | None = None):
        self.data_dir = data_dir

    @property
    def web(self) -> DataWeb:
        return shipped_dataweb(self.data_dir)

    def graph(self, as_of: date | None = None) -> dict[str, Any]:
        return explorer_graph(self.web, as_of)

    def reach(self, category: str, as_of: date | None = None) -> list[dict[str, Any]]:
        web = self.web
        return [path_view(web, p) for p in reach(category, web, as_of)]

    def show(self, entry_id: str, as_of: date | None = None) -> dict[str, Any] | None:
        return node_detail(self.web, entry_id, as_of)

    def data_categories(self) -> list[str]:
        return sorted(self.web.vocabulary.get("data_categories", {}))
