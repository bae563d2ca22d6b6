"""One function per page. Each takes a Ctx and returns a View; the app renders it as
HTML, JSON or CSV. Nothing here writes to the store or runs SQL from a request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from custodes.figures.definition import (
    DEFAULT,
    Definition,
    category_label,
    stated_from_sql,
)
from custodes.serve.dataweb_source import DatawebSource
from custodes.store.reader import Reader

__all__ = [
    "Ctx",
    "build_notices",
    "store_agency",
    "store_fiscal_year",
    "category_label",
    "load_taxonomy",
    "definition",
]

if TYPE_CHECKING:
    from custodes.search.engine import SearchEngine

NOT_CLASSIFIED = (
    "Categories are not built yet: run `custodes classify`, then "
    "`custodes serve --prepare`. Until then every award is 'unclassified'."
)
NOT_RESOLVED = (
    "Vendor resolution is not built yet: run `custodes resolve`. Until then "
    "each distinct recipient name is shown as its own vendor."
)
NOT_PREPARED = (
    "The web app's summary tables are missing: run `custodes serve --prepare` "
    "(or start `custodes serve`, which builds them)."
)


@dataclass
class Ctx:
    reader: Reader
    params: Mapping[str, str]
    dataweb: DatawebSource
    path: str = "/"
    extra: dict[str, Any] = field(default_factory=dict)
    search: SearchEngine | None = None  # the open store's search engine


@cache
def load_taxonomy() -> dict[str, dict[str, Any]]:
    """Categories by id from custodes/data/taxonomy/taxonomy.yaml; {} if absent."""
    try:
        text = (
            resources.files("custodes.data")
            .joinpath("taxonomy/taxonomy.yaml")
            .read_text()
        )
    except (FileNotFoundError, ModuleNotFoundError):
        return {}
    doc = yaml.safe_load(text) or {}
    cats = doc.get("categories", doc) if isinstance(doc, dict) else doc
    out: dict[str, dict[str, Any]] = {}
    for cat in cats or []:
        if isinstance(cat, dict) and cat.get("id"):
            out[str(cat["id"])] = cat
    return out


COMPONENTS = ("exclude", "include")


def chosen_definition(params: Mapping[str, str] | None) -> Definition:
    """The Definition a request asks for: the default everywhere, or with
    `components=include` the awards that buy surveillance components inside a larger
    purchase counted under the component's category (permalinks keep the
    parameter)."""
    from custodes.serve import params as P

    choice = P.choice(params or {}, "components", COMPONENTS, "exclude")
    return replace(DEFAULT, include_components=choice == "include")


def definition(reader: Reader, params: Mapping[str, str] | None = None) -> Definition:
    """The Definition the web app's figures count under (the default everywhere, or
    what PARAMS choose), stated against the open store; worked out once per store
    and choice."""
    chosen = chosen_definition(params)
    return reader.derived(
        f"definition:{chosen.name}",
        lambda r: stated_from_sql(chosen, lambda sql: r.rows(sql), r.has),
    )


def build_notices(reader: Reader) -> list[str]:
    notes = []
    if not reader.has("serve_award"):
        notes.append(NOT_PREPARED)
    if not reader.has("classification"):
        notes.append(NOT_CLASSIFIED)
    if not reader.has("vendor"):
        notes.append(NOT_RESOLVED)
    return notes


def store_agency(ctx: Ctx) -> str | None:
    """The ?agency= of CTX (ICE, CBP or a four-digit sub-agency code) as a code,
    refused with a clear 400 when the store holds no award of that sub-agency (it
    was a page of empty tables); None for every agency."""
    from custodes.errors import InputError
    from custodes.serve import params as P

    agency = P.agency(ctx.params)
    r = ctx.reader
    if agency is None or not r.has("serve_award"):
        return agency
    held: list[str] = r.derived(
        "agency_codes",
        lambda rd: [
            x["code"]
            for x in rd.rows(
                "SELECT DISTINCT agency_code AS code FROM serve_award "
                "WHERE agency_code IS NOT NULL ORDER BY 1",
                cache=False,
            )
        ],
    )
    if agency not in held:
        names = {v: k for k, v in P.AGENCIES.items()}
        listed = ", ".join(f"{c} ({names[c]})" if c in names else c for c in held)
        raise InputError(
            f"Parameter 'agency': the store holds no award of sub-agency {agency} "
            f"(it holds {listed or 'none'}). Use ICE, CBP or one of those codes, or "
            "leave agency out for every agency."
        )
    return agency


def store_fiscal_year(ctx: Ctx) -> int | None:
    """The ?fy= of CTX, refused with a clear 400 naming the fiscal years the store
    holds when it holds no data for that year of any agency (a page of empty tables
    otherwise); None for every year. A year held for another agency only is allowed:
    the page says its tables are empty for the agency chosen."""
    from datetime import date

    from custodes.errors import InputError
    from custodes.serve import params as P
    from custodes.serve.pages.coverage import coverage_summary

    fiscal_year = P.fiscal_year(ctx.params)
    if fiscal_year is None or not ctx.reader.has("serve_coverage"):
        return fiscal_year
    held = coverage_summary(ctx.reader, None, date.today())["fiscal_years"]
    if fiscal_year not in held:
        years = ", ".join(f"FY{y}" for y in held) or "none"
        raise InputError(
            f"Parameter 'fy': the store holds no data for FY{fiscal_year} "
            f"(fiscal years held: {years}). Choose one of those, or leave "
            "fy out for every year."
        )
    return fiscal_year
