"""The earlier transactions of awards the store knows only from later modifications
(`custodes sync --history`), from the USAspending transaction search.

The search's `award_ids` filter matches PIIDs; with the contract award types and a
time period that ends on the awards' first action in the store, the same paging and
verification as a date window (fetch.py: count, passes, merge) fetches their earlier
actions with every column the api-search format needs (recipient, sub-agency, PSC,
NAICS, description). `/api/v2/transactions/` (one award's history by its generated
id) was not used: it has no recipient, agency, PSC or NAICS, and no count to verify
against. A PIID can belong to awards of other agencies or other parent IDVs, so each
record says which award it is (`facts`) and the caller keeps only the awards it asked
for.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from custodes.model.agencies import load_agencies
from custodes.sources.base import RecordFacts, WindowResult
from custodes.sources.usaspending import fetch
from custodes.sync.client import Client, public_url
from custodes.sync.windows import Window


def count(client: Client, piids: list[str], window: Window) -> int:
    return fetch.count(client, [], window, piids)


def fetch_history(
    client: Client,
    piids: list[str],
    window: Window,
    cap: int,
    expected: int | None = None,
) -> WindowResult:
    return fetch.fetch_window(client, [], window, cap, expected, award_ids=piids)


def _sub_agency_code(record: dict[str, Any], parts: list[str]) -> str | None:
    if len(parts) == 6 and parts[3]:
        return parts[3]
    name = str(record.get("Awarding Sub Agency") or "").strip().upper()
    _, subtier = load_agencies()
    for code, sub in subtier.items():
        if name and sub.name.upper() == name:
            return str(code)
    return None


def facts(record: dict[str, Any]) -> RecordFacts:
    gid = str(record.get("generated_internal_id") or "").strip().upper() or None
    parts = gid.split("_") if gid else []
    day = str(record.get("Action Date") or "")[:10]
    try:
        action_date: date | None = date.fromisoformat(day)
    except ValueError:
        action_date = None
    return RecordFacts(
        award_key=gid,
        piid=str(record.get("Award ID") or "").strip().upper(),
        sub_agency_code=_sub_agency_code(record, parts),
        modification=str(record.get("Mod") or "").strip().upper() or "0",
        action_date=action_date,
    )


def describe(api_url: str, window: Window, awards: int) -> str:
    """What the rows of one history batch show as their source file."""
    query = f"{public_url(api_url.rstrip('/'))}{fetch.SEARCH} contracts"
    return (
        f"{query} {window.start} to {window.end}, earlier transactions of "
        f"{awards} award{'s' if awards != 1 else ''} (award_ids)"
    )
