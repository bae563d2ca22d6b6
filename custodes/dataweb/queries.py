"""Questions the CLI and the web app ask of the data web.

reach(category)        who can reach a category of personal data, and by which paths
show(id)               one entry with everything that points to it
flow_history(flow_id)  the dated status changes of a flow (or an agreement)

Every answer carries the sources of every claim it makes, expanded to publisher, title,
date, kind and URL (or why there is none), strongest first. Statuses are as of a date
(`as_of`, today by default; see status.py). `feeds(system_id, store)` lives in
funding.py (it also reads the store).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from custodes.dataweb.dates import sort_key
from custodes.dataweb.graph import dated_status, flow_path, source_ids
from custodes.dataweb.loader import shipped_dataweb
from custodes.dataweb.model import (
    SOURCE_KIND_ORDER,
    DataWeb,
    Entry,
    flow_facilitators,
    flow_hops,
)
from custodes.errors import InputError, NotFound

SOURCE_KEYS = (
    "publisher",
    "title",
    "topic",
    "date",
    "kind",
    "url",
    "no_url",
    "read_via",
    "seed_article",
)


def _web(web: DataWeb | None) -> DataWeb:
    return web if web is not None else shipped_dataweb()


def source_rank(source: dict[str, Any]) -> tuple[int, int]:
    """Primary documents first, then official statements, reporting and mirrors;
    within a kind, sources read at the original before those read through a copy."""
    kind = source.get("kind")
    order = SOURCE_KIND_ORDER.index(kind) if kind in SOURCE_KIND_ORDER else 9
    return order, 1 if source.get("read_via") and not source.get("url") else 0


def expand_sources(web: DataWeb, ids: list[str]) -> list[dict[str, Any]]:
    """The cited sources with their details, strongest first (source_rank)."""
    labels = web.vocabulary.get("source_kinds", {})
    out = []
    for sid in ids:
        entry = web.get(sid)
        data = entry.data if entry else {}
        item = {
            "id": sid,
            **{k: data[k] for k in SOURCE_KEYS if data.get(k) is not None},
        }
        if item.get("kind"):
            item["kind_label"] = str(item["kind"]).replace("_", " ")
            item["kind_means"] = labels.get(item["kind"])
        out.append(item)
    return sorted(out, key=source_rank)


def facilitators(web: DataWeb, flow: Entry) -> list[dict[str, Any]]:
    """A flow's facilitators with names: {id, label, kind, role, role_label}."""
    return [
        {
            **f,
            "label": web.label(f["id"]),
            "kind": entry.kind if (entry := web.get(f["id"])) else None,
            "role_label": f["role"].replace("_", " "),
        }
        for f in flow_facilitators(web, flow)
    ]


def evidence(web: DataWeb, ids: list[str]) -> str:
    """Whether the cited sources are seed articles only, external only, or both."""
    seeds = [
        bool((e.data if (e := web.get(i)) else {}).get("seed_article")) for i in ids
    ]
    if seeds and all(seeds):
        return "seed_only"
    return "seed_and_external" if any(seeds) else "external_only"


def entry_or_404(web: DataWeb, entry_id: str, kind: str | None = None) -> Entry:
    entry = web.get(entry_id)
    if entry is None or (kind and entry.kind != kind):
        what = kind.replace("_", " ") if kind else "entry"
        close = sorted(i for i in web.entries if entry_id.split(".")[-1] in i)[:5]
        hint = f" Similar ids: {', '.join(close)}." if close else ""
        raise NotFound(
            f"No {what} with id {entry_id!r} in the data web.{hint} "
            "List ids with `custodes graph export --format json`."
        )
    return entry


def step(web: DataWeb, flow: Entry, as_of: date | None = None) -> dict[str, Any]:
    """One flow as a path step: its hops (what the data passes through), its
    facilitators (what made it possible, not on the path), its status as of `as_of`
    and its sources. `via` is the deprecated name of `hops`, kept for one release."""
    d = flow.data
    hops = flow_hops(flow)
    return {
        "flow": flow.id,
        "label": web.label(flow.id),
        "from": d["from"],
        "to": d["to"],
        "hops": hops,
        "hop_names": [web.label(h) for h in hops],
        "via": hops,
        "facilitators": facilitators(web, flow),
        "path": flow_path(flow),
        "data_categories": d["data_categories"],
        "status": d["status"],
        "since": d.get("since"),
        "until": d.get("until"),
        **dated_status(web, flow, as_of),
        "as_of": (as_of or date.today()).isoformat(),
        "summary": d["summary"],
        "evidence": evidence(web, source_ids(flow)),
        "sources": expand_sources(web, source_ids(flow)),
    }


def _carrying(web: DataWeb, category: str) -> dict[str, list[Entry]]:
    """Flows that carry `category`, grouped by the node they start from."""
    out: dict[str, list[Entry]] = {}
    for flow in web.of_kind("flow"):
        if category in flow.data["data_categories"]:
            out.setdefault(flow.data["from"], []).append(flow)
    return out


def _roots(web: DataWeb, category: str, by_start: dict[str, list[Entry]]) -> list[str]:
    targets = {f.data["to"] for flows in by_start.values() for f in flows}
    holders = [
        ds.id
        for ds in web.of_kind("data_source")
        if category in ds.data["data_categories"]
    ]
    return list(dict.fromkeys(holders + [n for n in by_start if n not in targets]))


def _reached_by(web: DataWeb, node: str) -> tuple[str, dict[str, Any] | None]:
    """The organisation that reaches data arriving at `node` (a system's operator)."""
    entry = web.get(node)
    if entry is None or entry.kind != "system":
        return node, None
    operator = entry.data["operator"]
    return operator, {
        "relation": "operates",
        "from": operator,
        "to": node,
        "sources": expand_sources(web, source_ids(entry)),
    }


