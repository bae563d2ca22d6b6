"""`custodes check` and `custodes graph ...`: the curated data web in the CLI."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import click

from custodes.console import (
    console,
    db_option,
    err_console,
    fitted_table,
    json_option,
    money,
    print_json,
    table,
)
from custodes.dataweb import export
from custodes.dataweb.funding import feeds
from custodes.dataweb.loader import default_data_dir, load_dataweb, shipped_dataweb
from custodes.dataweb.model import DataWeb
from custodes.dataweb.queries import flow_history, reach, show
from custodes.dataweb.render import write_picture
from custodes.dataweb.validate import validate, warnings
from custodes.errors import InputError, NotFound
from custodes.settings import Settings
from custodes.store.duckdb import Store, open_store

data_option = click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder of data-web YAML files. Default: the data shipped with custodes.",
)


def _as_of(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date; write YYYY-MM-DD, for example 2026-03-01."
        ) from None


as_of_option = click.option(
    "--as-of",
    "as_of",
    callback=_as_of,
    default=None,
    metavar="YYYY-MM-DD",
    help="Give statuses as of this day (default: today). Once an entry's last "
    "evidence has lapsed, 'active' reads 'reported' (docs/dataweb.md).",
)


def _web(data_dir: Path | None) -> DataWeb:
    web = shipped_dataweb(data_dir)
    problems = validate(web)
    if problems:
        raise InputError(
            f"The data web in {data_dir or default_data_dir()} has "
            f"{len(problems)} problems. Run `custodes check` to see them."
        )
    return web


def _cites(sources: list[dict]) -> str:
    return "; ".join(
        f"{s.get('publisher')}, {s.get('title') or s.get('topic')} "
        f"({s.get('date') or 'n.d.'})"
        for s in sources
    )


@click.command("check")
@data_option
@json_option
def check_command(data_dir: Path | None, as_json: bool) -> None:
    """Validate the curated data web; exit 1 naming each file and entry at fault."""
    web = load_dataweb(data_dir)
    problems = validate(web)
    notes = warnings(web)
    if as_json:
        print_json(
            {
                "entries": len(web.entries),
                "problems": [
                    {"where": p.where, "message": p.message} for p in problems
                ],
                "warnings": [{"where": w.where, "message": w.message} for w in notes],
            }
        )
    else:
        for problem in problems:
            click.echo(str(problem), err=True)
        for note in notes:
            click.echo(f"warning: {note}", err=True)
    if problems:
        raise InputError(
            f"{len(problems)} problems in the data web at "
            f"{data_dir or default_data_dir()}. Fix the entries named above."
        )
    if not as_json:
        counts = ", ".join(
            f"{n} {k}"
            for k, n in sorted(
                {
                    e.kind: sum(1 for x in web.entries.values() if x.kind == e.kind)
                    for e in web.entries.values()
                }.items()
            )
        )
        console.print(f"Data web OK: {len(web.entries)} entries ({counts}).")
        if notes:
            console.print(
                f"{len(notes)} warnings (above): nothing wrong yet, but worth a look."
            )


@click.group("graph")
def graph_group() -> None:
    """Query and export the cited data web: who can reach which personal data, how."""


@graph_group.command("reach")
@click.argument("category", required=False)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write one row per step of each path, with its status and sources "
    "(ids, addresses, citations), as CSV (with a -metadata.json sidecar).",
)
@data_option
@as_of_option
@json_option
def reach_command(
    category: str | None,
    csv_path: Path | None,
    data_dir: Path | None,
    as_of: date | None,
    as_json: bool,
) -> None:
    """Who can reach data CATEGORY (address, face_image, vehicle, tax, ...) and through
    which paths; each step with its sources. A path runs through what the data passes
    (hops); contracts, resellers and agreements are listed apart (facilitated by).
    Without CATEGORY, the categories to choose from."""
    web = _web(data_dir)
    if not category:
        known = ", ".join(sorted(web.vocabulary.get("data_categories", {})))
        raise InputError(
            f"Give a data category: custodes graph reach CATEGORY. Known: {known}."
        )
    paths = reach(category, web, as_of)
    if csv_path:
        _write_reach_csv(csv_path, category, paths, as_of)
    if as_json:
        print_json(paths)
        return
    rows = [
        (
            p["reaches_name"],
            " → ".join(p["path_names"]),
            ", ".join(p["statuses"]),
            "; ".join(
                f"{f['role_label']}: {f['label']}"
                for s in p["steps"]
                for f in s["facilitators"]
            ),
            ", ".join(s["flow"] for s in p["steps"]),
        )
        for p in paths
    ]
    when = (as_of or date.today()).isoformat()
    # ids and words whole at any width (a flow id is what `graph show` takes)
    console.print(
        fitted_table(
            f"Who can reach '{category}' ({len(paths)} paths, status as of {when})",
            ["reaches", "path", "status", "facilitated by", "flows"],
            rows,
            console.width,
        ),
        markup=False,
        highlight=False,
    )
    console.print(
        "Sources for every step: add --json, or `custodes graph show FLOW_ID`."
    )


def _write_reach_csv(
    path: Path, category: str, paths: list[dict[str, Any]], as_of: date | None
) -> None:
    from custodes.csvfile import write_dicts, write_metadata

    rows = export.reach_rows(category, paths)
    try:
        with path.open("w", newline="", encoding="utf-8") as fh:
            write_dicts(fh, export.REACH_COLUMNS, rows)
    except OSError as exc:
        raise InputError(
            f"{path}: {exc.strerror}. Check the path and its permissions."
        ) from exc
    meta = write_metadata(
        path,
        export.REACH_COLUMNS,
        {
            "title": f"Who can reach '{category}': one row per step of each path",
            "as_of": (as_of or date.today()).isoformat(),
            "source": "custodes curated data web (custodes/data/dataweb); every "
            "step cites its sources",
        },
    )
    err_console.print(f"Wrote {len(rows):,} steps of {len(paths):,} paths to {path}")
    err_console.print(f"Wrote what the file holds to {meta}")


@contextmanager
def _maybe_store(settings: Settings) -> Iterator[Store | None]:
    """The store, or None when there is none; an error inside the block is the
    block's own (a NotFound there is not "no store")."""
    with ExitStack() as stack:
        try:
            store: Store | None = stack.enter_context(open_store(settings))
        except NotFound:
            store = None
        yield store


