"""`custodes refresh`: bring every derived table up to date with what changed.

One refresh, in one transaction, for everything computed from the store: vendors and
makers (custodes resolve's tables), classifications, the analysis frame, the web app's
summary tables and the search's tables, and the awards' first sightings that watch
digests read. A kill at any moment leaves every table as the previous refresh left it,
and the next refresh does the whole work again.

How it stays proportional to the change (the details are in each module):

1. one scan of the transactions reads every recipient record (what resolve needs) and
   checks the transactions against the refresh state (custodes/figures/changes.py):
   the result is the exact set of new, changed and removed transactions;
2. resolve runs again on the records (cheap: records, not transactions) and says which
   records moved to another vendor and which vendors changed
   (custodes/resolve/incremental.py);
3. the awards to recompute are those of the changed transactions, of the records and
   vendors that changed, and of changed overrides; every transaction of those awards is
   read once (temp table refresh_tx);
4. each stage and each derived table recomputes the rows of those awards with the same
   SQL as a full build, and the aggregates over them (per vendor, year, agency,
   category, search word) are updated by what those awards took out and put in.

`--full` (or a store never refreshed, or a format change) rebuilds everything. After
any sequence of ingests, refreshes and other commands, every derived table equals a
full rebuild of the same store (tests/figures/test_refresh_equal.py).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from custodes.figures import analyse_tables, award_numbers, changes, serve_tables
from custodes.figures.serve_tables import Extra
from custodes.store.duckdb import Store
from custodes.store.queries import last_runs

REFRESH_FORMAT = "1"  # bump when the refresh state changes shape

Progress = Callable[[str], None]


@dataclass
class Step:
    name: str
    seconds: float
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    run_id: int = 0
    full: bool = False
    reason: str = ""
    transactions_changed: int = 0
    awards: int = 0
    seconds: float = 0.0
    steps: list[Step] = field(default_factory=list)
    nothing_to_do: bool = False
    first: bool = False  # the store's first refresh (built everything)
    transactions_in_store: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "full": self.full,
            "reason": self.reason,
            "nothing_to_do": self.nothing_to_do,
            "first": self.first,
            "transactions_in_store": self.transactions_in_store,
            "transactions_changed": self.transactions_changed,
            "awards": self.awards,
            "seconds": round(self.seconds, 3),
            "steps": [
                {"step": s.name, "seconds": round(s.seconds, 3), **s.detail}
                for s in self.steps
            ],
        }


def pause(point: str, pause_at: str | None) -> None:
    """Test hook (CUSTODES_DEBUG_PAUSE, as for ingest): stop at the named point so a
    test can kill the refresh there; with "trace", say each point and go on. Points:
    each step's name with dashes (e.g. "writing-vendors"), "commit" (the work done,
    before the commit) and "committed"."""
    if pause_at == "trace":
        print(f"custodes: at {point}", file=sys.stderr, flush=True)
    elif pause_at == point:
        print(f"custodes: paused at {point}", file=sys.stderr, flush=True)
        time.sleep(3600)


class Timer:
    def __init__(
        self, report: Report, progress: Progress | None, pause_at: str | None = None
    ) -> None:
        self.report, self.progress = report, progress or (lambda _m: None)
        self.pause_at = pause_at

    @contextmanager
    def step(self, name: str) -> Iterator[dict[str, Any]]:
        pause(name.replace(" ", "-"), self.pause_at)
        self.progress(name)
        detail: dict[str, Any] = {}
        start = time.perf_counter()
        yield detail
        self.report.steps.append(Step(name, time.perf_counter() - start, detail))


def last_state(store: Store) -> dict[str, Any] | None:
    """The state the last refresh left (None: never refreshed, or by another format)."""
    if not (store.has_table("refresh_run") and changes.has_state(store)):
        return None
    rows = store.rows(
        "SELECT run_id, last_ingest_run, state_json FROM refresh_run "
        "ORDER BY run_id DESC LIMIT 1"
    )
    if not rows:
        return None
    state = json.loads(rows[0]["state_json"] or "{}")
    if state.get("format") != REFRESH_FORMAT:
        return None
    state["run_id"] = rows[0]["run_id"]
    state["last_ingest_run"] = rows[0]["last_ingest_run"]
    return state


def status(store: Store) -> dict[str, Any]:
    """When the store was last refreshed and whether anything ran since."""
    state = last_state(store)
    runs = last_runs(store)
    if state is None:
        return {"refreshed": False, "reason": "never refreshed (or by an older format)"}
    behind = []
    if runs["ingest"] != state["last_ingest_run"]:
        behind.append("an ingest ran since")
    for stage in ("resolve", "classify"):
        if _stamp(runs[stage]) != state["runs"].get(stage):
            behind.append(f"{stage} ran outside a refresh since")
    return {
        "refreshed": True,
        "run_id": state["run_id"],
        "current": not behind,
        "behind": behind,
    }


def _stamp(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass
class Options:
    full: bool = False
    overrides: Path | None = None  # classify's corrections file (default: shipped)
    matcher: str | None = None  # resolve's matcher (default: the last resolve's)
    extras: Sequence[Extra] = ()
    pause_at: str | None = None  # test hook (Settings.debug_pause)


def refresh(store: Store, options: Options, progress: Progress | None = None) -> Report:
    """Bring every derived table up to date (one transaction); returns what it did."""
    from custodes.figures import refresh_steps

    report = Report()
    started = datetime.now(UTC).replace(tzinfo=None)
    t0 = time.perf_counter()
    timer = Timer(report, progress, options.pause_at)
    with store.transaction():
        refresh_steps.run(store, options, timer, report)
        report.seconds = time.perf_counter() - t0
        _log(store, report, started)
        pause("commit", options.pause_at)
    pause("committed", options.pause_at)
    return report


def _log(store: Store, report: Report, started: datetime) -> None:
    store.create("refresh_run")
    report.run_id = int(
        store.scalar("SELECT coalesce(max(run_id), 0) + 1 FROM refresh_run")
    )
    state = getattr(report, "state", {})
    store.execute(
        "INSERT INTO refresh_run VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            report.run_id,
            started,
            datetime.now(UTC).replace(tzinfo=None),
            report.full,
            report.reason,
            state.get("last_ingest_run"),
            report.transactions_changed,
            report.awards,
            report.seconds,
            json.dumps({**state, "format": REFRESH_FORMAT}, default=str),
            json.dumps(report.to_dict()["steps"], default=str),
        ],
    )


__all__ = [
    "Extra",
    "Options",
    "Report",
    "award_numbers",
    "analyse_tables",
    "serve_tables",
    "refresh",
    "status",
]
