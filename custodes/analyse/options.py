"""CLI options every analysis shares: scope (agency, years), the definition of what
counts (categories, --all-spending, --include-components) and engine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from custodes.analyse.engines import ENGINES
from custodes.classify.taxonomy import known_categories
from custodes.errors import InputError
from custodes.figures.definition import (
    NOT_COUNTED,
    Definition,
    chosen,
    split_list,
)
from custodes.figures.frame import Filters
from custodes.model.agencies import resolve_sub_agency

F = TypeVar("F", bound=Callable[..., Any])


def parse_fy(text: str | None) -> tuple[int | None, int | None]:
    """'2021-2024' -> (2021, 2024); '2022' -> (2022, 2022); None -> (None, None)."""
    if not text:
        return None, None
    parts = text.replace("FY", "").replace("fy", "").split("-")
    try:
        years = [int(p) for p in parts if p.strip()]
    except ValueError as exc:
        raise InputError(
            f"--fy {text!r} is not a fiscal year or range like 2021-2024."
        ) from exc
    if len(years) == 1:
        return years[0], years[0]
    if len(years) != 2 or years[0] > years[1]:
        raise InputError(f"--fy {text!r}: give one year or FROM-TO with FROM <= TO.")
    return years[0], years[1]


def build_filters(
    agency: tuple[str, ...],
    fy: str | None,
    categories: tuple[str, ...] = (),
    exclude_categories: tuple[str, ...] = (),
    all_spending: bool = False,
    include_components: bool = False,
) -> Filters:
    codes = tuple(resolve_sub_agency(a).code for a in split_list(agency))
    fy_from, fy_to = parse_fy(fy)
    definition = chosen(
        all_spending, include_components, categories, exclude_categories
    )
    return Filters(codes, fy_from, fy_to, definition)


def check_categories(stated: Definition) -> None:
    """Refuse a --categories / --exclude-categories name that is neither in the
    taxonomy nor in the store (a typo would otherwise count nothing, silently)."""
    if not stated.classified:
        return
    known = set(known_categories(stated.categories_present)) | set(NOT_COUNTED)
    for flag, names in (
        ("--categories", stated.categories),
        ("--exclude-categories", stated.exclude_categories),
    ):
        unknown = [n for n in names if n not in known]
        if unknown:
            raise InputError(
                f"{flag}: unknown category {', '.join(map(repr, unknown))}. "
                f"Categories: {', '.join(sorted(known))} "
                "(`custodes analyse totals --by category --all-spending` lists them)."
            )


def scope_args(
    agency: tuple[str, ...],
    fy: str | None,
    categories: tuple[str, ...] = (),
    exclude_categories: tuple[str, ...] = (),
    all_spending: bool = False,
    include_components: bool = False,
) -> list[str]:
    """The scope as CLI options again, so printed commands reproduce the figure."""
    args: list[str] = []
    for a in split_list(agency):
        args += ["--agency", a]
    if fy:
        args += ["--fy", fy]
    definition = chosen(
        all_spending, include_components, categories, exclude_categories
    )
    return args + definition.cli_args()


def scope_options(func: F) -> F:
    """--agency, --fy, and what counts: --categories, --exclude-categories,
    --all-spending, --include-components."""
    options = [
        click.option(
            "--agency",
            multiple=True,
            help="Awarding sub-agency: ICE, CBP or a code like 7012. Repeatable.",
        ),
        click.option(
            "--fy", default=None, help="Fiscal year or range, e.g. 2021-2024."
        ),
        click.option(
            "--categories",
            multiple=True,
            help="Count only these classification categories (comma-separated).",
        ),
        click.option(
            "--exclude-categories",
            multiple=True,
            help="Leave out these classification categories (comma-separated).",
        ),
        click.option(
            "--all-spending",
            is_flag=True,
            help="Count every contract, not only awards classified as surveillance "
            "(the default).",
        ),
        click.option(
            "--include-components",
            is_flag=True,
            help="Also count awards that buy a surveillance component inside a larger "
            "purchase (construction, vehicles), under the component's category.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def engine_options(func: F) -> F:
    """--engine, --source, --spark-master."""
    options = [
        click.option(
            "--engine",
            type=click.Choice(ENGINES),
            default="duckdb",
            show_default=True,
            help="Where the analysis runs.",
        ),
        click.option(
            "--source",
            default=None,
            help="duckdb: store path (default --db); spark: Parquet folder from "
            "`custodes analyse export --parquet` or catalog:DATABASE; postgres: "
            "postgresql://USER@HOST:PORT/DB.",
        ),
        click.option(
            "--spark-master",
            default="local[2]",
            show_default=True,
            help="Spark master URL, e.g. spark://HOST:7077 for a cluster.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func