def reach(
    category: str, web: DataWeb | None = None, as_of: date | None = None
) -> list[dict[str, Any]]:
    """Every path by which an organisation can reach data of `category`.

    A path is a chain of flows that all carry the category, starting at a store that
    holds it (or at a system with no incoming flow of it). A path that ends at a system
    is reached by the system's operator. Each result lists its steps with their sources;
    `path` runs through each flow's hops, never its facilitators. Statuses are as of
    `as_of` (today by default).
    """
    web = _web(web)
    if category not in web.vocabulary.get("data_categories", {}):
        known = ", ".join(sorted(web.vocabulary.get("data_categories", {})))
        raise InputError(
            f"Unknown data category {category!r}. Known categories: {known}."
        )
    by_start = _carrying(web, category)
    results: list[dict[str, Any]] = []

    def walk(node: str, steps: list[Entry], visited: set[str]) -> None:
        for flow in by_start.get(node, []):
            nxt = flow.data["to"]
            if nxt in visited:
                continue
            chain = [*steps, flow]
            results.append(_path_result(web, category, chain, as_of))
            walk(nxt, chain, visited | {nxt})

    for root in _roots(web, category, by_start):
        walk(root, [], {root})
    results.sort(key=lambda r: (r["reaches"], len(r["steps"]), r["path"]))
    return results


def _path_result(
    web: DataWeb, category: str, chain: list[Entry], as_of: date | None
) -> dict[str, Any]:
    steps = [step(web, f, as_of) for f in chain]
    path = [chain[0].data["from"]]
    for flow in chain:
        path += flow_path(flow)[1:]
    reaches, operated = _reached_by(web, chain[-1].data["to"])
    if operated:
        path.append(reaches)
    return {
        "category": category,
        "reaches": reaches,
        "reaches_name": web.label(reaches),
        "path": path,
        "path_names": [web.label(n) for n in path],
        "statuses": [s["status"] for s in steps],
        "as_of": (as_of or date.today()).isoformat(),
        "steps": steps,
        "operated_by": operated,
    }


def _related(web: DataWeb, entry_id: str) -> dict[str, list[dict[str, Any]]]:
    """Entries that point to `entry_id`, grouped by how they point to it."""
    related: dict[str, list[dict[str, Any]]] = {}
    for other in web.entries.values():
        if other.id == entry_id:
            continue
        for field_name, value in other.data.items():
            values = value if isinstance(value, list) else [value]
            values = [v.get("id") if isinstance(v, dict) else v for v in values]
            if field_name == "sources" and other.kind != "source":
                hit = entry_id in values
            else:
                hit = field_name not in ("summary", "id") and entry_id in values
            if hit:
                related.setdefault(f"{other.kind}.{field_name}", []).append(
                    {"id": other.id, "kind": other.kind, "label": web.label(other.id)}
                )
    return related


def show(
    entry_id: str, web: DataWeb | None = None, as_of: date | None = None
) -> dict[str, Any]:
    """One entry: its own fields, names for every id it mentions, its sources, and every
    entry that refers to it (flows in and out, systems operated, figures, citations).
    A system, flow or agreement also gets its status as of `as_of` (`dated_status`);
    a flow its hops and facilitators with names."""
    web = _web(web)
    entry = entry_or_404(web, entry_id)
    mentioned = {}
    for value in entry.data.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                item = item.get("id")
            if isinstance(item, str) and item in web.entries and item != entry_id:
                mentioned[item] = web.label(item)
    result = {
        "id": entry.id,
        "kind": entry.kind,
        "label": web.label(entry.id),
        "file": entry.file,
        "fields": entry.data,
        "names": mentioned,
        "evidence": evidence(web, source_ids(entry))
        if entry.kind != "source"
        else None,
        "sources": expand_sources(web, source_ids(entry)),
        "related": _related(web, entry_id),
        "as_of": (as_of or date.today()).isoformat(),
    }
    dated = dated_status(web, entry, as_of)
    if dated:
        result["dated_status"] = dated
    if entry.kind == "flow":
        result["hops"] = [{"id": h, "label": web.label(h)} for h in flow_hops(entry)]
        result["facilitators"] = facilitators(web, entry)
    if entry.kind in ("flow", "agreement") and entry.data.get("history"):
        result["history"] = flow_history(entry_id, web)["events"]
    return result


def flow_history(flow_id: str, web: DataWeb | None = None) -> dict[str, Any]:
    """The dated status changes of a flow or agreement, oldest first, each with sources.

    Events that cite no sources of their own inherit the entry's sources.
    """
    web = _web(web)
    entry = entry_or_404(web, flow_id)
    if entry.kind not in ("flow", "agreement"):
        raise InputError(
            f"{flow_id} is a {entry.kind}; history is kept for flows and "
            "agreements (ids starting flow., con. or agr.)."
        )
    events, previous = [], None
    for event in sorted(
        entry.data.get("history") or [], key=lambda e: sort_key(e["date"])
    ):
        cited = event.get("sources") or source_ids(entry)
        events.append(
            {
                "date": event["date"],
                "status": event["status"],
                "event": event["event"],
                "changed": event["status"] != previous,
                "sources": expand_sources(web, [str(s) for s in cited]),
            }
        )
        previous = event["status"]
    return {
        "id": entry.id,
        "label": web.label(entry.id),
        "status": entry.data.get("status"),
        "summary": entry.data["summary"],
        "events": events,
        "status_changes": sum(1 for e in events[1:] if e["changed"]),
    }
