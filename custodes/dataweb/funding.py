"""What feeds a system: the data flowing into it and the money paying for it.

The money comes from the curated mapping funding.yaml (system -> PIID or award key)
joined to the store's "transaction" table. Sums stay Decimal, never float.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from custodes.dataweb.graph import dated_status, source_ids
from custodes.dataweb.model import DataWeb, Entry, flow_hops
from custodes.dataweb.queries import _web, entry_or_404, expand_sources, step
from custodes.model.agencies import resolve_sub_agency
from custodes.store.duckdb import Store


def award_totals_sql(by_key: bool, with_agency: bool) -> str:
    where = "award_key = ?" if by_key else "piid = ?"
    if with_agency:
        where += " AND awarding_sub_agency_code = ?"
    return f"""
        SELECT count(*) AS transactions, count(DISTINCT award_key) AS awards,
               sum(obligation_usd) AS obligation_usd,
               min(action_date) AS first_action_date,
               max(action_date) AS last_action_date,
               string_agg(DISTINCT recipient_name, '; ' ORDER BY recipient_name)
                   AS recipients
        FROM "transaction" WHERE {where}
    """


def _award_cost(store: Store, mapping: Entry) -> dict[str, Any]:
    d = mapping.data
    params: list[Any] = [d.get("award_key") or d["piid"]]
    if d.get("agency") and not d.get("award_key"):
        params.append(resolve_sub_agency(str(d["agency"])).code)
    row = store.rows(
        award_totals_sql(bool(d.get("award_key")), len(params) == 2), params
    )[0]
    found = row["transactions"] > 0
    return {
        **row,
        "found": found,
        "obligation_usd": row["obligation_usd"] if found else None,
    }


def _mapping_row(web: DataWeb, mapping: Entry) -> dict[str, Any]:
    d = mapping.data
    return {
        "id": mapping.id,
        "piid": d.get("piid"),
        "award_key": d.get("award_key"),
        "agency": d.get("agency"),
        "contract": d.get("contract"),
        "contract_label": web.label(d["contract"]) if d.get("contract") else None,
        "basis": d["basis"],
        "sources": expand_sources(web, source_ids(mapping)),
    }


def system_cost(
    system_id: str, store: Store | None, web: DataWeb | None = None
) -> dict[str, Any]:
    """The curated awards behind a system and, with a store, what they obligated."""
    web = _web(web)
    mappings = [m for m in web.of_kind("funding") if m.data["system"] == system_id]
    rows = [_mapping_row(web, m) for m in mappings]
    if store is None or not store.has_table("transaction"):
        note = (
            "no store given: pass --db with a store built by `custodes ingest`"
            if store is None
            else "the store has no transactions; run `custodes ingest`"
        )
        return {
            "awards": rows,
            "total_obligation_usd": None,
            "not_found": [],
            "note": note,
        }
    total = Decimal("0.00")
    for row, mapping in zip(rows, mappings, strict=True):
        row.update(_award_cost(store, mapping))
        if row["found"]:
            total += row["obligation_usd"]
    not_found = [r["id"] for r in rows if not r["found"]]
    return {
        "awards": rows,
        "total_obligation_usd": total if rows else None,
        "not_found": not_found,
        "note": None,
    }


def _upstream(
    web: DataWeb, node: str, depth: int, seen: set[str], as_of: date | None
) -> list[dict[str, Any]]:
    """Flows that end at `node` or pass through it and, recursively, what feeds the
    places they come from."""
    out = []
    for flow in web.of_kind("flow"):
        ends = flow.data["to"] == node
        if (ends or node in flow_hops(flow)) and flow.id not in seen and depth > 0:
            seen.add(flow.id)
            out.append(
                {
                    **step(web, flow, as_of),
                    "role": "ends here" if ends else "passes through",
                    "upstream": _upstream(
                        web, flow.data["from"], depth - 1, seen, as_of
                    ),
                }
            )
    return out


def feeds(
    system_id: str,
    store: Store | None = None,
    web: DataWeb | None = None,
    depth: int = 3,
    as_of: date | None = None,
) -> dict[str, Any]:
    """What feeds system `system_id`: flows ending at or passing through it (and what
    feeds those, to `depth` levels), flows out of it, and what it cost (the store).
    Statuses are as of `as_of` (today by default)."""
    web = _web(web)
    system = entry_or_404(web, system_id, "system")
    d = system.data
    flows = web.of_kind("flow")
    return {
        "id": system.id,
        "name": d["name"],
        "category": d["category"],
        "status": d["status"],
        **dated_status(web, system, as_of),
        "as_of": (as_of or date.today()).isoformat(),
        "operator": {"id": d["operator"], "name": web.label(d["operator"])},
        "vendors": [{"id": v, "name": web.label(v)} for v in d.get("vendors", [])],
        "summary": d["summary"],
        "sources": expand_sources(web, source_ids(system)),
        "inputs": _upstream(web, system_id, depth, set(), as_of),
        "outputs": [step(web, f, as_of) for f in flows if f.data["from"] == system_id],
        "cost": system_cost(system_id, store, web),
    }
