"""`custodes sync --history`: the earlier transactions of awards the store knows only
from later modifications.

A store built from one fiscal year holds many awards only through that year's
modifications ("EXERCISE OPTION YEAR 3"); what was bought was said in the base award,
years earlier. The test (docs/sync.md): an award's history is **incomplete** when none
of its transactions in the store is its base, modification number `0`. For each such
award the source's search is asked for the award's actions from the first day it
serves up to the award's first action in the store; the records of other awards with
the same PIID, and the modifications the store already holds, are dropped. Awards
are asked in batches (most dollars first), each batch paged and verified like a date
window, staged beside the store with a checkpoint, and only when every batch is
complete is everything ingested in one transaction (the ingest `sync` uses).

Every award whose history was fetched completely is recorded in `sync_history`
(`complete`: its base came; `no_base`: the source holds nothing earlier with
modification `0`), so a second run asks for nothing already answered.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from custodes import sources
from custodes.settings import Settings
from custodes.sources.base import Fetcher, WindowTooBig
from custodes.store import Store, open_store
from custodes.sync import checkpoint as ckpt
from custodes.sync import runlog
from custodes.sync.client import (
    ApiError,
    BudgetExhausted,
    Client,
    Policy,
    Refused,
    check_url,
)
from custodes.sync.windows import Window

BATCH = 20  # awards asked in one query (their PIIDs in `award_ids`)
ATTEMPTS = 2  # per batch per run; each attempt already retries its requests
VERSION = 1
# the ingest run's command: not `sync`, so a digest's default (the latest sync's run)
# does not report years-old base awards as news
HISTORY_COMMAND = "sync --history"
AGAIN = "run `custodes sync --history` again later; it resumes where it stopped"

Tell = Callable[[str], None]

INCOMPLETE_SQL = """
SELECT award_key, any_value(award_key_source) AS key_source, min(piid) AS piid,
       min(awarding_sub_agency_code) AS sub_agency, min(action_date) AS first,
       list(DISTINCT modification_number ORDER BY modification_number) AS mods,
       sum(abs(obligation_usd)) AS dollars
