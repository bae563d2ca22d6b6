"""`custodes ingest PATH...`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from custodes.console import (
    console,
    db_option,
    err_console,
    json_option,
    print_json,
    table,
)
from custodes.figures.refresh_commands import (
    print_report as print_refresh,
)
from custodes.figures.refresh_commands import refresh_open, refresh_option
from custodes.ingest.load import IngestReport, ingest
from custodes.ingest.rejudge import RejudgeReport, rejudge
from custodes.settings import Settings
from custodes.store import open_store


def print_report(report: IngestReport) -> None:
    rows = [
        (f.file, f.format or "—", f"{f.rows_read:,}", f"{f.quarantined:,}", f.status)
        for f in report.files
    ]
    console.print(
        table(
            "Files",
            ["file", "format", "rows", "quarantined", "status"],
            rows,
            justify_right=["rows", "quarantined"],
        )
    )
    for f in report.files:
        if f.message:
            err_console.print(
                f"[yellow]{escape(f.message)}[/]", highlight=False, soft_wrap=True
            )
    summary = [
        ("rows read", report.rows_read),
        ("new transactions stored", report.stored),
        ("changed transactions updated", report.updated),
        ("already in the store (unchanged)", report.unchanged),
        ("exact duplicate rows (stored once)", report.duplicates),
        ("quarantined rows", report.quarantined),
        (
            "individual recipients' contact details dropped",
            report.minimised_individual_contacts,
        ),
        (
            "descriptions with phone/e-mail masked",
            report.minimised_description_contacts,
        ),
    ]
    console.print(
        table(
            f"Ingest run {report.run_id or '(not written)'}",
            ["", "count"],
            [(k, f"{v:,}") for k, v in summary],
            justify_right=["count"],
        )
    )
    if report.quarantined and report.committed:
        console.print(
            f"See the quarantined rows with: custodes quarantine --run {report.run_id}"
        )
    console.print(
        f"Recipient names judged: {report.recipient_names_judged:,}, natural persons "
        f"(names withheld, contact details dropped): "
        f"{report.recipient_names_persons:,}."
    )
    if report.person_detector_stale and report.committed:
        err_console.print(
            "[yellow]The store holds recipients judged by an older person detector; "
            "judge them again with: custodes persons rejudge[/]"
        )


@click.command("ingest")
# readable=False: a file this user cannot read is refused by ingest itself (with the
# other files still loaded), not by argument parsing.
@click.argument(
    "paths",
    nargs=-1,
    required=True,
    type=click.Path(path_type=Path, readable=False),
)
@click.option(
    "--strict",
    is_flag=True,
    help="Write nothing and exit 1 if any row is quarantined or any file refused.",
)
@click.option(
    "--wait",
    type=float,
    default=None,
    help="Seconds to wait if another process is writing the store (default: "
    "refuse at once).",
)
@refresh_option
@db_option
@json_option
def ingest_command(
    settings: Settings,
    paths: tuple[Path, ...],
    strict: bool,
    wait: float | None,
    refresh: bool,
    as_json: bool,
) -> None:
    """Load USAspending contract transactions into the store.

    PATHS are files (.csv, .csv.gz, .zip of CSVs) or directories of them, in either
    USAspending format (API-search extract or bulk contracts prime transactions); the
    format is detected from each header. Re-ingesting is safe: rows already stored are
    not counted twice. The whole ingest is one transaction: interrupted, it leaves the
    store as it was. Bad rows go to quarantine (see `custodes quarantine`).
    With --refresh, `custodes refresh` runs after a committed ingest (its own
    transaction, before the writer lock is let go): every derived table follows what
    this ingest changed.
    """
    if wait is not None:
        settings = Settings(**{**settings.__dict__, "lock_wait": wait})
    with open_store(settings, write=True, command="ingest") as store:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=as_json or not err_console.is_terminal,
        ) as bar:
            task = bar.add_task("ingest", total=None)

            def tell(step: str, done: int, total: int) -> None:
                bar.update(task, description=step, completed=done, total=total)

            report = ingest(
                store,
                list(paths),
                strict=strict,
                progress=tell,
                pause_at=settings.debug_pause,
                unzip_limit_mb=settings.unzip_limit_mb,
            )
        # in the same writer lock: no reader sees the new rows beside old tables
        refreshed = (
            refresh_open(store, settings, quiet=as_json)
            if refresh and report.committed
            else None
        )
    if as_json:
        out = {"db": settings.db, **report.to_dict()}
        if refresh:
            out["refresh"] = refreshed
        print_json(out)
    else:
        print_report(report)
        console.print(f"Store: {settings.db}")
        if refreshed is not None:
            print_refresh(refreshed)
    if strict and not report.committed:
        err_console.print(
            "[bold red]Error:[/] --strict: bad rows or files found; "
            "nothing was written. Fix them or drop --strict."
        )
        sys.exit(1)
    if report.usable == 0:
        err_console.print(
            "[bold red]Error:[/] no usable rows were read. Check the files named above."
        )
        sys.exit(1)


@click.group("persons")
def persons_group() -> None:
    """Natural persons among the recipients: their names are withheld everywhere."""


def print_rejudge(r: RejudgeReport) -> None:
    rows = [
        ("person detector", r.detector),
        ("recorded in the store before", r.previous or "(none: an older detector)"),
        ("recipient names judged", f"{r.names:,}"),
        ("natural persons among them", f"{r.persons:,}"),
        ("rows now an individual's", f"{r.rows_now_individual:,}"),
        ("rows no longer an individual's", f"{r.rows_no_longer_individual:,}"),
        ("rows whose contact details were dropped", f"{r.rows_contacts_dropped:,}"),
    ]
    title = "Re-judged (dry run: nothing written)" if r.dry_run else "Re-judged"
    console.print(table(title, ["", ""], rows))


@persons_group.command("rejudge")
@click.option("--dry-run", is_flag=True, help="Count what would change; write nothing.")
@db_option
@json_option
def rejudge_command(settings: Settings, dry_run: bool, as_json: bool) -> None:
    """Judge every recipient name in the store again with this version's detector.

    Sets each row's recipient_is_individual to the judgement (both ways) and drops the
    contact details (address, ZIP+4, phone, fax) of rows of names now judged persons;
    nothing dropped is ever restored. One transaction. Run it when `custodes ingest`
    says the store was judged by an older detector.
    """
    with open_store(settings, write=not dry_run, command="persons rejudge") as store:
        report = rejudge(store, dry_run=dry_run)
    if as_json:
        print_json({"db": settings.db, **report.to_dict()})
    else:
        print_rejudge(report)


def register(group: click.Group) -> None:
    group.add_command(ingest_command)
    group.add_command(persons_group)
