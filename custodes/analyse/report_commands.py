"""`custodes report spending` and `custodes analyse export`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from custodes.analyse.options import (
    build_filters,
    engine_options,
    scope_args,
    scope_options,
)
from custodes.analyse.report import Scope, build_report
from custodes.analyse.report_files import FORMATS, write_report
from custodes.console import console, db_option, err_console, money
from custodes.errors import InputError
from custodes.figures.frame import DIMENSIONS
from custodes.settings import Settings
from custodes.store import open_store


@click.group("report")
def report_group() -> None:
    """Publishable reports: Markdown, HTML, CSV, JSON and charts (PNG, SVG)."""


def _formats(text: str) -> list[str]:
    chosen = [f.strip().lower() for f in text.split(",") if f.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise InputError(
            f"Unknown format(s) {', '.join(unknown) or text!r}. "
            f"Choose from: {', '.join(FORMATS)}."
        )
    return chosen


@report_group.command("spending")
@click.option(
    "--by",
    "by",
    type=click.Choice([d for d in DIMENSIONS if d != "award"]),
    default="category",
    show_default=True,
    help="Main grouping of the report.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    default=Path("report"),
    show_default=True,
    help="Folder to write the report into.",
)
@click.option(
    "--format",
    "formats",
    default=",".join(FORMATS),
    show_default=True,
    help="Comma-separated formats: md, html, csv, json.",
)
@click.option(
    "--top",
    "top_n",
    type=click.IntRange(1, 1000),
    default=10,
    show_default=True,
    help="How many of the largest awards to list.",
)
@scope_options
@engine_options
@db_option
def spending_command(
    settings: Settings,
    by: str,
    out: Path,
    formats: str,
    top_n: int,
    engine: str,
    source: str | None,
    spark_master: str,
    **scope: Any,
) -> None:
    """Spending report, e.g.
    `custodes report spending --agency ICE --by category --fy 2021-2024`.

    By default only awards that `custodes classify` put in a surveillance category count
    (every category except 'none'), as in every analysis and on the web app; the
    report states that definition and its versions. --all-spending counts every
    contract; --include-components also counts surveillance components bought inside
    larger purchases.
    """
    chosen = _formats(formats)
    filters = build_filters(**scope)
    from custodes.analyse.engines import open_source
    from custodes.figures import analyses

    with open_source(settings, engine, source, spark_master) as src:
        args = scope_args(**scope)
        report_scope = Scope(", ".join(scope["agency"]) or None, by, filters, args)
        with console.status("Building the report…"):
            report = build_report(src, report_scope, top_n)
            behind = (
                analyses.frame_rows(
                    src, [DIMENSIONS[by], DIMENSIONS["fiscal_year"]], filters
                )
                if "csv" in chosen
                else []
            )
    for row in behind:
        row["definition"] = report["definition"]["short"]
    written = write_report(report, behind, out, chosen)
    console.print(
        f"[bold]{report['title']}[/]: {money(report['total_usd'])} in "
        f"{report['transactions']:,} transactions"
    )
    for path in written:
        console.print(f"  wrote {path}")
    if not report["transactions"]:
        coverage = report.get("coverage") or {}
        err_console.print(
            "[yellow]Warning:[/] the report counts nothing. "
            f"{coverage.get('text') or ''} Check --agency, --fy and the categories; "
            "`custodes stats` lists the years and agencies the store holds.",
            markup=True,
        )


@click.command("export")
@click.option(
    "--parquet",
    "parquet",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the analysis tables as Parquet files into this folder (Spark).",
)
@click.option(
    "--postgres",
    "postgres",
    default=None,
    help="Copy the analysis tables into this PostgreSQL database URL.",
)
@db_option
def export_command(
    settings: Settings, parquet: Path | None, postgres: str | None
) -> None:
    """Copy the store's analysis tables to another engine (Parquet for Spark,
    PostgreSQL)."""
    from custodes.analyse.export import write_parquet, write_postgres

    if not parquet and not postgres:
        raise InputError("Say where to: --parquet DIR and/or --postgres URL.")
    with open_store(settings) as store:
        if parquet:
            counts = write_parquet(store, parquet)
            console.print(
                f"Parquet in {parquet}: "
                + ", ".join(f"{k} {v:,}" for k, v in counts.items())
            )
        if postgres:
            with console.status("Copying to PostgreSQL…"):
                counts = write_postgres(store, postgres)
            console.print(
                "PostgreSQL: " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
            )