FROM "transaction"
GROUP BY award_key
HAVING NOT bool_or(modification_number = '0') AND min(action_date) IS NOT NULL
ORDER BY dollars DESC NULLS LAST, award_key
"""


@dataclass
class Award:
    key: str
    key_source: str  # 'source' | 'built' | 'matched' (transaction.award_key_source)
    piid: str
    sub_agency: str | None
    first: date  # its earliest action in the store
    mods: list[str]  # the modification numbers the store holds

    def to_plan(self) -> list[Any]:
        return [self.key, self.piid, self.first.isoformat()]


@dataclass
class Batch:
    awards: list[str]  # award keys
    status: str = "pending"  # pending | done | split | failed
    expected: int | None = None  # the source's count for the query
    served: int = 0  # records served (all of the PIIDs' awards)
    file: str | None = None  # the staged CSV of the records kept
    attempts: int = 0
    error: str | None = None
    found: dict[str, int] = field(default_factory=dict)  # award -> earlier records
    base: list[str] = field(default_factory=list)  # awards whose base came
    keys: dict[str, str] = field(default_factory=dict)  # built key -> source key


@dataclass
class Checkpoint:
    plan: dict[str, Any]
    batches: list[Batch] = field(default_factory=list)
    version: int = VERSION

    def to_dict(self) -> dict[str, Any]:
        text = json.dumps(self.plan, sort_keys=True)
        return {
            "version": self.version,
            "plan_id": hashlib.sha256(text.encode()).hexdigest()[:16],
            "plan": self.plan,
            "batches": [asdict(b) for b in self.batches],
        }


@dataclass
class HistoryOptions:
    api_url: str | None = None
    policy: Policy | None = None
    max_awards: int | None = None
    partial: bool = False
    cap: int | None = None  # the source's own cap by default
    batch: int = BATCH
    # run in the ingest's writer lock after a committed ingest (--refresh)
    after_ingest: Callable[[Store], dict[str, Any]] | None = None


def staging_dir(db: Path) -> Path:
    return db.with_name(db.name + ".sync-history")


def incomplete_awards(store: Store) -> list[Award]:
    """The awards none of whose stored transactions is the base (modification 0),
    most dollars first."""
    return [
        Award(
            r["award_key"],
            r["key_source"],
            r["piid"],
            r["sub_agency"],
            r["first"],
            list(r["mods"] or []),
        )
        for r in store.rows(INCOMPLETE_SQL)
    ]


def answered(store: Store) -> set[str]:
    """Awards whose history an earlier run fetched completely."""
    if not store.has_table("sync_history"):
        return set()
    return {r["award_key"] for r in store.rows("SELECT award_key FROM sync_history")}


def _load(folder: Path) -> Checkpoint | None:
    try:
        doc = json.loads((folder / "checkpoint.json").read_text())
    except (OSError, ValueError):
        return None
    if doc.get("version") != VERSION:
        return None
    return Checkpoint(doc["plan"], [Batch(**b) for b in doc["batches"]])


def _start(
    folder: Path, plan: dict[str, Any], keys: list[str], size: int
) -> tuple[Checkpoint, bool]:
    old = _load(folder)
    if old is not None and old.plan == plan:
        for b in old.batches:  # a new run gives failed batches fresh attempts
            if b.status == "failed" and b.attempts < 99:
                b.attempts = 0
        return old, True
    ckpt.clear(folder)
    batches = [Batch(keys[i : i + size]) for i in range(0, len(keys), size)]
    cp = Checkpoint(plan, batches)
    ckpt.save(folder, cp)
    return cp, False


def _window(fetcher: Fetcher, awards: list[Award]) -> Window:
    return Window(fetcher.earliest, max(a.first for a in awards))


def _keep(
    fetcher: Fetcher, records: list[dict[str, Any]], awards: list[Award], batch: Batch
) -> list[dict[str, Any]]:
    """The records that are earlier transactions of the batch's awards: not another
    award with the same PIID, dated on or before the award's first action in the
    store, and not a modification the store already holds."""
    by_key = {a.key: a for a in awards}
    by_piid = {(a.piid, a.sub_agency): a for a in awards}
    kept: list[dict[str, Any]] = []
    batch.found, batch.base, batch.keys = {}, [], {}
    for record in records:
        f = fetcher.record_facts(record)
        award = by_key.get(f.award_key) if f.award_key else None
        if award is None:  # an award the store keys by PIID and sub-agency only
            candidate = by_piid.get((f.piid, f.sub_agency_code))
            if candidate is not None and (
                f.award_key is None or candidate.key_source == "built"
            ):
                award = candidate
        if award is None or f.action_date is None or f.action_date > award.first:
            continue
        if f.modification in award.mods:
            continue
        kept.append(record)
        batch.found[award.key] = batch.found.get(award.key, 0) + 1
        if f.modification == "0" and award.key not in batch.base:
            batch.base.append(award.key)
        if award.key_source == "built" and f.award_key:
            batch.keys[award.key] = f.award_key
    return kept


def _one_batch(
    client: Client,
    fetcher: Fetcher,
    folder: Path,
    cp: Checkpoint,
    batch: Batch,
    awards: dict[str, Award],
    cap: int,
    say: Tell,
) -> None:
    members = [awards[k] for k in batch.awards]
    piids = sorted({a.piid for a in members})
    window = _window(fetcher, members)
    batch.attempts += 1
    try:
        if batch.expected is None:
            batch.expected = fetcher.history_count(client, piids, window)
        if batch.expected > cap:
            raise WindowTooBig(f"{batch.expected:,} records > {cap:,}")
        result = fetcher.fetch_history(
            client, piids, window, cap, expected=batch.expected
        )
    except WindowTooBig as exc:
        if len(members) < 2:
            batch.status, batch.attempts = "failed", 99
            batch.error = (
                f"{exc}: more earlier records than one query may page through "
                "(ingest a bulk file of its earlier years instead)"
            )
            return
        half = len(batch.awards) // 2
        batch.status = "split"
        i = cp.batches.index(batch)
        cp.batches[i + 1 : i + 1] = [
            Batch(batch.awards[:half]),
            Batch(batch.awards[half:]),
        ]
        say(f"history: a batch of {len(members)} awards split ({exc})")
        return
    except BudgetExhausted:
        batch.attempts -= 1
        raise
    except ApiError as exc:
        batch.status, batch.error = "failed", str(exc)[:500]
        if isinstance(exc, Refused):
            batch.attempts = max(batch.attempts, ATTEMPTS)
        say(f"history: {len(members)} awards not fetched ({exc})")
        return
    if not result.complete:
        batch.status = "failed"
        batch.error = (
            f"got {len(result.records):,} distinct records of {result.expected:,} "
            f"after {result.passes} passes (pages shifted or were cut short)"
        )
        say(f"history: {len(members)} awards incomplete ({batch.error})")
        return
    kept = _keep(fetcher, result.records, members, batch)
    batch.served = len(result.records)
    if kept:
        name = f"history-{cp.batches.index(batch) + 1:05d}.csv"
        fetcher.write_window(folder / name, kept)
        batch.file = name
    batch.status, batch.error = "done", None
    done = sum(len(b.awards) for b in cp.batches if b.status == "done")
    say(
        f"history: {done:,}/{len(awards):,} awards; this batch {len(members)} awards, "
        f"{len(result.records):,} records served, {len(kept):,} earlier kept, "
        f"{len(batch.base)} bases"
    )


def _work(
    client: Client,
    fetcher: Fetcher,
    folder: Path,
    cp: Checkpoint,
    awards: dict[str, Award],
    cap: int,
    say: Tell,
) -> None:
    guard = 0
    while guard < 100_000:
        guard += 1
        pending = [
            b
            for b in cp.batches
            if b.status == "pending" or (b.status == "failed" and b.attempts < ATTEMPTS)
        ]
        if not pending:
            return
        _one_batch(client, fetcher, folder, cp, pending[0], awards, cap, say)
        ckpt.save(folder, cp)


def sync_history(
    settings: Settings, opts: HistoryOptions, say: Tell | None = None
) -> tuple[int, dict[str, Any]]:
    """Fetch and ingest the earlier transactions of the store's incomplete awards.
    Returns (exit code, summary); the codes are sync's (service.py)."""
    from custodes.sync.service import (
        EXIT_INCOMPLETE,
        EXIT_OK,
        _ingest,
        _log,
        sync_lock,
    )

    tell = say or (lambda msg: None)
    fetcher = sources.fetcher()
    api_url = opts.api_url or fetcher.default_url(settings)
    check_url(api_url)
    started = runlog.now()
    db = Path(settings.db).expanduser()
    with sync_lock(settings):
        with open_store(settings) as store:
            found = incomplete_awards(store)
            done_before = answered(store)
        todo = [a for a in found if a.key not in done_before]
        # what the search cannot serve: actions before its first day, IDVs
        # (custodes/store/queries.py history_reason_sql says the same to the figures)
        out_of_reach = [
            a
            for a in todo
            if a.first < fetcher.earliest or a.key.startswith(fetcher.history_skips)
        ]
        beyond = {a.key for a in out_of_reach}
        askable = [a for a in todo if a.key not in beyond]
        asked = askable[: opts.max_awards] if opts.max_awards else askable
        cap = opts.cap or fetcher.cap
        plan = {
            "kind": "history",
            "api_url": api_url,
            "cap": cap,
            "batch": opts.batch,
            "awards": [a.to_plan() for a in asked],
        }
        by_key = {a.key: a for a in asked}
        folder = staging_dir(db)
        stop_reason = None
        stats = None
        cp, resumed = Checkpoint(plan), False
        if asked:
            # batched by first action: a query's time period ends at its awards'
            # latest first action, so awards of like dates bring fewer later records
            order = sorted(asked, key=lambda a: (a.first, a.key))
            cp, resumed = _start(folder, plan, [a.key for a in order], opts.batch)
            tell(
                f"history: asking for the earlier transactions of {len(asked):,} "
                f"awards in {len(cp.batches):,} queries"
                + (" (resumed)" if resumed else "")
            )
            with Client(api_url, opts.policy) as client:
                try:
                    _work(client, fetcher, folder, cp, by_key, cap, tell)
                except BudgetExhausted as exc:
                    stop_reason = str(exc)
                stats = client.stats
            ckpt.save(folder, cp)
        batches = [b for b in cp.batches if b.status != "split"]
        finished = [b for b in batches if b.status == "done"]
        unfinished = [b for b in batches if b.status != "done"]
        status = "complete" if not unfinished else "incomplete"
        write = status == "complete" or opts.partial
        files = [folder / b.file for b in finished if b.file]
        labels = {}
        if write and files:
            # one file: the ingest of hundreds of small files at once runs out of
            # memory (185 files, 1.5 GB, measured on the FY2024 store)
            merged = _merge(folder, files)
            written_awards = [by_key[k] for b in finished if b.file for k in b.awards]
            labels[merged] = fetcher.describe_history(
                api_url, _window(fetcher, written_awards), len(written_awards)
            )
        report, after = (
            _ingest(
                settings,
                [str(p) for p in labels],
                labels,
                opts.after_ingest,
                command=HISTORY_COMMAND,
            )
            if labels
            else (None, None)
        )
        written = write and (report is None or report.committed)
        outcomes = _outcomes(finished if written else [], by_key)
        failed = [
            {
                "award": key,
                "piid": by_key[key].piid,
                "first_in_store": by_key[key].first,
                "error": b.error
                or ("stopped before it was asked" if stop_reason else "not fetched"),
                "what_to_do": AGAIN,
            }
            for b in unfinished
            for key in b.awards
        ]
        no_base = [o for o in outcomes if o["status"] == "no_base"]
        counts = {
            "awards_asked": len(asked),
            "awards_completed": sum(o["status"] == "complete" for o in outcomes),
            "awards_without_base": len(no_base),
            "awards_failed": len(failed),
            "awards_remaining": len(askable) - len(asked),
            "awards_out_of_reach": len(out_of_reach),
            "awards_answered_before": len(found) - len(todo),
            "batches": len(batches),
            "batches_done": len(finished),
            "expected": sum(b.expected or 0 for b in batches),
            "fetched": sum(b.served for b in finished),
            "transactions_added": report.stored if report else 0,
            "requests": stats.requests if stats else 0,
            "retries": stats.retries if stats else 0,
            "new": report.stored if report else 0,
            "changed": report.updated if report else 0,
            "unchanged": report.unchanged if report else 0,
            "quarantined": report.quarantined if report else 0,
            "seconds": round(runlog.now() - started, 1),
        }
        line = runlog.format_line("history", status, counts)
        summary: dict[str, Any] = {
            "kind": "history",
            "status": status,
            "api_url": api_url,
            "resumed": resumed,
            **counts,
            "redirects": stats.redirects if stats else [],
            "ingest_run_id": report.run_id if report and report.committed else None,
            "still_incomplete": {
                "no_base": no_base[:50],
                "failed": failed[:50],
                "out_of_reach": [
                    {"award": a.key, "piid": a.piid, "first_in_store": a.first}
                    for a in out_of_reach[:50]
                ],
            },
            "stop_reason": stop_reason,
            "staging": str(folder),
            "written": bool(report and report.committed),
        }
        if after is not None:
            summary["refresh"] = after
        summary["sync_id"] = _record(
            settings,
            started,
            status,
            api_url,
            plan,
            Window(
                fetcher.earliest, max((a.first for a in asked), default=date.today())
            ),
            counts,
            report.run_id if report and report.committed else None,
            [
                {"window": f["award"], "status": "failed", "error": f["error"]}
                for f in failed
            ],
            line,
            outcomes,
        )
        if status == "complete":
            ckpt.clear(folder)
    _log(settings, line)
    return (EXIT_OK if status == "complete" else EXIT_INCOMPLETE), summary


