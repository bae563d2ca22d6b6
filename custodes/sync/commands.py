"""`custodes sync`, `custodes sync bulk`, `custodes watch ...`, `custodes digest`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import click

from custodes.console import (
    console,
    db_option,
    err_console,
    json_option,
    print_json,
    table,
)
from custodes.figures.refresh_commands import print_report as print_refresh
from custodes.figures.refresh_commands import (
    refresh_open,
    refresh_option,
    run_refresh,
)
from custodes.settings import Settings
from custodes.store import Store, open_store
from custodes.sync.client import Policy
from custodes.sync.digest import build_digest
from custodes.sync.history import HistoryOptions, sync_history
from custodes.sync.service import SyncOptions, sync_bulk, sync_search
from custodes.sync.webhook import WebhookFailed, post_digest


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2025-01-31") from None


def api_options(func: Any) -> Any:
    """Options shared by `sync` and `sync bulk`: where to ask, and how politely."""
    options = [
        click.option(
            "--agency",
            "agencies",
            multiple=True,
            help="Awarding agency: ICE, CBP, any DHS component (code, abbreviation "
            "or name), a toptier code such as 070, or toptier:NAME / "
            "subtier:NAME for any other agency. Repeatable. Default: ICE and CBP.",
        ),
        click.option(
            "--funding",
            is_flag=True,
            help="Also fetch actions the agencies fund through another agency's "
            "contracting office (matched as funding agency).",
        ),
        click.option(
            "--fy",
            type=click.IntRange(2001, 2100),
            default=None,
            help="Fiscal year (FY N = 1 Oct N-1 to 30 Sep N).",
        ),
        click.option(
            "--api-url",
            default=None,
            help="API base URL (a mirror or test server). "
            "Env: CUSTODES_USASPENDING_URL.",
        ),
        click.option(
            "--max-requests",
            type=click.IntRange(1),
            default=None,
            help="Stop after this many HTTP requests; the next run resumes.",
        ),
        click.option(
            "--max-minutes",
            type=click.FloatRange(0.01),
            default=None,
            help="Stop after this many minutes; the next run resumes.",
        ),
        click.option(
            "--rate",
            type=click.FloatRange(0),
            default=2.0,
            show_default=True,
            help="Requests per second at most (0 = no pause between requests).",
        ),
        click.option(
            "--backoff",
            type=click.FloatRange(0),
            default=1.0,
            show_default=True,
            help="First retry wait in seconds; doubles per retry, Retry-After wins.",
        ),
        click.option(
            "--timeout",
            "request_timeout",
            type=click.FloatRange(0.1),
            default=60.0,
            show_default=True,
            help="Seconds one request may take in all (connecting, sending, the "
            "whole reply).",
        ),
        click.option(
            "--wait",
            type=float,
            default=None,
            help="Seconds to wait for another sync or writer to finish.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _policy(
    settings: Settings,
    rate: float,
    backoff: float,
    request_timeout: float,
    max_requests: int | None,
    max_minutes: float | None,
) -> Policy:
    return Policy(
        rate=rate,
        backoff=backoff,
        timeout=request_timeout,
        max_requests=max_requests,
        max_seconds=max_minutes * 60 if max_minutes else None,
        max_reply_bytes=settings.sync_reply_limit_mb << 20,
        max_download_bytes=settings.sync_download_limit_mb << 20,
    )


def _with_wait(settings: Settings, wait: float | None) -> Settings:
    return (
        settings
        if wait is None
        else Settings(**{**settings.__dict__, "lock_wait": wait})
    )


def _say(as_json: bool) -> Any:
    if as_json:
        return None
    return lambda msg: err_console.print(f"[dim]{msg}[/]", highlight=False)


@click.group("sync", invoke_without_command=True)
@api_options
@click.option(
    "--since",
    callback=_date,
    default=None,
    help="Fetch actions dated on or after this day (YYYY-MM-DD). Default: a month "
    "before the last complete sync, else the start of this fiscal year.",
)
@click.option(
    "--until", callback=_date, default=None, help="Last action date (default today)."
)
@click.option(
    "--digest-webhook",
    default=None,
    help="After the run, POST the digest of what it brought for your watches "
    "to this URL (only when something matches). Exit 5 if refused.",
)
@click.option(
    "--partial",
    is_flag=True,
    help="If some windows fail, still write the windows that were fetched "
    "completely (default: write nothing until everything is there).",
)
@click.option(
    "--history",
    is_flag=True,
    help="Fetch the earlier transactions (the base award first) of every award the "
    "store knows only from later modifications. Alone, only that; with --fy, "
    "--since, --until or --agency, after the sync of those dates.",
)
@click.option(
    "--max-awards",
    type=click.IntRange(1),
    default=None,
    help="With --history: ask for at most this many awards (most dollars first).",
)
@refresh_option
@db_option
@json_option
@click.pass_context
def sync_group(
    ctx: click.Context,
    settings: Settings,
    agencies: tuple[str, ...],
    funding: bool,
    fy: int | None,
    api_url: str | None,
    max_requests: int | None,
    max_minutes: float | None,
    rate: float,
    backoff: float,
    request_timeout: float,
    wait: float | None,
    since: date | None,
    until: date | None,
    digest_webhook: str | None,
    partial: bool,
    history: bool,
    max_awards: int | None,
    refresh: bool,
    as_json: bool,
) -> None:
    """Fetch new contract transactions from the USAspending API into the store.

    Pages through /api/v2/search/spending_by_transaction/ one date window at a time,
    splitting windows above the API's result cap, checks each window against the API's
    count, and stages the records beside the store. Only when every window is complete
    are they ingested, in one transaction. An interrupted or failed run keeps a
    checkpoint and the next run resumes. Exit codes: 0 complete, 1 usage error,
    2 incomplete (nothing written), 3 another sync is running, 4 bulk download failed,
    5 the digest webhook refused the POST (the data is stored).

    --history: for every award none of whose transactions in the store is its base
    (modification 0), fetch its actions up to its first one in the store, in
    batches of PIIDs, verified and ingested in one transaction like a sync; a second
    run asks for nothing already answered (docs/sync.md).
    """
    if ctx.invoked_subcommand is not None:
        return
    if max_awards is not None and not history:
        raise click.UsageError("--max-awards goes with --history.")
    policy = _policy(
        settings, rate, backoff, request_timeout, max_requests, max_minutes
    )
    if history and not (fy or since or until or agencies or funding):
        code, summary = _history(
            settings, api_url, policy, max_awards, partial, refresh, wait, as_json
        )
        _print_history(summary, as_json)
        sys.exit(code)
    opts = SyncOptions(
        list(agencies),
        fy,
        since,
        until,
        api_url,
        policy,
        partial=partial,
        funding=funding,
        after_ingest=_refresh_in_lock(settings, refresh, as_json),
    )
    code, summary = sync_search(_with_wait(settings, wait), opts, _say(as_json))
    _refresh_after(_with_wait(settings, wait), code, summary, refresh, as_json)
    if summary.get("ingest_run_id"):
        summary["watch"] = _digest_after(
            settings, int(summary["ingest_run_id"]), digest_webhook
        )
    history_code = 0
    if history:
        history_code, summary["history"] = _history(
            settings, api_url, policy, max_awards, partial, refresh, wait, as_json
        )
    _print(summary, as_json)
    if digest_webhook and summary.get("watch", {}).get("webhook_error"):
        sys.exit(5)
    sys.exit(code or history_code)


def _history(
    settings: Settings,
    api_url: str | None,
    policy: Policy,
    max_awards: int | None,
    partial: bool,
    refresh: bool,
    wait: float | None,
    as_json: bool,
) -> tuple[int, dict[str, Any]]:
    """sync --history (alone or after a sync): the earlier transactions of awards
    known only from later modifications; --refresh as for a sync."""
    opts = HistoryOptions(
        api_url=api_url,
        policy=policy,
        max_awards=max_awards,
        partial=partial,
        after_ingest=_refresh_in_lock(settings, refresh, as_json),
    )
    code, summary = sync_history(_with_wait(settings, wait), opts, _say(as_json))
    _refresh_after(_with_wait(settings, wait), code, summary, refresh, as_json)
    return code, summary


def _refresh_in_lock(
    settings: Settings, refresh: bool, as_json: bool
) -> Callable[[Store], dict[str, Any]] | None:
    """With --refresh: the refresh that runs right after a committed ingest, in the
    ingest's writer lock (so no reader sees new rows beside the old tables)."""
    if not refresh:
        return None
    return lambda store: refresh_open(store, settings, quiet=as_json)


