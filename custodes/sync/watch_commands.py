"""`custodes watch add|list|remove` and `custodes digest`."""

from __future__ import annotations

import sys

import click

from custodes.console import (
    console,
    db_option,
    err_console,
    json_option,
    print_json,
    table,
)
from custodes.settings import Settings
from custodes.store import open_store
from custodes.sync.atom import build_atom_feed
from custodes.sync.digest import build_digest, render_html, render_markdown
from custodes.sync.watch import KINDS, add_watch, list_watches, remove_watch
from custodes.sync.webhook import post_digest


@click.group("watch")
def watch_group() -> None:
    """Watch vendors, makers, categories or keywords; `custodes digest` reports news."""


@watch_group.command("add")
@click.argument("kind", type=click.Choice(KINDS, case_sensitive=False))
@click.argument("value")
@db_option
@json_option
def watch_add(settings: Settings, kind: str, value: str, as_json: bool) -> None:
    """Add a watch. KIND: vendor (a vendor id or name text), maker (a product maker),
    category (a taxonomy id), keyword (a word or phrase in descriptions)."""
    with open_store(settings, write=True, command="watch add") as store:
        row = add_watch(store, kind, value)
    if as_json:
        print_json(row)
    elif row["existing"]:
        console.print(
            f"Already watching {row['kind']} {row['value']!r} (id {row['watch_id']})."
        )
    else:
        console.print(
            f"Watching {row['kind']} {row['value']!r} (id {row['watch_id']})."
        )


@watch_group.command("list")
@db_option
@json_option
def watch_list(settings: Settings, as_json: bool) -> None:
    """List the watches."""
    with open_store(settings) as store:
        rows = list_watches(store)
    if as_json:
        print_json(rows)
        return
    console.print(
        table(
            "Watches",
            ["id", "kind", "value", "added"],
            [(r["watch_id"], r["kind"], r["value"], r["created_at"]) for r in rows],
        )
    )
    if not rows:
        console.print(
            'No watches yet. Add one: custodes watch add keyword "facial recognition"'
        )


@watch_group.command("remove")
@click.argument("watch_id", type=int)
@db_option
@json_option
def watch_remove(settings: Settings, watch_id: int, as_json: bool) -> None:
    """Remove watch ID."""
    with open_store(settings, write=True, command="watch remove") as store:
        row = remove_watch(store, watch_id)
    if as_json:
        print_json({"removed": row})
    else:
        console.print(f"Removed watch {watch_id} ({row['kind']} {row['value']!r}).")


@click.command("digest")
@click.option(
    "--since",
    default=None,
    help="Cover ingest runs after run number N, or started on or after a date "
    "(YYYY-MM-DD). Default: the latest sync run.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "atom"]),
    default="md",
    show_default=True,
    help="Markdown, an HTML page or an Atom feed (--json for machine-readable JSON).",
)
@click.option(
    "--limit",
    type=click.IntRange(1, 10000),
    default=50,
    show_default=True,
    help="Awards per watch at most.",
)
@click.option(
    "--include-zero",
    is_flag=True,
    help="Also list $0 actions (administrative modifications such as a change of "
    "contracting officer); left out by default.",
)
@click.option(
    "--webhook",
    default=None,
    help="Also POST the digest as JSON to this URL "
    "(retried with back-off). Exit 5 if it is not accepted.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the digest to this file instead of standard output.",
)
@db_option
@json_option
def digest_command(
    settings: Settings,
    since: str | None,
    fmt: str,
    limit: int,
    include_zero: bool,
    webhook: str | None,
    output: str | None,
    as_json: bool,
) -> None:
    """New and changed awards that match your watches, as Markdown, HTML or Atom."""
    with open_store(settings) as store:
        digest = build_digest(
            store, since=since, limit=limit, include_zero=include_zero
        )
        atom = (
            build_atom_feed(store, since=since, limit=limit, include_zero=include_zero)
            if fmt == "atom"
            else None
        )
    if webhook:
        sent = post_digest(webhook, digest)
        err_console.print(
            f"webhook: HTTP {sent['status']} after {sent['attempts']} attempt(s)"
        )
    if as_json:
        print_json(digest)
        return
    text = atom or (render_html(digest) if fmt == "html" else render_markdown(digest))
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
        err_console.print(f"Wrote {output} ({digest['matches']} matches).")
    else:
        sys.stdout.write(text)


def register_watch(group: click.Group) -> None:
    group.add_command(watch_group)
    group.add_command(digest_command)
