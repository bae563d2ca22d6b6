"""Surveillance components inside larger purchases: the awards a figure does not count.

`custodes classify` gives an award the category of its dominant purchase. A border
barrier whose description lists cameras, or a vehicle order with sensors, stays `none`,
and classify writes, in additive columns of `classification`, the surveillance category
of the component (`component_category`), the evidence for it (`component_evidence`,
JSON), whether only a vendor profile suggested it (`profile_only`) and whether signals
conflicted (`conflict`). A store classified before those columns existed has none of
them: they read as NULL.

By default such awards do not count (custodes/figures/definition.py,
`include_components`). Every figure can then show them on their own line — "not
counted: N awards, $X, buying surveillance components inside a larger purchase" —
with `not_counted` (analyses and reports, any engine) or `not_counted_sql` (the web
app's serve_award table). Both answer the same question and are compared in the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from custodes.figures.definition import NOT_SURVEILLANCE, Definition

# classify's additive columns, and their type where a store lacks them.
COMPONENT_COLUMNS = {
    "component_category": "VARCHAR",
    "component_evidence": "VARCHAR",
    "profile_only": "BOOLEAN",
    "conflict": "BOOLEAN",
}

LINE = (
    "not counted: {awards:,} award(s), ${usd:,.2f}, buying surveillance components "
    "inside a larger purchase"
)


def component_columns_sql(rows: Callable[[str], list[dict[str, Any]]]) -> str:
    """Select-list SQL for COMPONENT_COLUMNS of `classification` (alias c), NULL of
    the right type for each one the store lacks. ROWS(sql) runs a query."""
    present = {
        r["column_name"]
        for r in rows(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'classification'"
        )
    }
    return ", ".join(
        f"c.{name}" if name in present else f"NULL::{kind} AS {name}"
        for name, kind in COMPONENT_COLUMNS.items()
    )


def line(figure: dict[str, Any]) -> str:
    """The one-line statement for a not_counted result."""
    return LINE.format(awards=figure["awards"], usd=figure["obligation_usd"])


INCLUDED = (
    "counted: {awards:,} award(s), ${usd:,.2f}, buying surveillance components inside "
    "a larger purchase, each under its component's category (--include-components)"
)


def included_line(figure: dict[str, Any]) -> str:
    """The statement when the definition counts them (include_components)."""
    return INCLUDED.format(awards=figure["awards"], usd=figure["obligation_usd"])


def left_out(definition: Definition, values: list[str]) -> list[str]:
    """Of the component categories VALUES, those whose awards DEFINITION does not
    count (an award of category `none` with that component)."""
    return sorted(c for c in set(values) if not definition.counts(NOT_SURVEILLANCE, c))


def not_counted(src: Any, filters: Any) -> dict[str, Any]:
    """Awards in FILTERS' scope (agencies, fiscal years) whose category is `none`
    but that buy a surveillance component, and that FILTERS' definition does not
    count: their number, net obligations in scope and a break-down by component
    category. Nothing when the definition counts them (--include-components,
    --all-spending)."""
    from custodes.figures import analyses
    from custodes.figures.frame import Filters, build_frame

    definition: Definition = filters.definition
    values = _component_values(src)
    missing = left_out(replace(definition, classified=True), values)
    if not missing:
        return _result(definition, {"awards": 0, "obligation_usd": None}, [])
    scope = Filters(
        filters.sub_agencies,
        filters.fy_from,
        filters.fy_to,
        Definition(categories=(NOT_SURVEILLANCE,)),
    )
    t = build_frame(src, scope)
    t = t.filter(t.component_category.isin(missing))
    sums = {
        "obligation_usd": t.obligation_usd.sum().cast(analyses.MONEY),
        "awards": t.award_key.nunique(),
    }
    rows = analyses.fetch(
        t.group_by("component_category")
        .aggregate(**sums)
        .order_by("component_category")
    )
    return _result(definition, analyses.fetch(t.aggregate(**sums))[0], rows)


def not_counted_by(src: Any, filters: Any, dims: Any) -> dict[tuple[Any, ...], Any]:
    """The same figure for each group of a figure grouped by DIMS (frame
    Dimensions): {group key values: {"awards", "obligation_usd"}}, the key values in
    DIMS' order. A fiscal year's group holds the awards acted on that year and their
    net obligations that year; under `category`, an award counts in its component's
    category (where --include-components would count it). Groups without such
    awards are absent; nothing when the definition counts them."""
    from custodes.figures import analyses
    from custodes.figures.frame import Filters, build_frame

    definition: Definition = filters.definition
    missing = left_out(replace(definition, classified=True), _component_values(src))
    if not missing:
        return {}
    scope = Filters(
        filters.sub_agencies,
        filters.fy_from,
        filters.fy_to,
        Definition(categories=(NOT_SURVEILLANCE,)),
    )
    t = build_frame(src, scope, [d for d in dims if d.name != "category"])
    t = t.filter(t.component_category.isin(missing))
    keys = list(
        dict.fromkeys(
            "component_category" if d.name == "category" else d.key for d in dims
        )
    )
    rows = analyses.fetch(
        t.group_by(keys).aggregate(
            obligation_usd=t.obligation_usd.sum().cast(analyses.MONEY),
            awards=t.award_key.nunique(),
        )
    )
    return {
        tuple(r[k] for k in keys): {
            "awards": int(r["awards"] or 0),
            "obligation_usd": r["obligation_usd"] or Decimal("0.00"),
        }
        for r in rows
    }


def _component_values(src: Any) -> list[str]:
    """The component categories classify wrote ([] for a store without them)."""
    if not src.has("classification"):
        return []
    cls = src.table("classification")
    if "component_category" not in cls.columns:
        return []
    found = cls.component_category.as_table().distinct().to_pyarrow().to_pylist()
    return [r["component_category"] for r in found if r["component_category"]]


def _result(
    definition: Definition, total: dict[str, Any], rows: list[dict[str, Any]]
) -> dict[str, Any]:
    figure = {
        "awards": int(total["awards"] or 0),
        "obligation_usd": total["obligation_usd"] or Decimal("0.00"),
        "by_component": rows,
        "definition": definition.name,
    }
    figure["line"] = line(figure)
    return figure


def not_counted_sql(
    definition: Definition, agency: str | None = None, component: str | None = None
) -> tuple[str, list[Any]]:
    """The same figure over the web app's serve_award (one row per award, whole
    award), for one awarding sub-agency or all, one COMPONENT category or all.
    DEFINITION must be stated (its categories_present name the component categories
    in the store)."""
    missing = left_out(definition, list(definition.categories_present))
    if component is not None:
        missing = [c for c in missing if c == component]
    marks = ", ".join("?" for _ in missing) or "NULL"
    sql = (
        "SELECT count(*) AS awards, coalesce(sum(obligation_usd), 0) AS obligation_usd "
        "FROM serve_award WHERE category = ? "
        f"AND component_category IN ({marks})"
    )
    params: list[Any] = [NOT_SURVEILLANCE, *missing]
    if agency:
        sql += " AND agency_code = ?"
        params.append(agency)
    return sql, params
