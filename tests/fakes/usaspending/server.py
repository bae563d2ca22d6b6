"""A local stand-in for the USAspending API v2, for tests and offline demos.

It follows the real request and response shapes of the endpoints custodes uses
(transaction search and its count, with the `time_period`, `agencies`, `keywords` and
`award_ids` filters, bulk award download, download status, file
download) and serves records built from api-search CSV extracts and bulk contract
files. Faults can be injected per endpoint: HTTP 500, 429 with Retry-After, slow
replies, truncated JSON, dropped connections, and pages whose records are duplicated
or shifted. It listens on 127.0.0.1 only.

    python -m tests.fakes.usaspending --data ../shared/data/usaspending/api-search
"""

from __future__ import annotations

import argparse
import csv
import json
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from custodes.model.agencies import load_agencies
from tests.fakes.usaspending.bulk import BulkJobs
from tests.fakes.usaspending.faults import Fault
from tests.fakes.usaspending.wire import Handler, Server

DHS = "Department of Homeland Security"
CONTRACT_TYPES = {"A", "B", "C", "D"}


def api_record(row: dict[str, str], internal_id: int) -> dict[str, Any]:
    """An api-search CSV row -> the record the search endpoint returns."""
    _, subtier = load_agencies()
    by_abbrev = {s.abbreviation: s.name for s in subtier.values()}
    amount = Decimal(row["Federal Action Obligation"] or "0")
    return {
        "Award ID": row["Award ID"],
        "Mod": row["Modification"],
        "Recipient Name": row["Recipient Name"] or None,
        "Recipient UEI": None,
        "Action Date": row["Action Date"],
        "Transaction Amount": f"{amount:.2f}",
        "Transaction Description": row["Transaction Description"] or None,
        "Awarding Agency": DHS,
        "Awarding Sub Agency": by_abbrev.get(row["Agency"], row["Agency"]),
        "Award Type": None,
        "Action Type": None,
        "PSC": {
            "code": None,
            "description": row["Product/Service Description"] or None,
        },
        "NAICS": {"code": None, "description": row["NAICS Description"] or None},
        "internal_id": internal_id,
        "generated_internal_id": row.get("Generated Award ID") or None,
    }


