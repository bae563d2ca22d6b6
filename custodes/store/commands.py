"""`custodes stats`, `custodes quarantine`, `custodes runs`, `custodes tables`
(`custodes show transaction KEY`: custodes/ingest/show_commands.py, since it states
what the figures and the sources say of the row, layers store may not import)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from custodes.console import console, db_option, json_option, print_json, table
from custodes.settings import Settings
from custodes.store import open_store
from custodes.store import queries as qs


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
    # short headings, counts with separators, the time to the minute: readable at
    # 80 columns (--json has every field as stored)
    heads = {
        "run_id": "run",
        "command": "command",
        "finished_at": "finished (UTC)",
        "files": "files",
        "rows_read": "read",
        "rows_stored": "stored",
        "rows_updated": "updated",
        "rows_unchanged": "unchanged",
        "duplicates": "dupl.",
        "quarantined": "quar.",
    }
    counts = list(heads.values())[3:]
    console.print(
        table(
            "Ingest runs (rows read, stored, updated, unchanged, duplicated, "
            "quarantined)",
            list(heads.values()),
            [[_run_cell(r[c]) for c in heads] for r in runs],
            justify_right=["run", *counts],
            no_wrap=["run", *counts],
            compact=True,
        )
    )


def _run_cell(value: Any) -> str:
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


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
        quarantine_command,
        runs_command,
        tables_command,
    ):
        group.add_command(cmd)