def _refresh_after(
    settings: Settings,
    code: int,
    summary: dict[str, Any],
    refresh: bool,
    as_json: bool,
) -> None:
    """With --refresh, when the run completed but ingested nothing (so no refresh
    ran in its lock): `custodes refresh` on its own, which brings the derived tables
    up to date with what earlier runs or commands left."""
    if (
        refresh
        and "refresh" not in summary
        and (code == 0 or summary.get("ingest_run_id"))
    ):
        summary["refresh"] = run_refresh(
            settings,
            command="sync --refresh",
            quiet=as_json,
        )


def _digest_after(
    settings: Settings, run_id: int, webhook: str | None
) -> dict[str, Any]:
    """What this run brought for the watches; optionally POSTed to a webhook."""
    with open_store(settings) as store:
        digest = build_digest(store, since=str(run_id - 1))
    out: dict[str, Any] = {
        "matches": digest["matches"],
        "by_watch": {
            f"{w['kind']}:{w['value']}": len(w["awards"]) for w in digest["watches"]
        },
    }
    if webhook and digest["matches"]:
        try:
            out["webhook"] = post_digest(webhook, digest)
        except WebhookFailed as exc:
            out["webhook_error"] = str(exc)
    return out


@sync_group.command("bulk")
@api_options
@click.option(
    "--poll",
    type=click.FloatRange(0),
    default=5.0,
    show_default=True,
    help="First wait between status polls, doubling up to 60 s.",
)
@click.option(
    "--job-timeout",
    type=click.FloatRange(1),
    default=3600.0,
    show_default=True,
    help="Give up on a job that has not finished after this many seconds.",
)
@refresh_option
@db_option
@json_option
def bulk_command(
    settings: Settings,
    agencies: tuple[str, ...],
    funding: bool,
    fy: int | None,
    api_url: str | None,
    max_requests: int | None,
    max_minutes: float | None,
    rate: float,
    backoff: float,
    request_timeout: float,
    wait: float | None,
    poll: float,
    job_timeout: float,
    refresh: bool,
    as_json: bool,
) -> None:
    """Request a bulk award download for one fiscal year, then verify and ingest it.

    Posts to /api/v2/bulk_download/awards/, polls the job's status with growing waits,
    downloads the zip, checks it (CRC, format, row count against the job's report) and
    ingests it in one transaction. A failed job or a bad file writes nothing (exit 4).
    """
    opts = SyncOptions(
        list(agencies),
        fy,
        api_url=api_url,
        policy=_policy(
            settings, rate, backoff, request_timeout, max_requests, max_minutes
        ),
        funding=funding,
        after_ingest=_refresh_in_lock(settings, refresh, as_json),
    )
    code, summary = sync_bulk(
        _with_wait(settings, wait),
        opts,
        poll_first=poll,
        timeout=job_timeout,
        say=_say(as_json),
    )
    _refresh_after(_with_wait(settings, wait), code, summary, refresh, as_json)
    _print(summary, as_json)
    sys.exit(code)


