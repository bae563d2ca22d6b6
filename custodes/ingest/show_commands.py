"""`custodes show transaction KEY`: one transaction in full, with its source row and
its award's page at the source; a natural person's name withheld. `custodes stats`:
the store summarised, with what to do about awards known only through
modifications.

A command-line module (it may import any layer): the row comes from the store
(custodes/store/queries.py `transaction`), the withheld name from the figures' rule
and the link from the sources (`custodes.sources.record_url`), which custodes/store
itself may not import (tests/store/test_boundaries.py)."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.panel import Panel

from custodes.console import console, db_option, json_option, money, print_json, table
from custodes.figures.recipients import WITHHELD
from custodes.settings import Settings
from custodes.store import open_store
from custodes.store import queries as qs


@click.group("show")
def show_group() -> None:
    """Show one record in full, with its source."""


@show_group.command("transaction")
@click.argument("key")
@db_option
@json_option
def show_transaction(settings: Settings, key: str, as_json: bool) -> None:
    """Print the canonical row of transaction KEY and the raw source row it came
    from; a natural person's name is withheld, as everywhere custodes prints."""
    from custodes import sources

    with open_store(settings) as store:
        t = withhold_person(qs.transaction(store, key))
    # the award's page at its source (the report's and the web app's link)
    t["usaspending_url"] = sources.record_url(str(t["canonical"]["award_key"] or ""))
    if as_json:
        print_json(t)
        return
    c = t["canonical"]
    console.print(table(f"Transaction {key}", ["field", "value"], c.items()))
    console.print(
        f"Source: {c['source_file']} line {c['source_line']} "
        f"({c['source_format']}, ingest run {c['ingest_run_id']})"
    )
    if t["usaspending_url"]:
        console.print(f"USAspending: {t['usaspending_url']}", markup=False)
    if t["raw"]:
        console.print(
            table(
                "Raw source row (after data minimisation)",
                ["column", "value"],
                t["raw"].items(),
            )
        )
    for r in t["revisions"]:
        console.print(
            f"Replaced by run {r['replaced_by_run']} at {r['replaced_at']}: "
            f"earlier obligation {money(r['obligation_usd'])}"
        )


def withhold_person(t: dict[str, Any]) -> dict[str, Any]:
    """T with a natural person's name withheld wherever the stored row repeats it
    (recipient, parent, the raw source row and earlier revisions): the store keeps the
    name as published, what custodes prints does not. An organisation is unchanged."""
    c = t["canonical"]
    if not c.get("recipient_is_individual") or not c.get("recipient_name"):
        return t
    name = " ".join(str(c["recipient_name"]).upper().split())

    def masked(row: dict[str, Any]) -> dict[str, Any]:
        return {
            k: WITHHELD
            if isinstance(v, str) and " ".join(v.upper().split()) == name
            else v
            for k, v in row.items()
        }

    revisions = []
    for r in t["revisions"]:
        raw = r.get("raw_json")
        if isinstance(raw, str) and raw.startswith("{"):
            r = {**r, "raw_json": json.dumps(masked(json.loads(raw)))}
        revisions.append(r)
    return {
        "canonical": masked(c),
        "raw": masked(t["raw"]) if t["raw"] else t["raw"],
        "revisions": revisions,
    }


def print_stats(s: dict) -> None:
    console.print(
        Panel.fit(
            f"[bold]{s['transactions']:,}[/] transactions in "
            f"[bold]{s['awards']:,}[/] awards, "
            f"{s['recipient_names']:,} recipient names\n"
            f"action dates {s['first_action_date']} to {s['last_action_date']}\n"
            f"net obligations {money(s['total_obligation_usd'])}\n"
            f"quarantined rows: {s['quarantined']:,}   "
            f"ingest runs: {s['ingest_runs']}   "
            f"award keys built by custodes: {s['built_award_keys']:,}",
            title="custodes store",
        )
    )
    mods = s.get("modifications_only") or {}
    if mods.get("line"):
        console.print(mods["line"])
    console.print(
        table(
            "By fiscal year",
            ["FY", "transactions", "awards", "obligations"],
            [
                (
                    r["fiscal_year"],
                    f"{r['transactions']:,}",
                    f"{r['awards']:,}",
                    money(r["obligation_usd"]),
                )
                for r in s["by_fiscal_year"]
            ],
            justify_right=["transactions", "awards", "obligations"],
        )
    )
    console.print(
        table(
            "By awarding sub-agency",
            ["code", "sub-agency", "transactions", "obligations"],
            [
                (
                    r["code"],
                    r["name"],
                    f"{r['transactions']:,}",
                    money(r["obligation_usd"]),
                )
                for r in s["by_sub_agency"]
            ],
            justify_right=["transactions", "obligations"],
        )
    )


@click.command("stats")
@db_option
@json_option
def stats_command(settings: Settings, as_json: bool) -> None:
    """Summarise the store: rows, awards, dates, totals by fiscal year and
    sub-agency."""
    # here, not in custodes/store/commands.py: the advice about awards known only
    # through modifications needs what the source's search serves (custodes.sources)
    from custodes import sources

    with open_store(settings) as store:
        why = sources.history_reason_of_transactions(store.has_table("sync_history"))
        s = qs.stats(store, why)
    if as_json:
        print_json(s)
    else:
        print_stats(s)


def register(group: click.Group) -> None:
    group.add_command(stats_command)
    group.add_command(show_group)
