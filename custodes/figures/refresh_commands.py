"""`custodes refresh`: every derived table up to date with what changed in the store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from custodes.console import console, db_option, err_console, json_option, print_json
from custodes.console import table as make_table
from custodes.figures.refresh import Options, refresh
from custodes.search.refresh import SearchTables
from custodes.search.tables import POPULAR_AWARDS
from custodes.settings import Settings
from custodes.store import Store, open_store

full_option = click.option(
    "--full",
    is_flag=True,
    help="Rebuild every derived table from scratch instead of what changed.",
)
refresh_option = click.option(
    "--refresh",
    "refresh",
    is_flag=True,
    help="Afterwards, bring every derived table up to date with what changed "
    "(`custodes refresh`, in a transaction of its own).",
)
overrides_option = click.option(
    "--overrides",
    "overrides_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Classification corrections file (award,label,reason), as for `custodes "
    "classify`. Default: custodes/data/taxonomy/overrides.csv.",
)


def run_refresh(
    settings: Settings,
    full: bool = False,
    overrides: Path | None = None,
    command: str = "refresh",
    quiet: bool = False,
    popular_awards: int | None = None,
) -> dict[str, Any]:
    """Refresh the store of SETTINGS (takes the writer lock); returns the report as a
    dict. Used by `custodes refresh` and by `sync --refresh` when nothing was
    ingested."""
    with open_store(settings, write=True, command=command) as store:
        return refresh_open(store, settings, full, overrides, quiet, popular_awards)


def refresh_open(
    store: Store,
    settings: Settings,
    full: bool = False,
    overrides: Path | None = None,
    quiet: bool = False,
    popular_awards: int | None = None,
) -> dict[str, Any]:
    """Refresh STORE, already open for writing; returns the report as a dict.
    `ingest --refresh` and `sync --refresh` call it after their own commit, before
    they let go of the writer lock: no reader (a `serve --snapshot` copy, a plain
    `serve` taking the store back) ever finds the new transactions beside the old
    derived tables, and a plain `serve` steps aside once, not twice."""
    search = SearchTables(popular_awards or POPULAR_AWARDS)
    options = Options(
        full=full,
        overrides=overrides,
        extras=(search,),
        pause_at=settings.debug_pause,
    )
    with console.status("Refreshing derived tables...") as status:

        def note(step: str) -> None:
            if not quiet:
                status.update(f"Refreshing derived tables: {step}...")

        report = refresh(store, options, note)
    return report.to_dict()


def headline(report: dict[str, Any]) -> str:
    """What a refresh did, in one sentence (the text output's first line)."""
    took = f"{report['seconds']:.1f} s (refresh {report['run_id']})"
    store = report.get("transactions_in_store", 0)
    if report.get("nothing_to_do"):
        return (
            "Nothing to do: no transaction, stage run, override, review decision, "
            f"rule or curated data file changed since the last refresh; no table "
            f"was rebuilt (checked in {took})."
        )
    if report.get("first"):
        return (
            f"First refresh: built all derived tables from {store:,} transaction(s) "
            f"in {took}."
        )
    if report["full"]:
        return f"Rebuilt all derived tables from {store:,} transaction(s) in {took}."
    return (
        f"Refreshed every derived table in {took}: "
        f"{report['transactions_changed']:,} transaction(s) changed, "
        f"{report['awards']:,} award(s) recomputed."
    )


def print_report(report: dict[str, Any]) -> None:
    console.print(headline(report), markup=False)
    if report["reason"]:
        what = "Why" if report["full"] else "Rebuilt whole"
        console.print(f"{what}: {report['reason']}", markup=False)
    rows = []
    for step in report["steps"]:
        detail = ", ".join(
            f"{k.replace('_', ' ')} {v:,}" if isinstance(v, int) else f"{k} {v}"
            for k, v in step.items()
            if k not in ("step", "seconds") and v not in (None, "", False)
        )
        rows.append((step["step"], f"{step['seconds']:.2f}", detail))
    console.print(
        make_table(
            "Steps", ["step", "seconds", "what"], rows, justify_right=["seconds"]
        )
    )


@click.command("refresh")
@full_option
@overrides_option
@click.option(
    "--common-word-awards",
    type=click.IntRange(1),
    default=None,
    hidden=True,
    help="Testing: how many awards make a search word common (default 1000).",
)
@db_option
@json_option
def refresh_command(
    settings: Settings,
    full: bool,
    overrides_file: Path | None,
    common_word_awards: int | None,
    as_json: bool,
) -> None:
    """Bring every derived table up to date with what changed since the last refresh.

    Vendors and makers (resolve), classifications, the analysis frame, the web app's
    summary and search tables and the awards' first sightings (watches) follow new,
    changed and removed transactions, changed overrides, rules, gazetteer and
    judgements; the work grows with the change, not with the store. One transaction:
    an interrupted refresh leaves every table as it was, and the next one does the
    work. --full rebuilds everything.
    """
    report = run_refresh(
        settings,
        full,
        overrides_file,
        quiet=as_json,
        popular_awards=common_word_awards,
    )
    if as_json:
        print_json(report)
    else:
        print_report(report)


def register(group: click.Group) -> None:
    group.add_command(refresh_command)


__all__ = [
    "err_console",
    "print_report",
    "refresh_open",
    "refresh_option",
    "register",
    "run_refresh",
]