def _print(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(summary)
        return
    keys = [
        "status",
        "since",
        "until",
        "fy",
        "windows",
        "windows_done",
        "expected",
        "fetched",
        "requests",
        "retries",
        "polls",
        "new",
        "changed",
        "unchanged",
        "quarantined",
        "ingest_run_id",
        "seconds",
    ]
    rows = [(k, summary[k]) for k in keys if k in summary and summary[k] is not None]
    console.print(table(f"Sync ({summary.get('api_url')})", ["", "value"], rows))
    for hop in summary.get("redirects") or []:
        err_console.print(f"[yellow]redirected:[/] {hop}", highlight=False)
    for miss in summary.get("missing") or []:
        err_console.print(
            f"[yellow]not fetched:[/] {miss['window']} — {miss.get('error')}",
            highlight=False,
        )
    if summary.get("refresh"):
        print_refresh(summary["refresh"])
    if summary.get("watch"):
        w = summary["watch"]
        console.print(
            f"Watch matches in this run: {w['matches']}"
            + (" — see `custodes digest`" if w["matches"] else "")
        )
        if w.get("webhook_error"):
            err_console.print(
                f"[bold red]Error:[/] {w['webhook_error']}", highlight=False
            )
    if summary.get("error"):
        err_console.print(f"[bold red]Error:[/] {summary['error']}", highlight=False)
    _print_stopped(summary, "windows")
    if summary.get("history"):
        _print_history(summary["history"], False)


HISTORY_KEYS = [
    "status",
    "awards_asked",
    "awards_completed",
    "awards_without_base",
    "awards_failed",
    "awards_remaining",
    "awards_out_of_reach",
    "awards_answered_before",
    "batches",
    "batches_done",
    "expected",
    "fetched",
    "transactions_added",
    "changed",
    "unchanged",
    "quarantined",
    "requests",
    "retries",
    "ingest_run_id",
    "seconds",
]


def _print_history(summary: dict[str, Any], as_json: bool) -> None:
    """The summary of sync --history: awards asked, completed, transactions added,
    and the awards still incomplete with why."""
    if as_json:
        print_json(summary)
        return
    rows = [(k, summary[k]) for k in HISTORY_KEYS if summary.get(k) is not None]
    console.print(
        table(f"Sync history ({summary.get('api_url')})", ["", "value"], rows)
    )
    for hop in summary.get("redirects") or []:
        err_console.print(f"[yellow]redirected:[/] {hop}", highlight=False)
    still = summary.get("still_incomplete") or {}
    for miss in still.get("failed") or []:
        err_console.print(
            f"[yellow]not fetched:[/] award {miss['award']} (PIID {miss['piid']}) — "
            f"{miss['error']}; {miss['what_to_do']}",
            highlight=False,
        )
    if summary.get("awards_without_base"):
        console.print(
            f"{summary['awards_without_base']} awards: the source holds no base "
            "(modification 0) before their first action in the store (a base before "
            "FY2008, or numbered otherwise); they are not asked again."
        )
    if summary.get("awards_out_of_reach"):
        console.print(
            f"{summary['awards_out_of_reach']} awards start before the search's "
            "first day (2007-10-01): ingest files of their earlier years."
        )
    if summary.get("awards_remaining"):
        console.print(
            f"{summary['awards_remaining']} awards were not asked (--max-awards); "
            "the next `custodes sync --history` asks for them."
        )
    if summary.get("refresh"):
        print_refresh(summary["refresh"])
    _print_stopped(summary, "batches")


def register(group: click.Group) -> None:
    group.add_command(sync_group)
    from custodes.sync.watch_commands import register_watch

    register_watch(group)


def _print_stopped(summary: dict[str, Any], parts: str) -> None:
    """Why a run stopped early, and what an incomplete run kept ("windows" of a
    sync of dates, "batches" of a history run)."""
    if summary.get("stop_reason"):
        err_console.print(
            f"[yellow]stopped early:[/] {summary['stop_reason']}; "
            "run the same command again to resume.",
            highlight=False,
        )
    if summary.get("status") == "incomplete":
        err_console.print(
            "Nothing was written"
            + (f" except complete {parts}" if summary.get("written") else "")
            + f"; the checkpoint in {summary.get('staging')} is kept."
        )