def _print_feeds(f: dict) -> None:
    console.print(
        f"[bold]{f['name']}[/] ({f['id']}), operated by {f['operator']['name']}; "
        f"vendors: {', '.join(v['name'] for v in f['vendors']) or 'none recorded'}"
    )
    rows: list[tuple[Any, ...]] = [
        (
            i["flow"],
            i["role"],
            " → ".join(i["path"]),
            ", ".join(i["data_categories"]),
            i["status"],
            len(i["sources"]),
        )
        for i in f["inputs"]
    ]
    console.print(
        fitted_table(
            "Data flowing in (upstream flows: --json)",
            ["flow", "role", "path", "data", "status", "sources"],
            rows,
            console.width,
            justify_right=["sources"],
            whole=["flow", "sources"],
        ),
        markup=False,
        highlight=False,
    )
    cost = f["cost"]
    rows = [
        (
            a["id"],
            a["piid"] or a["award_key"],
            a.get("agency") or "",
            "—"
            if "found" not in a
            else money(a["obligation_usd"])
            if a["found"]
            else "not in store",
            a.get("transactions", ""),
        )
        for a in cost["awards"]
    ]
    console.print(
        table(
            "What it cost (curated award mapping × store)",
            ["mapping", "award", "agency", "obligated", "transactions"],
            rows,
            justify_right=["obligated", "transactions"],
        )
    )
    if cost["note"]:
        console.print(f"[yellow]{cost['note']}[/]")
    else:
        console.print(
            f"Total obligated: [bold]{money(cost['total_obligation_usd'])}[/]"
            + (
                f"; not found in the store: {', '.join(cost['not_found'])}"
                if cost["not_found"]
                else ""
            )
        )


@graph_group.command("feeds")
@click.argument("system")
@click.option(
    "--depth",
    type=click.IntRange(1, 10),
    default=3,
    show_default=True,
    help="How many steps upstream to follow.",
)
@data_option
@as_of_option
@db_option
@json_option
def feeds_command(
    settings: Settings,
    system: str,
    depth: int,
    data_dir: Path | None,
    as_of: date | None,
    as_json: bool,
) -> None:
    """What feeds SYSTEM: data flowing in (with sources) and what it cost."""
    web = _web(data_dir)
    with _maybe_store(settings) as store:
        result = feeds(system, store, web, depth, as_of)
    if as_json:
        print_json(result)
    else:
        _print_feeds(result)


