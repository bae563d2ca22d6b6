"""`custodes figures status` and `custodes figures build`: the derived tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from custodes.console import console, db_option, json_option, print_json, table
from custodes.settings import Settings
from custodes.store import open_store

ONLY = click.Choice(["analyse", "serve"])


@click.group("figures")
def figures_group() -> None:
    """The tables computed from the store (analysis frame, web app tables)."""


def _search() -> tuple[tuple[str, ...], Any]:
    from custodes.search.tables import SEARCH_TABLES, search_tables_sql

    return SEARCH_TABLES, search_tables_sql


@figures_group.command("status")
@db_option
@json_option
def status_command(settings: Settings, as_json: bool) -> None:
    """Whether each family of derived tables is current, and why not."""
    from custodes.figures.build import stale

    with open_store(settings) as store:
        reasons = stale(store, serve_extra=_search()[0])
    if as_json:
        print_json({p: {"current": r is None, "reason": r} for p, r in reasons.items()})
        return
    console.print(
        table(
            "Derived tables",
            ["tables", "state"],
            [
                (f"{p}_*", "current" if r is None else f"stale: {r}")
                for p, r in reasons.items()
            ],
        )
    )


@figures_group.command("build")
@click.option(
    "--only", type=ONLY, multiple=True, help="Only these tables (repeatable)."
)
@click.option("--force", is_flag=True, help="Rebuild even the tables that are current.")
@db_option
@json_option
def build_command(
    settings: Settings, only: tuple[str, ...], force: bool, as_json: bool
) -> None:
    """Rebuild every stale derived table (analyse_*, serve_* and the search's) in one
    transaction: a failure leaves them all as they were."""
    from custodes.figures.build import PARTS, build, stale

    search_tables, search_sql = _search()
    parts = only or PARTS
    with open_store(settings) as store:
        reasons = stale(store, parts, serve_extra=search_tables)
    chosen = [p for p, r in reasons.items() if force or r is not None]
    result: dict[str, Any] = {"rebuilt": chosen, "reasons": reasons}
    if chosen:
        started = datetime.now()
        with console.status(f"Building {', '.join(chosen)} tables..."):
            with open_store(settings, write=True, command="figures build") as store:
                result["builds"] = build(
                    store,
                    chosen,
                    search_sql(award_maker=store.has_table("award_maker")),
                )
        result["seconds"] = (datetime.now() - started).total_seconds()
    if as_json:
        print_json(result)
    elif chosen:
        console.print(
            f"Rebuilt {', '.join(chosen)} tables in {result['seconds']:.1f} s."
        )
    else:
        console.print(
            "Every derived table is current; nothing to do (--force rebuilds)."
        )


def register(group: click.Group) -> None:
    group.add_command(figures_group)