def load_rows(paths: list[Path]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in paths:
        files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
        for file in files:
            with open(file, newline="", encoding="utf-8") as fh:
                rows.extend(csv.DictReader(fh))
    return rows


class FakeUsaspending:
    """The fake API. `with FakeUsaspending(rows) as api:` then use `api.url`."""

    def __init__(
        self,
        rows: list[dict[str, str]],
        *,
        cap: int = 50_000,
        bulk_files: list[Path] | None = None,
        faults: list[Fault] | None = None,
        port: int = 0,
    ):
        ids: dict[str, int] = {}
        self.records = [
            api_record(
                r,
                ids.setdefault(
                    r.get("Generated Award ID") or r["Award ID"], 1000 + len(ids)
                ),
            )
            for r in rows
        ]
        self._days = {id(r): date.fromisoformat(r["Action Date"]) for r in self.records}
        self.cap = cap
        self._sorted: dict[str, list[dict[str, Any]]] = {}
        self._by_piid: dict[str, list[int]] | None = None  # PIID -> positions
        self.faults: list[Fault] = list(faults or [])
        self.log: list[dict[str, Any]] = []
        self.bulk = BulkJobs(bulk_files or [])
        self._lock = threading.Lock()
        self._server = Server(("127.0.0.1", port), Handler)
        self._server.app = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = cast("tuple[str, int]", self._server.server_address)
        return f"http://{host}:{port}"

    def start(self) -> FakeUsaspending:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeUsaspending:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add_rows(self, rows: list[dict[str, str]]) -> None:
        """New records appear upstream (as between two syncs)."""
        base = 1000 + len(self.records)
        self.records.extend(api_record(r, base + i) for i, r in enumerate(rows))
        self.changed()

    def changed(self) -> None:
        """Call after editing `records` in place, so sorted pages are rebuilt."""
        self._sorted.clear()
        self._by_piid = None

    def fault_for(self, path: str, page: int | None) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.hits(path, page):
                    fault.fired += 1
                    return fault
        return None

    def requests_to(self, fragment: str) -> list[dict[str, Any]]:
        return [r for r in self.log if fragment in r["path"]]

    # -- endpoint logic ----------------------------------------------------------
    def matching(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        types = set(filters.get("award_type_codes") or [])
        if not types & CONTRACT_TYPES:
            return []
        periods = [
            (date.fromisoformat(p["start_date"]), date.fromisoformat(p["end_date"]))
            for p in filters.get("time_period") or []
        ]
        agencies = filters.get("agencies") or []
        words = [w.upper() for w in filters.get("keywords") or []]
        # award_ids: PIIDs (FAINs, URIs). Wrapped in double quotes, an ID is matched
        # whole; bare, the real API's match is "fuzzier full text" (its filter
        # documentation), which this fake stands in for by matching any Award ID
        # that contains it. Every award with a matching ID answers, whatever its
        # agency or parent IDV, as on the real API.
        asked = [str(a).strip().upper() for a in filters.get("award_ids") or []]
        piids = {a[1:-1] for a in asked if len(a) > 1 and a[0] == a[-1] == '"'}
        fuzzy = [a.strip('"') for a in asked if a.strip('"') not in piids]
        if fuzzy:
            piids |= {
                str(r["Award ID"]).upper()
                for r in self.records
                if any(f in str(r["Award ID"]).upper() for f in fuzzy)
            }
        if not asked:
            candidates = self.records
        else:
            candidates = self._candidates(piids) if piids else []
        out = []
        for rec in candidates:
            day = self._days.get(id(rec)) or self._days.setdefault(
                id(rec), date.fromisoformat(rec["Action Date"])
            )
            if periods and not any(a <= day <= b for a, b in periods):
                continue
            if agencies and not any(_agency_hit(a, rec) for a in agencies):
                continue
            if asked and str(rec["Award ID"]).upper() not in piids:
                continue
            text = f"{rec['Transaction Description']} {rec['Recipient Name']}".upper()
            if words and not any(w in text for w in words):
                continue
            out.append(rec)
        return out

    def _candidates(self, piids: set[str]) -> list[dict[str, Any]]:
        """The records an award_ids filter can match (all without one), in the
        order of `records`."""
        if not piids:
            return self.records
        with self._lock:
            if self._by_piid is None:
                index: dict[str, list[int]] = {}
                for i, rec in enumerate(self.records):
                    index.setdefault(str(rec["Award ID"]).upper(), []).append(i)
                self._by_piid = index
            found = sorted(i for p in piids for i in self._by_piid.get(p, []))
        return [self.records[i] for i in found]

    def search(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        filters, fields = body.get("filters") or {}, body.get("fields") or []
        if not filters.get("award_type_codes"):
            return 422, {
                "detail": "Missing value: 'filters|award_type_codes' is required"
            }
        if not fields:
            return 422, {"detail": "Missing value: 'fields' is a required field"}
        sort, order = body.get("sort", "Transaction Amount"), body.get("order", "desc")
        if sort not in fields:
            return 400, {"detail": "Sort value not found in requested fields"}
        limit, page = int(body.get("limit", 10)), int(body.get("page", 1))
        if not 1 <= limit <= 100 or page < 1:
            return 422, {"detail": "Field 'limit' must be 1-100 and 'page' at least 1"}
        if (page - 1) * limit >= self.cap:
            return 422, {
                "detail": f"Page exceeds the result window of {self.cap} records. "
                "Use the download endpoints for larger queries."
            }
        key = json.dumps([filters, sort, order], sort_keys=True)
        rows = self._sorted.get(key)
        if rows is None:  # cached per query: paging one query re-sorts nothing
            rows = sorted(
                self.matching(filters),
                key=lambda r: _sort_key(r, sort),
                reverse=order == "desc",
            )
            with self._lock:
                if len(self._sorted) > 32:
                    self._sorted.clear()
                self._sorted[key] = rows
        return 200, {"rows": rows, "fields": fields, "page": page, "limit": limit}

    def page_doc(
        self,
        rows: list[dict[str, Any]],
        fields: list[str],
        page: int,
        limit: int,
        fault: Fault | None,
    ) -> dict[str, Any]:
        if fault and fault.kind == "drop":  # the count still includes it
            rows = rows[: fault.shift] + rows[fault.shift + 1 :]
        start = (page - 1) * limit
        chunk = rows[start : start + limit]
        if fault and fault.kind == "shift" and page > 1:
            chunk = rows[max(0, start - fault.shift) : start - fault.shift + limit]
        elif fault and fault.kind == "duplicate" and page > 1:
            chunk = rows[start - 1 : start + limit]
        chunk = chunk[: max(0, self.cap - start)]  # nothing past the result window
        keep = set(fields) | {"internal_id", "generated_internal_id"}
        results = [{k: v for k, v in r.items() if k in keep} for r in chunk]
        has_next = min(start + limit, self.cap) < len(rows)
        return {
            "limit": limit,
            "results": results,
            "messages": [],
            "page_metadata": {
                "page": page,
                "hasPrevious": page > 1,
                "hasNext": has_next,
                "previous": page - 1 or None,
                "next": page + 1 if has_next else None,
            },
        }


def _sort_key(rec: dict[str, Any], sort: str) -> Any:
    value = rec.get(sort)
    if sort == "Transaction Amount":
        return Decimal(value or "0")
    return "" if value is None else str(value)


def _agency_hit(agency: dict[str, str], rec: dict[str, Any]) -> bool:
    role = "Funding" if agency.get("type") == "funding" else "Awarding"
    field_name = (
        f"{role} Sub Agency" if agency.get("tier") == "subtier" else f"{role} Agency"
    )
    return (
        str(rec.get(field_name) or "").upper() == str(agency.get("name") or "").upper()
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        action="append",
        default=[],
        help="api-search CSV file or folder (repeatable)",
    )
    parser.add_argument(
        "--bulk",
        type=Path,
        action="append",
        default=[],
        help="bulk contracts CSV file or folder served by bulk download",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--cap", type=int, default=50_000, help="search result window")
    args = parser.parse_args(argv)
    bulk = [
        f for p in args.bulk for f in (sorted(p.glob("*.csv")) if p.is_dir() else [p])
    ]
    api = FakeUsaspending(
        load_rows(args.data), cap=args.cap, bulk_files=bulk, port=args.port
    )
    print(
        f"fake USAspending API on {api.url} ({len(api.records):,} records); "
        "Ctrl-C stops",
        flush=True,
    )
    api.start()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        api.stop()
