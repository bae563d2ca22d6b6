"""The record of sync runs: a `sync_run` table in the store and one log line per run.

The log line goes to stderr and is appended to `<store>.sync.log`, so cron mail and a
plain `tail` both show what every run did.
"""

from __future__ import annotations

import json
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

from custodes.store.duckdb import Store


def log_path(db: Path) -> Path:
    return db.with_name(db.name + ".sync.log")


def format_line(kind: str, status: str, counts: dict[str, Any]) -> str:
    stamp = datetime.now().astimezone().isoformat(timespec="seconds")
    parts = " ".join(f"{k}={v}" for k, v in counts.items() if v is not None)
    return f"{stamp} custodes sync {kind}: status={status} {parts}"


def append_log(db: Path, line: str) -> None:
    try:
        with open(log_path(db), "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
    except OSError:
        pass  # the line still went to stderr


def record_run(
    store: Store,
    *,
    kind: str,
    started: float,
    status: str,
    api_url: str,
    plan: dict[str, Any],
    since: date | None,
    until: date | None,
    counts: dict[str, Any],
    ingest_run_id: int | None,
    missing: list[dict[str, Any]],
    line: str,
) -> int:
    store.create("sync_run")
    sync_id = int(store.scalar("SELECT coalesce(max(sync_id), 0) + 1 FROM sync_run"))
    store.execute(
        "INSERT INTO sync_run "
        "VALUES (?, ?, to_timestamp(?)::TIMESTAMP, now()::TIMESTAMP, "
        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            sync_id,
            kind,
            started,
            status,
            api_url,
            json.dumps(plan, sort_keys=True),
            since,
            until,
            counts.get("windows"),
            counts.get("windows_done"),
            counts.get("expected"),
            counts.get("fetched"),
            counts.get("requests"),
            counts.get("retries"),
            ingest_run_id,
            json.dumps(missing),
            line,
        ],
    )
    if ingest_run_id is not None:
        from custodes.sync.digest import record_first_seen

        record_first_seen(store)
    return sync_id


def last_complete(
    store: Store, plan_agencies: list[dict[str, str]]
) -> dict[str, Any] | None:
    """The newest complete search sync for the same agencies, if any."""
    if not store.has_table("sync_run"):
        return None
    for row in store.rows(
        "SELECT * FROM sync_run WHERE status = 'complete' AND kind = 'search' "
        "ORDER BY sync_id DESC LIMIT 50"
    ):
        plan = json.loads(row["plan_json"] or "{}")
        if plan.get("agencies") == plan_agencies:
            return row
    return None


def now() -> float:
    return time.time()
