"""One `custodes sync` run: plan, fetch into staging, verify, then ingest once.

Nothing reaches the store until every window is fetched and verified complete; then
the whole staging folder goes through the ordinary atomic ingest in one transaction.
An incomplete run keeps its checkpoint, writes no data (unless `partial` is asked for)
and reports exactly which windows it did not get.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from custodes.errors import InputError
from custodes.sources.base import Fetcher, WindowTooBig
from custodes.sync import checkpoint as ckpt
from custodes.sync.client import ApiError, BudgetExhausted, Client, Refused
from custodes.sync.windows import Window, fiscal_year_of

WINDOW_ATTEMPTS = 2  # per run; each attempt already makes passes and retries requests

Tell = Callable[[str], None]


@dataclass
class SyncResult:
    status: str = "incomplete"  # complete | incomplete
    resumed: bool = False
    windows: int = 0
    windows_done: int = 0
    expected: int = 0
    fetched: int = 0
    missing: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    file_windows: dict[str, str] = field(default_factory=dict)  # file -> window key
    stop_reason: str | None = None
    discarded_plan: dict[str, Any] | None = None  # an unfinished sync given up
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_plan(
    agencies: list[dict[str, str]],
    span: Window,
    api_url: str,
    cap: int,
    award_types: str = "contracts",
) -> dict[str, Any]:
    return {
        "agencies": agencies,
        "start": span.start.isoformat(),
        "end": span.end.isoformat(),
        "api_url": api_url,
        "cap": cap,
        "award_types": award_types,
    }


def fetch_all(
    client: Client,
    fetcher: Fetcher,
    folder: Path,
    plan: dict[str, Any],
    tell: Tell | None = None,
) -> SyncResult:
    """Fetch every window of `plan` into `folder`, resuming its checkpoint."""
    started = time.time()
    say = tell or (lambda msg: None)
    span = Window(date.fromisoformat(plan["start"]), date.fromisoformat(plan["end"]))
    cp, resumed, discarded = ckpt.start(folder, plan, span)
    result = SyncResult(resumed=resumed, discarded_plan=discarded)
    if discarded:
        say("an unfinished sync with other options was discarded")
    for state in cp.windows:  # a new run gives failed windows fresh attempts
        if state.status == "failed" and state.attempts < 99:
            state.attempts = 0
    try:
        _work(client, fetcher, folder, cp, plan, say)
    except BudgetExhausted as exc:
        result.stop_reason = str(exc)
    ckpt.save(folder, cp)
    result.windows = len([w for w in cp.windows if w.status != "split"])
    done = cp.done()
    result.windows_done = len(done)
    result.expected = sum(w.expected or 0 for w in cp.windows if w.status != "split")
    result.fetched = sum(w.rows for w in done)
    result.missing = cp.missing()
    result.files = [str(folder / w.file) for w in done if w.file]
    result.file_windows = {str(folder / w.file): w.key for w in done if w.file}
    result.status = "complete" if not result.missing else "incomplete"
    result.seconds = time.time() - started
    return result


def _work(
    client: Client,
    fetcher: Fetcher,
    folder: Path,
    cp: ckpt.Checkpoint,
    plan: dict[str, Any],
    say: Tell,
) -> None:
    agencies, cap = plan["agencies"], int(plan["cap"])
    guard = 0
    while (pending := cp.pending()) and guard < 10_000:
        guard += 1
        progressed = False
        for state in pending:
            if state.status == "failed" and state.attempts >= WINDOW_ATTEMPTS:
                continue
            progressed = True
            _one_window(client, fetcher, folder, cp, state, agencies, cap, say)
            ckpt.save(folder, cp)
        if not progressed:
            return


def _one_window(
    client: Client,
    fetcher: Fetcher,
    folder: Path,
    cp: ckpt.Checkpoint,
    state: ckpt.WindowState,
    agencies: list[dict[str, str]],
    cap: int,
    say: Tell,
) -> None:
    window = state.window
    state.attempts += 1
    cap = min(cap, cp.cap_seen or cap)
    try:
        if state.expected is None:
            state.expected = fetcher.count(client, agencies, window)
        if state.expected > cap:
            raise WindowTooBig(f"{state.expected:,} records > {cap:,}")
        result = fetcher.fetch_window(
            client, agencies, window, cap, expected=state.expected
        )
    except WindowTooBig as exc:
        if exc.cap_seen:
            cp.cap_seen = min(exc.cap_seen, cp.cap_seen or exc.cap_seen)
        if window.days < 2:
            state.status, state.error = (
                "failed",
                f"{exc}; one day cannot be split "
                "(use `custodes sync bulk` for this date)",
            )
            state.attempts = 99
            return
        cp.replace(state, list(window.split()))
        say(f"{window.key}: split ({exc})")
        return
    except BudgetExhausted:
        state.attempts -= 1
        raise
    except ApiError as exc:
        state.status, state.error = "failed", str(exc)[:500]
        if isinstance(exc, Refused):  # asking again in this run gets the same answer
            state.attempts = max(state.attempts, WINDOW_ATTEMPTS)
        say(f"{window.key}: failed ({exc})")
        return
    if not result.complete:
        state.status = "failed"
        state.rows = len(result.records)
        state.error = (
            f"got {len(result.records):,} distinct records of {result.expected:,} "
            f"after {result.passes} passes (pages shifted while paging)"
        )
        say(f"{window.key}: incomplete")
        return
    name = f"window-{window.start.isoformat()}-{window.end.isoformat()}.csv"
    fetcher.write_window(folder / name, result.records)
    state.status, state.rows, state.file, state.error = (
        "done",
        len(result.records),
        name,
        None,
    )
    say(f"{window.key}: {state.rows:,} records")


def check_dates(fy: int | None, since: date | None, earliest: date) -> None:
    first = fiscal_year_of(earliest)
    if fy is not None and not first <= fy <= 2100:
        raise InputError(
            f"--fy {fy} is outside what the search API serves (FY{first} on). "
            "Use `custodes sync bulk` or files for older years."
        )
    if since is not None and since > date.today():
        raise InputError(f"--since {since} is in the future. Give a past date.")
