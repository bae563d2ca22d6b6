"""What `custodes sync` and `custodes sync bulk` do, end to end, around the store.

Exit codes (for cron and CI):
  0  complete: everything asked for was fetched, verified and is in the store
  1  usage or configuration error (nothing fetched)
  2  incomplete: some windows were not fetched; nothing written (unless --partial);
     the checkpoint is kept and the next run resumes
  3  another sync (or another writer) holds the lock; nothing done
  4  a bulk download failed or its file did not verify; nothing written
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from custodes import sources
from custodes.errors import CustodesError, StoreBusy
from custodes.ingest.load import IngestReport, ingest
from custodes.settings import Settings
from custodes.sources.base import BulkFailed, BulkResult
from custodes.store import Store, open_store
from custodes.store.lock import writer_lock
from custodes.sync import checkpoint as ckpt
from custodes.sync import runlog
from custodes.sync.client import ApiError, Client, Policy, check_url, public_url
from custodes.sync.run import build_plan, check_dates, fetch_all
from custodes.sync.windows import Window, fiscal_year_window, plan_range

EXIT_OK, EXIT_USAGE, EXIT_INCOMPLETE, EXIT_LOCKED, EXIT_BULK = 0, 1, 2, 3, 4
LOOKBACK_DAYS = (
    31  # a default sync re-reads the last month: late reports and corrections
)


@dataclass
class SyncOptions:
    agencies: list[str]
    fy: int | None = None
    since: date | None = None
    until: date | None = None
    api_url: str | None = None
    policy: Policy | None = None
    cap: int | None = None  # the source's own cap by default
    partial: bool = False
    funding: bool = False
    # run in the ingest's writer lock after a committed ingest (sync --refresh); its
    # answer is the summary's "refresh"
    after_ingest: Callable[[Store], dict[str, Any]] | None = None


@contextmanager
def sync_lock(settings: Settings) -> Iterator[None]:
    db = Path(settings.db).expanduser()
    try:
        with writer_lock(
            db.with_name(db.name + ".sync"), "sync", wait=settings.lock_wait
        ):
            yield
    except StoreBusy as exc:
        raise StoreBusy(
            f"another `custodes sync` is running for {db} ({exc}). "
            "Let it finish; cron runs can simply retry later."
        ) from None


def _default_since(settings: Settings, agencies: list[dict[str, str]]) -> date | None:
    try:
        with open_store(settings) as store:
            last = runlog.last_complete(store, agencies)
    except CustodesError:
        return None
    if last is None or last["until"] is None:
        return None
    return last["until"] - timedelta(days=LOOKBACK_DAYS)


def sync_search(
    settings: Settings, opts: SyncOptions, say: Any = None
) -> tuple[int, dict]:
    fetcher = sources.fetcher()
    check_dates(opts.fy, opts.since, fetcher.earliest)
    agencies = fetcher.targets(opts.agencies, opts.funding)
    api_url = opts.api_url or fetcher.default_url(settings)
    check_url(api_url)
    started = runlog.now()
    with sync_lock(settings):
        since = opts.since
        if since is None and opts.fy is None:
            since = _default_since(settings, agencies)
        try:
            span = plan_range(
                opts.fy, since, opts.until, date.today(), fetcher.earliest
            )
        except ValueError as exc:
            raise CustodesError(f"{exc}. Check --fy / --since / --until.") from exc
        cap = opts.cap or fetcher.cap
        plan = build_plan(agencies, span, api_url, cap, fetcher.kind)
        folder = ckpt.staging_dir(Path(settings.db).expanduser())
        with Client(api_url, opts.policy) as client:
            result = fetch_all(client, fetcher, folder, plan, say)
            stats = client.stats
        write = result.status == "complete" or (opts.partial and result.files)
        # Rows show the API query they came from, not the staging file's path.
        labels = {
            Path(file): fetcher.describe(api_url, agencies, Window.parse(key))
            for file, key in result.file_windows.items()
        }
        report, after = (
            _ingest(settings, result.files, labels, opts.after_ingest)
            if write and result.files
            else (None, None)
        )
        counts = {
            "windows": result.windows,
            "windows_done": result.windows_done,
            "expected": result.expected,
            "fetched": result.fetched,
            "requests": stats.requests,
            "retries": stats.retries,
            "new": report.stored if report else 0,
            "changed": report.updated if report else 0,
            "unchanged": report.unchanged if report else 0,
            "quarantined": report.quarantined if report else 0,
            "missing_windows": len(result.missing),
            "seconds": round(runlog.now() - started, 1),
        }
        line = runlog.format_line("search", result.status, counts)
        summary = {
            "status": result.status,
            "api_url": api_url,
            "since": span.start,
            "until": span.end,
            "resumed": result.resumed,
            **counts,
            "redirects": stats.redirects,
            "ingest_run_id": report.run_id if report else None,
            "missing": result.missing,
            "stop_reason": result.stop_reason,
            "discarded_checkpoint": result.discarded_plan,
            "staging": str(folder),
            "written": bool(report and report.committed),
        }
        if after is not None:
            summary["refresh"] = after
        summary["sync_id"] = _record(
            settings,
            "search",
            started,
            result.status,
            api_url,
            plan,
            span,
            counts,
            report.run_id if report and report.committed else None,
            result.missing,
            line,
        )
        if result.status == "complete":
            ckpt.clear(folder)
    _log(settings, line)
    return (EXIT_OK if result.status == "complete" else EXIT_INCOMPLETE), summary


def _ingest(
    settings: Settings,
    files: list[str],
    labels: dict[Path, str],
    after: Callable[[Store], dict[str, Any]] | None = None,
    command: str = "sync",
) -> tuple[IngestReport, dict[str, Any] | None]:
    """Ingest FILES; after a commit, AFTER runs on the store before the writer lock
    is let go (sync --refresh). COMMAND names the ingest run (`custodes runs`; the
    digest's default is the latest run whose command is `sync`)."""
    with open_store(settings, write=True, command="sync") as store:
        report = ingest(
            store,
            [Path(f) for f in files],
            command=command,
            unzip_limit_mb=settings.unzip_limit_mb,
            labels=labels,
        )
        return report, (after(store) if after and report.committed else None)


def _record(
    settings: Settings,
    kind: str,
    started: float,
    status: str,
    api_url: str,
    plan: dict[str, Any],
    span: Window,
    counts: dict[str, Any],
    ingest_run_id: int | None,
    missing: list[dict[str, Any]],
    line: str,
    also: Callable[[Store, int], None] | None = None,
) -> int | None:
    """A sync run in `sync_run` (any kind: search, bulk, history), and with ALSO
    what the kind writes beside it (a history run: each answered award), in one
    transaction. None when another writer holds the store: the log line still
    records the run."""
    try:
        with open_store(settings, write=True, command="sync") as store:
            with store.transaction():
                sync_id = runlog.record_run(
                    store,
                    kind=kind,
                    started=started,
                    status=status,
                    api_url=api_url,
                    plan=plan,
                    since=span.start,
                    until=span.end,
                    counts=counts,
                    ingest_run_id=ingest_run_id,
                    missing=missing,
                    line=line,
                )
                if also is not None:
                    also(store, sync_id)
                return sync_id
    except StoreBusy:
        return None


def _log(settings: Settings, line: str) -> None:
    print(line, file=sys.stderr, flush=True)
    runlog.append_log(Path(settings.db).expanduser(), line)


def sync_bulk(
    settings: Settings,
    opts: SyncOptions,
    *,
    poll_first: float = 5.0,
    timeout: float = 3600.0,
    say: Any = None,
) -> tuple[int, dict]:
    if opts.fy is None:
        raise CustodesError(
            "`custodes sync bulk` needs --fy YEAR (one fiscal year per download job)."
        )
    fetcher = sources.fetcher()
    agencies = fetcher.targets(opts.agencies, opts.funding)
    api_url = opts.api_url or fetcher.default_url(settings)
    check_url(api_url)
    span = fiscal_year_window(opts.fy)
    started = runlog.now()
    folder = Path(settings.db).expanduser().with_name(Path(settings.db).name + ".bulk")
    with sync_lock(settings):
        result, error = BulkResult(), None
        with Client(api_url, opts.policy) as client:
            try:
                result = fetcher.run_bulk(
                    client,
                    agencies,
                    span,
                    folder,
                    poll_first=poll_first,
                    timeout=timeout,
                    say=say,
                )
            except (BulkFailed, ApiError) as exc:
                error = exc
            stats = client.stats
        report, after = (
            _ingest(
                settings,
                [result.path],
                {Path(result.path): public_url(result.file_url or result.path)},
                opts.after_ingest,
            )
            if error is None and result.path
            else (None, None)
        )
        status = "complete" if report and report.committed else "failed"
        counts = {
            "requests": stats.requests,
            "retries": stats.retries,
            "polls": result.polls,
            "fetched": result.rows_in_zip,
            "new": report.stored if report else 0,
            "changed": report.updated if report else 0,
            "unchanged": report.unchanged if report else 0,
            "quarantined": report.quarantined if report else 0,
            "seconds": round(runlog.now() - started, 1),
        }
        line = runlog.format_line("bulk", status, counts)
        plan = {"agencies": agencies, "fy": opts.fy, "api_url": api_url}
        missing = [] if error is None else [{"window": span.key, "error": str(error)}]
        job = result.to_dict()
        job["job_status"] = job.pop("status")
        summary = {
            **job,
            "status": status,
            "api_url": api_url,
            "fy": opts.fy,
            **counts,
            "redirects": stats.redirects,
            "ingest_run_id": report.run_id if report else None,
            "error": str(error) if error else None,
        }
        if after is not None:
            summary["refresh"] = after
        summary["sync_id"] = _record(
            settings,
            "bulk",
            started,
            status,
            api_url,
            plan,
            span,
            counts,
            report.run_id if report and report.committed else None,
            missing,
            line,
        )
        if status == "complete":
            ckpt.clear(folder)
    _log(settings, line)
    if error is not None:
        return (
            EXIT_BULK if isinstance(error, BulkFailed) else EXIT_INCOMPLETE
        ), summary
    return EXIT_OK, summary
