"""Fetch one date window from the transaction search, page by page, and verify it.

A window is complete when the distinct records received add up to the count the API
gave for it. Records are compared by their full content, so a record served twice
(pages that shifted while we paged) is kept once. A window that comes up short is
fetched again with a different page size; what each pass saw is merged, keeping a
record as many times as it ever appeared on one page. Real data has exact duplicate
rows, which must survive even when a page edge falls between the two copies: two
passes that served the very same records, as many as the count, prove them. A window
still short after its passes is reported, never half-saved.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

from custodes.model.agencies import load_agencies
from custodes.sources.base import WindowResult, WindowTooBig
from custodes.sources.usaspending.formats import (
    API_SEARCH_OPTIONAL,
    API_SEARCH_REQUIRED,
)
from custodes.sync.client import ApiError, Client
from custodes.sync.windows import Window

SEARCH = "/api/v2/search/spending_by_transaction/"
COUNT = "/api/v2/search/spending_by_transaction_count/"
CONTRACT_TYPES = ["A", "B", "C", "D"]
PAGE_LIMITS = (100, 97, 89)  # one page size per pass; different sizes move page edges
MAX_PAGES = 1000  # 100,000 records: far past the API's 50,000 window
FIELDS = [
    "Award ID",
    "Mod",
    "Recipient Name",
    "Recipient UEI",
    "Action Date",
    "Transaction Amount",
    "Transaction Description",
    "Awarding Agency",
    "Awarding Sub Agency",
    "Award Type",
    "Action Type",
    "PSC",
    "NAICS",
    "internal_id",
    "generated_internal_id",
]
# The staged CSVs are api_search files with every optional column (see
# sources/usaspending/formats.py).
CSV_COLUMNS = [*API_SEARCH_REQUIRED, *API_SEARCH_OPTIONAL]


def time_period(window: Window) -> list[dict[str, str]]:
    return [
        {"start_date": window.start.isoformat(), "end_date": window.end.isoformat()}
    ]


def filters(
    agencies: list[dict[str, str]],
    window: Window,
    award_ids: list[str] | None = None,
) -> dict[str, Any]:
    """The search filter: contracts, the window, the agencies and, for the history
    of known awards (`sync --history`), their PIIDs. `award_ids` matches an ID
    fuzzily unless it is wrapped in double quotes (the API's filter documentation),
    so each PIID is sent quoted, for an exact match."""
    out: dict[str, Any] = {
        "award_type_codes": CONTRACT_TYPES,
        "time_period": time_period(window),
    }
    if agencies:
        out["agencies"] = agencies
    if award_ids:
        out["award_ids"] = [exact_id(a) for a in award_ids]
    return out


def exact_id(award_id: str) -> str:
    """An ID as the search's `award_ids` filter matches it exactly: in double quotes."""
    bare = award_id.strip('"')
    return f'"{bare}"'


def count(
    client: Client,
    agencies: list[dict[str, str]],
    window: Window,
    award_ids: list[str] | None = None,
) -> int:
    doc = client.post_json(COUNT, {"filters": filters(agencies, window, award_ids)})
    try:
        return int(doc["results"]["contracts"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ApiError(
            f"count reply for {window.key} has no results.contracts: {str(doc)[:200]}"
        ) from exc


def _identity(record: dict[str, Any]) -> str:
    text = json.dumps(record, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()


def fetch_pass(
    client: Client,
    agencies: list[dict[str, str]],
    window: Window,
    limit: int,
    cap: int,
    award_ids: list[str] | None = None,
) -> list[list[dict[str, Any]]]:
    """All pages of one pass, as served."""
    pages: list[list[dict[str, Any]]] = []
    for page in range(1, MAX_PAGES + 1):
        if (page - 1) * limit >= cap:
            raise WindowTooBig(f"{window.key}: more than {cap:,} records")
        body = {
            "filters": filters(agencies, window, award_ids),
            "fields": FIELDS,
            "page": page,
            "limit": limit,
            "sort": "Transaction Amount",
            "order": "desc",
        }
        try:
            doc = client.post_json(SEARCH, body)
        except ApiError as exc:
            if exc.status == 422 and "window" in exc.body.lower():
                raise WindowTooBig(
                    f"{window.key}: the server refused page {page} ({exc.body[:160]})",
                    sum(len(p) for p in pages),
                ) from exc
            raise
        results = doc.get("results")
        meta = doc.get("page_metadata") or {}
        if not isinstance(results, list):
            raise ApiError(f"page {page} of {window.key} has no results list")
        pages.append(results)
        if not meta.get("hasNext") or not results:
            return pages
    raise ApiError(f"{window.key}: still more pages after {MAX_PAGES}; stopped")


def merge_pass(
    seen: dict[str, tuple[dict[str, Any], int]], pages: list[list[dict[str, Any]]]
) -> None:
    """Fold one pass into `seen`: identity -> (record, most copies on any one page)."""
    for results in pages:
        first: dict[str, dict[str, Any]] = {}
        counts: Counter[str] = Counter()
        for record in results:
            ident = _identity(record)
            first.setdefault(ident, record)
            counts[ident] += 1
        for ident, n in counts.items():
            if ident not in seen or seen[ident][1] < n:
                seen[ident] = (first[ident], n)


def fetch_window(
    client: Client,
    agencies: list[dict[str, str]],
    window: Window,
    cap: int,
    expected: int | None = None,
    award_ids: list[str] | None = None,
) -> WindowResult:
    """Count, then page the window until its records are proven complete.

    Complete means either the distinct records (repeats across page edges dropped)
    reach the count, or two passes served exactly the same records, as many as the
    count: then the repeats are real duplicate rows, not paging artefacts, since
    faults do not land on the same records twice with different page sizes.
    """
    if expected is None:
        expected = count(client, agencies, window, award_ids)
    if expected > cap:
        raise WindowTooBig(f"{window.key}: {expected:,} records > {cap:,}")
    seen: dict[str, tuple[dict[str, Any], int]] = {}
    served: list[Counter[str]] = []
    passes = 0
    for limit in PAGE_LIMITS:
        passes += 1
        pages = fetch_pass(client, agencies, window, limit, cap, award_ids)
        merge_pass(seen, pages)
        records = [r for r, n in seen.values() for _ in range(n)]
        if len(records) >= expected:
            return WindowResult(expected, records, passes)
        this = Counter(_identity(r) for page in pages for r in page)
        if sum(this.values()) == expected and this in served:
            return WindowResult(
                expected,
                [seen[i][0] for i, n in this.items() for _ in range(n)],
                passes,
            )
        served.append(this)
    return WindowResult(expected, records, passes)


def _part(value: Any, key: str) -> str:
    """PSC and NAICS come back as a code string or as {code, description}."""
    if isinstance(value, dict):
        return str(value.get(key) or "")
    return str(value or "") if key == "code" else ""


def _agency_label(sub_agency_name: str | None) -> str:
    _, subtier = load_agencies()
    for sub in subtier.values():
        if sub_agency_name and sub.name.upper() == sub_agency_name.strip().upper():
            return sub.abbreviation
    return sub_agency_name or ""


def csv_row(record: dict[str, Any]) -> list[str]:
    def text(name: str) -> str:
        value = record.get(name)
        return "" if value is None else str(value)

    return [
        _agency_label(record.get("Awarding Sub Agency")),
        text("Award ID"),
        text("Recipient Name"),
        text("Transaction Amount"),
        text("Action Date"),
        text("Mod"),
        _part(record.get("PSC"), "description"),
        _part(record.get("NAICS"), "description"),
        text("Transaction Description"),
        text("generated_internal_id"),
        text("Recipient UEI"),
        _part(record.get("PSC"), "code"),
        _part(record.get("NAICS"), "code"),
        text("Awarding Sub Agency"),
        text("Action Type"),
        text("Award Type"),
    ]


def write_window_csv(path: Path, records: list[dict[str, Any]]) -> None:
    """Write records in the api-search format `custodes ingest` reads (atomic
    rename)."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for record in sorted(records, key=_identity):
            writer.writerow(csv_row(record))
    tmp.replace(path)