@graph_group.command("show")
@click.argument("entry_id", metavar="ID")
@data_option
@as_of_option
@json_option
def show_command(
    entry_id: str, data_dir: Path | None, as_of: date | None, as_json: bool
) -> None:
    """Everything about one entry (organisation, system, flow, ...): fields, sources and
    every entry that refers to it; a status as of today (or --as-of)."""
    result = show(entry_id, _web(data_dir), as_of)
    if as_json:
        print_json(result)
        return
    dated = result.get("dated_status")
    if dated:
        console.print(
            f"Status as of {result['as_of']}: [bold]{dated['status']}[/] "
            f"({dated['status_note']})"
        )
    fields = [
        (k, json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v)
        for k, v in result["fields"].items()
        if k != "sources"
    ]
    console.print(
        table(
            f"{result['label']} ({result['id']}, {result['kind']})",
            ["field", "value"],
            fields,
        )
    )
    console.print(
        table(
            "Sources",
            ["id", "citation", "url"],
            [(s["id"], _cites([s]), s.get("url", "")) for s in result["sources"]],
        )
    )
    rows = [
        (how, r["id"], r["label"])
        for how, items in result["related"].items()
        for r in items
    ]
    console.print(table("Referred to by", ["as", "id", "name"], rows))


@graph_group.command("history")
@click.argument("flow_id")
@data_option
@json_option
def history_command(flow_id: str, data_dir: Path | None, as_json: bool) -> None:
    """Status history of a flow or agreement (e.g. suspended, then reactivated)."""
    result = flow_history(flow_id, _web(data_dir))
    if as_json:
        print_json(result)
        return
    rows = [
        (
            e["date"],
            e["status"] + (" ←" if e["changed"] else ""),
            e["event"],
            _cites(e["sources"]),
        )
        for e in result["events"]
    ]
    console.print(
        table(
            f"{result['label']}: now {result['status']} "
            f"({result['status_changes']} status changes)",
            ["date", "status", "event", "sources"],
            rows,
        )
    )
    if not rows:
        console.print("No dated events recorded for this entry.")


@graph_group.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["graphml", "json", "ftm"]),
    required=True,
    help="graphml (Gephi, yEd, networkx), json (nodes, edges, sources) or ftm "
    "(FollowTheMoney entities, one JSON object a line).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write here instead of standard output.",
)
@data_option
@as_of_option
def export_command(
    fmt: str, out: Path | None, data_dir: Path | None, as_of: date | None
) -> None:
    """Export the whole data web as GraphML, JSON (nodes, edges, sources) or
    FollowTheMoney entities (JSON lines, for Aleph/OpenAleph); statuses as of today
    (or --as-of)."""
    web = _web(data_dir)
    writer = {
        "graphml": export.write_graphml,
        "json": export.write_json,
        "ftm": export.write_ftm,
    }[fmt]
    if out:
        writer(web, out, as_of)
        console.print(f"Wrote {fmt} export of {len(web.entries)} entries to {out}")
        return
    with tempfile.TemporaryDirectory() as tmp:  # the writers write files; echo it
        path = Path(tmp) / f"export.{fmt}"
        writer(web, path, as_of)
        click.echo(path.read_text(encoding="utf-8"), nl=False)


@graph_group.command("render")
@click.argument("entry_id", metavar="ID")
@click.option(
    "--depth",
    type=click.IntRange(1, 5),
    default=1,
    show_default=True,
    help="How many steps from ID to draw (1: ID and its neighbours).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Picture file ending in .svg or .png.",
)
@data_option
def render_command(entry_id: str, depth: int, out: Path, data_dir: Path | None) -> None:
    """Draw the part of the data web around ID (to --depth steps) as SVG or PNG."""
    write_picture(_web(data_dir), entry_id, out, depth)
    console.print(f"Wrote {out}")


def register(group: click.Group) -> None:
    group.add_command(check_command)
    group.add_command(graph_group)