def _merge(folder: Path, files: list[Path]) -> Path:
    """The staged CSVs (one header) as one file, written atomically."""
    target = folder / "history-all.csv"
    tmp = folder / "history-all.csv.tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as out:
        for i, path in enumerate(files):
            with open(path, encoding="utf-8", newline="") as fh:
                header = fh.readline()
                if i == 0:
                    out.write(header)
                shutil.copyfileobj(fh, out)
    tmp.replace(target)
    return target


def _outcomes(finished: list[Batch], awards: dict[str, Award]) -> list[dict[str, Any]]:
    """One row per award whose history was fetched completely and written."""
    out = []
    for b in finished:
        for key in b.awards:
            out.append(
                {
                    "award": b.keys.get(key, key),
                    "asked_as": key,
                    "piid": awards[key].piid,
                    "first_in_store": awards[key].first,
                    "status": "complete" if key in b.base else "no_base",
                    "earlier": b.found.get(key, 0),
                }
            )
    return out


def _record(
    settings: Settings,
    started: float,
    status: str,
    api_url: str,
    plan: dict[str, Any],
    span: Window,
    counts: dict[str, Any],
    ingest_run_id: int | None,
    missing: list[dict[str, Any]],
    line: str,
    outcomes: list[dict[str, Any]],
) -> int | None:
    """The run in `sync_run` (kind 'history'; its plan keeps the number of awards,
    not their list) and each answered award in `sync_history`, in one transaction
    (sync's one record of a run, service._record)."""
    from custodes.sync.service import _record as record_run

    brief = {k: v for k, v in plan.items() if k != "awards"}
    brief["awards"] = len(plan["awards"])

    def answered(store: Store, sync_id: int) -> None:
        store.create("sync_history")
        if outcomes:
            store.con.executemany(
                "INSERT INTO sync_history VALUES (?, ?, ?, now()::TIMESTAMP, ?, ?, ?)",
                [
                    [
                        o["award"],
                        o["piid"],
                        sync_id,
                        o["first_in_store"],
                        o["status"],
                        o["earlier"],
                    ]
                    for o in outcomes
                ],
            )

    windows = {"windows": counts["batches"], "windows_done": counts["batches_done"]}
    return record_run(
        settings,
        "history",
        started,
        status,
        api_url,
        brief,
        span,
        {**windows, **counts},
        ingest_run_id,
        missing,
        line,
        answered,
    )
