"""`custodes report spending`: figures, definition, and the command behind each
figure."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from custodes import __version__
from custodes.analyse.engines import Source
from custodes.analyse.options import check_categories
from custodes.figures.definition import (
    Definition,
    category_label,
    stated_from_source,
)
from custodes.figures.frame import DIMENSIONS, Dimension, Filters

SOURCE_NAME = "USAspending.gov contract transactions (awarding agency data, FPDS)"


@dataclass
class Scope:
    """What the reader asked for, in their words, to repeat in titles and commands."""

    agency: str | None
    by: str
    filters: Filters
    cli_args: list[str]  # scope and definition as CLI options, for `analyse explain`

    @property
    def years(self) -> str:
        f = self.filters
        if f.fy_from is None and f.fy_to is None:
            return "all fiscal years"
        if f.fy_from == f.fy_to:
            return f"FY{f.fy_from}"
        return f"FY{f.fy_from or '…'}–FY{f.fy_to or '…'}"


def figure_label(dim: Dimension, row: dict[str, Any]) -> str:
    key = row[dim.key]
    if dim.name == "category":
        return category_label(str(key))
    if dim.name == "month":
        return f"{int(key) // 100}-{int(key) % 100:02d}"
    return str(row.get(f"{dim.name}_label") or key)


def explain_command(scope: Scope, dims: list[Dimension], row: dict[str, Any]) -> str:
    values = [
        figure_label(d, row) if d.name == "month" else str(row[d.key]) for d in dims
    ]
    args = ["custodes", "analyse", "explain", "--by", ",".join(d.name for d in dims)]
    for v in values:
        args += ["--value", v]
    return shlex.join([*args, *scope.cli_args])


def source_line(definition: Definition) -> str:
    versions = (
        f"custodes {__version__}, taxonomy {definition.taxonomy_version or 'n/a'}, "
        f"rules {definition.rules_version or 'n/a'}"
    )
    return f"Source: {SOURCE_NAME}; analysis: {versions}; counted: {definition.name}."


def build_report(src: Source, scope: Scope, top_n: int = 10) -> dict[str, Any]:
    """All figures of a spending report, as plain data (Decimal money)."""
    from custodes.figures import analyses, review
    from custodes.figures.about import about

    dim = DIMENSIONS[scope.by]
    definition = stated_from_source(src, scope.filters.definition)
    check_categories(definition)
    by_rows = analyses.totals(src, [dim.name], scope.filters)
    fy_rows = analyses.year_over_year(src, scope.filters)
    kinds = analyses.totals(src, ["fiscal_year", "kind"], scope.filters)
    matrix = (
        analyses.totals(src, [dim.name, "fiscal_year"], scope.filters)
        if dim.name not in ("fiscal_year", "month")
        else []
    )
    for rows, dims in (
        (by_rows, [dim]),
        (fy_rows, [DIMENSIONS["fiscal_year"]]),
        (kinds, [DIMENSIONS["fiscal_year"], DIMENSIONS["kind"]]),
        (matrix, [dim, DIMENSIONS["fiscal_year"]]),
    ):
        for r in rows:
            r["label"] = figure_label(dims[0], r)
            r["explain"] = explain_command(scope, dims, r)
            r["definition"] = definition.short
    for r in by_rows:
        r["reviewed_share"] = review.share(r["obligation_usd"], r["reviewed_usd"])
    total = sum((r["obligation_usd"] for r in by_rows), start=Decimal("0.00"))
    info = about(src, scope.filters, by_rows)
    # each year's coverage, as `analyse yoy` gives it (complete, sample, partial, ...)
    status = {y["fiscal_year"]: y["status"] for y in info["coverage"]["years"]}
    for r in fy_rows:
        r["coverage"] = status.get(r["fiscal_year"])
    return {
        "title": report_title(scope, definition),
        "chart_title": f"{scope.agency or 'DHS'} "
        f"{'surveillance contracts' if surveillance(definition) else 'contracts'}",
        "generated_at": datetime.now(UTC).replace(microsecond=0, tzinfo=None),
        "custodes_version": __version__,
        "engine": src.engine,
        "scope": {"agency": scope.agency, "fiscal_years": scope.years, "by": dim.name},
        "definition": definition.to_dict(),
        "source": source_line(definition),
        "total_usd": total,
        "transactions": sum(r["transactions"] for r in by_rows),
        "by": by_rows,
        "by_fiscal_year": fy_rows,
        "kinds": kinds,
        "matrix": matrix,
        "top_awards": _with_links(analyses.top_awards(src, scope.filters, top_n)),
        "not_counted": info["not_counted"],
        "reviewed": info["reviewed"],
        "coverage": info["coverage"],
        "data_through": info["data_through"],
        "links": info["links"],
    }


def surveillance(definition: Definition) -> bool:
    """Whether the figures count surveillance only (not every contract)."""
    return bool(definition.classified) and (
        not definition.all_spending or bool(definition.categories)
    )


def report_title(scope: Scope, definition: Definition) -> str:
    who = scope.agency or "DHS"
    what = (
        "surveillance contract spending"
        if surveillance(definition)
        else "contract spending"
    )
    return f"{who} {what}, {scope.years}, by {scope.by.replace('_', ' ')}"


def _with_links(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each award row with its page on usaspending.gov (`usaspending_url`)."""
    from custodes import sources

    for r in rows:
        r["usaspending_url"] = sources.record_url(r["award_key"])
    return rows
