"""`custodes analyse ...` and `custodes report spending`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from custodes.analyse.options import build_filters, engine_options, scope_options
from custodes.analyse.report import figure_label
from custodes.analyse.report_files import write_csv
from custodes.console import (
    console,
    db_option,
    err_console,
    json_option,
    money,
    print_json,
    table,
)
from custodes.errors import InputError
from custodes.figures.frame import DIMENSIONS, parse_dimensions
from custodes.settings import Settings


@click.group("analyse")
def analyse_group() -> None:
    """Spending figures from the store; each one expands into its transactions."""


def _src(settings: Settings, engine: str, source: str | None, spark_master: str) -> Any:
    from custodes.analyse.engines import open_source

    return open_source(settings, engine, source, spark_master)


def _analyses() -> Any:
    """The analyses module, imported on first use (Ibis is slow to import)."""
    from custodes.figures import analyses

    return analyses


def _stated(src: Any, filters: Any) -> Any:
    """The definition the figures were computed under, stated against SRC."""
    from custodes.analyse.options import check_categories
    from custodes.figures.definition import stated_from_source

    stated = stated_from_source(src, filters.definition)
    check_categories(stated)
    return stated


def _carry(
    rows: list[dict[str, Any]],
    stated: Any,
    info: dict[str, Any] | None = None,
    dims: Any = (),
    groups: dict[tuple[Any, ...], Any] | None = None,
) -> list[dict[str, Any]]:
    """Each figure row says which definition it counts (a --json field and a CSV
    column: `definition`), the share of its dollars a person reviewed
    (`reviewed_share`, beside `reviewed_usd`) and, for a row about one award or
    transaction, its page on usaspending.gov (`usaspending_url`). With INFO (`_about`:
    what the report and the web app state beside a figure), also the coverage of the
    figure's scope (`coverage_text`; for a row of one fiscal year, that year's status,
    `coverage`, as `analyse yoy` has it, and `coverage_note`) and the awards its
    definition leaves out as components of larger purchases: the row's own
    (`not_counted_awards`, `not_counted_usd`, `not_counted`: GROUPS, from
    components.not_counted_by over DIMS, the rows' grouping; a fiscal year's row
    has that year's awards and dollars) and the whole scope's
    (`scope_not_counted_awards`, `scope_not_counted_usd`, `scope_not_counted`)."""
    from custodes import sources
    from custodes.figures.components import line
    from custodes.figures.review import share

    cover = info["coverage"] if info else None
    years = {y["fiscal_year"]: y for y in cover["years"]} if cover else {}
    left_out = info.get("not_counted") if info else None
    for r in rows:
        r["definition"] = stated.short
        if "reviewed_usd" in r:
            r["reviewed_share"] = share(r["obligation_usd"], r["reviewed_usd"])
        if r.get("award_key"):
            r["usaspending_url"] = sources.record_url(r["award_key"])
        if cover is not None:
            r["coverage_text"] = cover["text"]
            if "fiscal_year" in r:
                year = years.get(r["fiscal_year"])
                r["coverage"] = year["status"] if year else None
                r["coverage_note"] = year["note"] if year else None
        if left_out is not None:
            keys = dict.fromkeys(d.key for d in dims)
            own = (groups or {}).get(tuple(r.get(k) for k in keys)) or {
                "awards": 0,
                "obligation_usd": Decimal("0.00"),
            }
            r["not_counted_awards"] = own["awards"]
            r["not_counted_usd"] = own["obligation_usd"]
            r["not_counted"] = line(own)
            r["scope_not_counted_awards"] = left_out["awards"]
            r["scope_not_counted_usd"] = left_out["obligation_usd"]
            r["scope_not_counted"] = left_out["line"]
    return rows


def _about(src: Any, filters: Any, rows: list[dict[str, Any]] | None = None) -> Any:
    """Definition, coverage, not counted, reviewed share of a figure in scope."""
    from custodes.figures.about import about

    return about(src, filters, rows if rows and "reviewed_usd" in rows[0] else None)


def _not_counted_by(src: Any, filters: Any, dims: Any) -> Any:
    from custodes.figures.components import not_counted_by

    return not_counted_by(src, filters, dims)


def _say(stated: Any, info: dict[str, Any] | None = None) -> None:
    if info is None:
        console.print(f"{stated.text} {stated.change}", style="dim", markup=False)
        return
    from custodes.figures.about import lines

    for line in lines(info):
        console.print(line, style="dim", markup=False)


def _write_csv(
    path: Path, rows: list[dict[str, Any]], info: dict[str, Any] | None = None
) -> None:
    """ROWS as CSV and, with INFO, its sidecar PATH-metadata.json (definition,
    coverage, not counted, reviewed share, data through, generated at)."""
    write_csv(path, rows)
    console.print(f"Wrote {len(rows):,} rows to {path}")
    if info is not None:
        from custodes.csvfile import write_metadata

        meta = write_metadata(path, list(rows[0]) if rows else [], info)
        console.print(f"Wrote what the figures count and cover to {meta}")


def _print_transactions(rows: list[dict[str, Any]], title: str) -> None:
    total = sum((r["obligation_usd"] or 0 for r in rows), start=Decimal("0.00"))
    console.print(
        table(
            title,
            [
                "action date",
                "award",
                "mod",
                "kind",
                "amount",
                "recipient",
                "transaction key",
            ],
            [
                (
                    r["action_date"],
                    r["piid"],
                    r["modification_number"],
                    r["kind"],
                    money(r["obligation_usd"]),
                    r["recipient_name"],
                    r["transaction_key"],
                )
                for r in rows[:200]
            ],
            justify_right=["amount"],
        )
    )
    more = " (first 200 shown; use --csv for all)" if len(rows) > 200 else ""
    console.print(f"{len(rows):,} transactions, net {money(total)}{more}")


@analyse_group.command("totals")
@click.option(
    "--by",
    "by",
    default="fiscal_year",
    show_default=True,
    help=f"One or two of: {', '.join(DIMENSIONS)} (comma-separated).",
)
@click.option(
    "--limit", type=click.IntRange(1), default=None, help="Only the first N rows."
)
@click.option(
    "--explain",
    "explain_values",
    multiple=True,
    help="Instead of totals, list the transactions behind the figure whose "
    "--by value is this (one per --by dimension).",
)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write the rows (figures, or transactions with --explain) as CSV.",
)
@scope_options
@engine_options
@db_option
@json_option
def totals_command(
    settings: Settings,
    by: str,
    limit: int | None,
    explain_values: tuple[str, ...],
    csv_path: Path | None,
    as_json: bool,
    engine: str,
    source: str | None,
    spark_master: str,
    **scope: Any,
) -> None:
    """Net obligations, transactions and awards grouped by one or two dimensions."""
    if explain_values:
        _explain(
            settings,
            by,
            explain_values,
            csv_path,
            as_json,
            engine,
            source,
            spark_master,
            scope,
        )
        return
    filters = build_filters(**scope)
    dims = parse_dimensions(by)
    with _src(settings, engine, source, spark_master) as src:
        rows = _analyses().totals(src, by, filters, limit)
        stated = _stated(src, filters)
        # the scope's total and reviewed share from its fiscal years: each
        # transaction is in one, so they add up whatever the grouping (the rows of
        # --limit are some of it; two makers' rows can hold the same award)
        whole = by == "fiscal_year" and not limit
        years = rows if whole else _analyses().totals(src, "fiscal_year", filters)
        info = _about(src, filters, years)
        groups = _not_counted_by(src, filters, dims)
    for r in rows:
        r["label"] = " / ".join(figure_label(d, r) for d in dims)
    _carry(rows, stated, info, dims, groups)
    if csv_path:
        _write_csv(csv_path, rows, info)
    if as_json:
        print_json(rows)
        return
    console.print(
        table(
            f"Net obligations by {by}",
            [by, "net obligations", "transactions", "awards"],
            [
                (
                    r["label"],
                    money(r["obligation_usd"]),
                    f"{r['transactions']:,}",
                    f"{r['awards']:,}",
                )
                for r in rows
            ],
            justify_right=["net obligations", "transactions", "awards"],
        )
    )
    total = sum((y["obligation_usd"] for y in years), start=Decimal("0.00"))
    console.print(
        f"In all: {money(total)} in "
        f"{sum(y['transactions'] for y in years):,} transactions"
        + (f" (the table shows the first {len(rows):,})" if limit else "")
        + ".",
        markup=False,
    )
    _say(stated, info)


def _explain(
    settings: Settings,
    by: str,
    values: tuple[str, ...],
    csv_path: Path | None,
    as_json: bool,
    engine: str,
    source: str | None,
    spark_master: str,
    scope: dict[str, Any],
) -> None:
    filters = build_filters(**scope)
    with _src(settings, engine, source, spark_master) as src:
        rows = _analyses().explain(src, by, values, filters)
        stated = _stated(src, filters)
        info = _about(src, filters)
    _carry(rows, stated)
    if csv_path:
        _write_csv(csv_path, rows, info)
    if as_json:
        print_json(rows)
    else:
        _print_transactions(rows, f"Transactions behind {by} = {' / '.join(values)}")
        _say(stated, info)


@analyse_group.command("explain")
@click.option("--by", "by", required=True, help="The grouping of the figure.")
@click.option(
    "--value",
    "values",
    multiple=True,
    required=True,
    help="The figure's group value, once per --by dimension.",
)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the transactions as CSV.",
)
@scope_options
@engine_options
@db_option
@json_option
def explain_command(
    settings: Settings,
    by: str,
    values: tuple[str, ...],
    csv_path: Path | None,
    as_json: bool,
    engine: str,
    source: str | None,
    spark_master: str,
    **scope: Any,
) -> None:
    """List the transactions that add up to one figure (same scope options as
    reports)."""
    _explain(
        settings, by, values, csv_path, as_json, engine, source, spark_master, scope
    )


@analyse_group.command("yoy")
@scope_options
@engine_options
@db_option
@json_option
def yoy_command(
    settings: Settings,
    as_json: bool,
    engine: str,
    source: str | None,
    spark_master: str,
    **scope: Any,
) -> None:
    """Year-over-year change in net obligations, fiscal year by fiscal year."""
    filters = build_filters(**scope)
    with _src(settings, engine, source, spark_master) as src:
        rows = _analyses().year_over_year(src, filters)
        stated = _stated(src, filters)
        info = _about(src, filters)
        dims = parse_dimensions("fiscal_year")
        groups = _not_counted_by(src, filters, dims)
    _carry(rows, stated, info, dims, groups)  # coverage: each fiscal year's status
    if as_json:
        print_json(rows)
        return
    console.print(
        table(
            "Year over year",
            ["FY", "net obligations", "change", "change %", "coverage"],
            [
                (
                    r["fiscal_year"],
                    money(r["obligation_usd"]),
                    money(r["change_usd"]),
                    r["change_pct"],
                    r["coverage"] or "",
                )
                for r in rows
            ],
            justify_right=["net obligations", "change", "change %"],
        )
    )
    if any(r["coverage"] not in (None, "complete") for r in rows):
        from custodes.figures.spending import INCOMPLETE_NOTE

        console.print(INCOMPLETE_NOTE, style="yellow")
    _say(stated, info)


@analyse_group.command("top")
@click.option(
    "-n",
    "--n",
    "n",
    type=click.IntRange(1, 10_000),
    default=20,
    show_default=True,
    help="How many awards to list, largest net obligations first.",
)
@scope_options
@engine_options
@db_option
@json_option
def top_command(
    settings: Settings,
    n: int,
    as_json: bool,
    engine: str,
    source: str | None,
    spark_master: str,
    **scope: Any,
) -> None:
    """The N awards with the largest net obligations in scope."""
    filters = build_filters(**scope)
    with _src(settings, engine, source, spark_master) as src:
        rows = _analyses().top_awards(src, filters, n)
        stated = _stated(src, filters)
        info = _about(src, filters)
    _carry(rows, stated)
    if as_json:
        print_json(rows)
        return
    console.print(
        table(
            f"Top {n} awards",
            [
                "award key",
                "recipient",
                "net obligations",
                "transactions",
                "first",
                "last",
            ],
            [
                (
                    r["award_key"],
                    r["recipient_name"],
                    money(r["obligation_usd"]),
                    r["transactions"],
                    r["first_action_date"],
                    r["last_action_date"],
                )
                for r in rows
            ],
            justify_right=["net obligations"],
        )
    )
    _say(stated, info)


@analyse_group.command("award")
@click.argument("award_key")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write the award's transactions as CSV (with a -metadata.json sidecar).",
)
@engine_options
@db_option
@json_option
def award_command(
    settings: Settings,
    award_key: str,
    csv_path: Path | None,
    as_json: bool,
    engine: str,
    source: str | None,
    spark_master: str,
) -> None:
    """An award's timeline: base award and every modification, with a running total."""
    with _src(settings, engine, source, spark_master) as src:
        rows = _analyses().award_timeline(src, award_key)
        info = _about(src, build_filters((), None)) if csv_path else None
    award_key = rows[0]["award_key"] if rows else award_key  # a PIID resolved
    if csv_path:
        from custodes import sources

        for r in rows:
            r["usaspending_url"] = sources.record_url(r["award_key"])
        _write_csv(csv_path, rows, info)
    if as_json:
        print_json(rows)
        return
    console.print(
        table(
            f"Award {award_key}",
            ["action date", "mod", "kind", "amount", "running total", "description"],
            [
                (
                    r["action_date"],
                    r["modification_number"],
                    r["kind"],
                    money(r["obligation_usd"]),
                    money(r["running_total_usd"]),
                    r["description"],
                )
                for r in rows
            ],
            justify_right=["amount", "running total"],
        )
    )
    from custodes import sources

    url = sources.record_url(award_key)
    if url:
        console.print(f"USAspending: {url}", markup=False)


def _parse_date(text: str) -> date:
    try:
        return datetime.fromisoformat(text).date()
    except ValueError as exc:
        raise InputError(f"--since {text!r} is not a date like 2024-10-01.") from exc


@analyse_group.command("changed")
@click.option(
    "--since",
    required=True,
    help="Date (YYYY-MM-DD): the earliest action date (or, with --by ingest, the "
    "earliest ingest run).",
)
@click.option(
    "--by",
    type=click.Choice(["action", "ingest"]),
    default=None,
    help="What --since reads: action dates (the default: what was signed since) "
    "or ingest runs (what custodes loaded since; after a first load, everything).",
)
@click.option(
    "--limit",
    type=click.IntRange(0),
    default=1000,
    show_default=True,
    help="How many of the largest changes --json lists (the summary counts all; "
    "--csv writes all).",
)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write every change (not only --limit) as CSV (with a "
    "-metadata.json sidecar).",
)
@scope_options
@engine_options
@db_option
@json_option
def changed_command(
    settings: Settings,
    since: str,
    by: str | None,
    limit: int,
    csv_path: Path | None,
    as_json: bool,
    engine: str,
    source: str | None,
    spark_master: str,
    **scope: Any,
) -> None:
    """What is new since DATE: the actions signed since then by kind (new awards,
    modifications, deobligations), or with --by ingest what ingest or sync runs since
    DATE added or revised, and the net effect.

    The summary counts every change; --json lists the --limit newest actions (with
    --by ingest: the largest changes) and --csv writes all of them."""
    filters = build_filters(**scope)
    if by is None:
        by = "action"
        err_console.print(
            "analyse changed: --since reads action dates (what was signed since); "
            "--by ingest gives what custodes loaded since, as before."
        )
    with _src(settings, engine, source, spark_master) as src:
        result = _analyses().changed_since(
            src, _parse_date(since), filters, limit=None if csv_path else limit, by=by
        )
        stated = _stated(src, filters)
        info = _whole_scope(_about(src, filters), since)
    result["definition"] = stated.to_dict()
    result["coverage"] = info["coverage"]
    result["not_counted"] = info["not_counted"]
    _carry(result["transactions"], stated)
    if csv_path:
        _write_csv(csv_path, result["transactions"], info)
    if as_json:
        print_json(result)
        return
    if by == "action":
        # an action is new in full: its net change is its amount, one column says it
        console.print(
            table(
                f"New since {since}, by action date",
                ["change", "transactions", "obligated"],
                [
                    (r["change"], f"{r['transactions']:,}", money(r["obligation_usd"]))
                    for r in result["summary"]
                ],
                justify_right=["transactions", "obligated"],
            )
        )
    else:
        console.print(
            table(
                f"Changed since {since}, by ingest run",
                ["change", "transactions", "now obligated", "net change"],
                [
                    (
                        r["change"],
                        f"{r['transactions']:,}",
                        money(r["obligation_usd"]),
                        money(r["net_change_usd"]),
                    )
                    for r in result["summary"]
                ],
                justify_right=["transactions", "now obligated", "net change"],
            )
        )
    _print_changes(result, by)
    _say(stated, info)
    shown = len(result["transactions"])
    if shown < result["transactions_total"] and not csv_path:
        console.print(
            f"--json lists the {shown:,} largest of {result['transactions_total']:,} "
            "changes; --csv FILE writes all of them."
        )


CHANGES_SHOWN = 20  # the changes `analyse changed` lists under its summary


def _print_changes(result: dict[str, Any], by: str) -> None:
    """The first CHANGES_SHOWN changes (the newest by action date, or with --by
    ingest the largest), one line each at 80 columns: the summary alone did not say
    which awards changed."""
    rows = result["transactions"][:CHANGES_SHOWN]
    if not rows:
        return
    total = result["transactions_total"]
    which = "newest" if by == "action" else "largest"
    more = f" of {total:,} (--json or --csv FILE for more)" if total > len(rows) else ""
    console.print(
        table(
            f"The {which} {len(rows):,} changes{more}",
            ["date", "PIID", "change", "amount", "paid to"],
            [
                (
                    r["action_date"],
                    r["piid"] or r["award_key"],
                    r["change"],
                    money(r["delta_usd"]),
                    escape(r["recipient_name"] or ""),
                )
                for r in rows
            ],
            justify_right=["amount"],
            no_wrap=["date", "PIID", "change", "amount"],
            compact=True,
        )
    )


def _whole_scope(info: dict[str, Any], since: str) -> dict[str, Any]:
    """INFO with its not-counted and reviewed sentences marked as covering the whole
    scope: they are not limited to the changes since SINCE (a reader took the
    store's billions for the reviewed share of a few new actions)."""
    head = f"In the whole scope, not only the changes since {since}: "
    reviewed = dict(info["reviewed"])
    reviewed["line"] = head + reviewed["line"][:1].lower() + reviewed["line"][1:]
    info = {**info, "reviewed": reviewed}
    left_out = info.get("not_counted")
    if left_out and left_out.get("line"):
        info["not_counted"] = {**left_out, "line": head + left_out["line"]}
    return info


@analyse_group.command("prepare")
@click.option(
    "--force", is_flag=True, help="Rebuild even when the prepared frame is current."
)
@db_option
@json_option
def prepare_command(settings: Settings, force: bool, as_json: bool) -> None:
    """Build the analysis-ready frame (analyse_frame) that makes analyses fast.

    Joins every transaction to its category, vendor and family once, numbers the
    awards and marks the rows that count them. Analyses read it while it is current
    and fall back to the raw tables (slower, same figures) after a newer ingest,
    resolve or classify run. Takes about a minute per ten million transactions."""
    from custodes.figures.analyse_tables import build_analysis_frame, frame_stale_reason
    from custodes.store import open_store

    with open_store(settings) as store:
        reason = frame_stale_reason(store)
    if reason is None and not force:
        result: dict[str, Any] = {"built": False, "reason": "already current"}
    else:
        started = datetime.now()
        with console.status(f"Preparing the analysis frame ({reason or 'forced'})..."):
            with open_store(settings, write=True, command="analyse prepare") as store:
                row = build_analysis_frame(store)
        seconds = (datetime.now() - started).total_seconds()
        result = {
            "built": True,
            "reason": reason or "forced",
            "seconds": seconds,
            **row,
        }
    if as_json:
        print_json(result)
    elif result["built"]:
        console.print(
            f"Prepared analyse_frame: {result['transactions']:,} transactions, "
            f"{result['awards']:,} awards, in {result['seconds']:.1f} s."
        )
    else:
        console.print(
            "analyse_frame is already current; nothing to do (--force rebuilds)."
        )


def register(group: click.Group) -> None:
    from custodes.analyse.report_commands import export_command, report_group

    analyse_group.add_command(export_command)
    group.add_command(analyse_group)
    group.add_command(report_group)
