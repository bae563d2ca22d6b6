"""`custodes stats`, `custodes show transaction KEY`, `custodes quarantine`,
`custodes runs`, `custodes tables`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.panel import Panel

from custodes.console import console, db_option, json_option, money, print_json, table
from custodes.figures.recipients import WITHHELD
from custodes.settings import Settings
from custodes.store import open_store
from custodes.store import queries as qs


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
    with open_store(settings) as store:
        s = qs.stats(store)
    if as_json:
        print_json(s)
    else:
        print_stats(s)


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


@click.command("quarantine")
@click.option(
    "--run", "run_id", type=int, default=None, help="Only rows of this ingest run."
)
@click.option("--limit", type=click.IntRange(1, 100000), default=100, show_default=True)
@db_option
@json_option
def quarantine_command(
    settings: Settings, run_id: int | None, limit: int, as_json: bool
) -> None:
    """List quarantined rows: file, line, reason and the raw text, kept for repair."""
    with open_store(settings) as store:
        data = qs.quarantine(store, run_id, limit)
    if as_json:
        print_json(data)
        return
    console.print(
        table(
            f"Quarantine: {data['total']:,} rows",
            ["reason", "rows"],
            [(r["reason"], r["n"]) for r in data["by_reason"]],
        )
    )
    console.print(
        table(
            None,
            ["run", "file:line", "reason", "raw text"],
            [
                (
                    r["run_id"],
                    f"{r['source_file']}:{r['line']}",
                    r["reason"],
                    (r["raw_text"] or "")[:200],
                )
                for r in data["rows"]
            ],
        )
    )


@click.command("runs")
@db_option
@json_option
def runs_command(settings: Settings, as_json: bool) -> None:
    """List ingest runs with their counts."""
    with open_store(settings) as store:
        runs = qs.ingest_runs(store)
    if as_json:
        print_json(runs)
        return
    cols = [
        "run_id",
        "command",
        "finished_at",
        "files",
        "rows_read",
        "rows_stored",
        "rows_updated",
        "rows_unchanged",
        "duplicates",
        "quarantined",
    ]
    console.print(table("Ingest runs", cols, [[r[c] for c in cols] for r in runs]))


@click.command("tables")
@db_option
@json_option
def tables_command(settings: Settings, as_json: bool) -> None:
    """List the store's tables: each registered table's owner, kind and the command
    that writes it, whether this store holds it and its rows (see docs/store.md)."""
    path = Path(settings.db).expanduser()
    if path.exists():
        with open_store(settings) as store:
            rows = qs.tables(store)
    else:
        rows = qs.tables(None)
    if as_json:
        print_json({"store": str(path), "exists": path.exists(), "tables": rows})
        return
    if not path.exists():
        console.print(f"No store at {path}: the registry alone.")
    cols = ["table", "owner", "kind", "written by", "rows"]
    console.print(
        table(
            f"Tables of {path}" if path.exists() else "Registered tables",
            cols,
            [
                (
                    r["table"],
                    r["owner"] or "(not registered)",
                    r["kind"],
                    r["command"] or "",
                    _rows(r),
                )
                for r in rows
            ],
            justify_right=["rows"],
        )
    )


def _rows(r: dict[str, Any]) -> str:
    if r["rows"] is not None:
        return f"{r['rows']:,}"
    return "view" if r["present"] else "—"


def register(group: click.Group) -> None:
    for cmd in (
        stats_command,
        show_group,
        quarantine_command,
        runs_command,
        tables_command,
    ):
        group.add_command(cmd)
