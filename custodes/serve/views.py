"""What a page returns (a View) and how one View becomes HTML, JSON or CSV.

The API is the site with a different suffix: /search is the page, /search.json the
same result as JSON, /search.csv one of its tables as CSV (?table=NAME picks which).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from custodes.console import to_jsonable
from custodes.csvfile import dicts_text
from custodes.errors import InputError

FORMATS = ("html", "json", "csv")


@dataclass
class Table:
    """A table shown on a page and exported as CSV/JSON. columns: (key, heading)."""

    columns: list[tuple[str, str]]
    rows: list[dict[str, Any]]
    caption: str = ""
    money: tuple[str, ...] = ()
    links: dict[str, str] = field(
        default_factory=dict
    )  # column -> url template {value}


@dataclass
class View:
    """One page's result. `data` holds everything that is not a table."""

    template: str
    title: str
    data: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    status: int = 200

    def as_dict(self) -> dict[str, Any]:
        return to_jsonable(
            {
                "title": self.title,
                "data": self.data,
                "tables": {
                    name: with_record_urls(t.rows) for name, t in self.tables.items()
                },
                "notices": self.notices,
            }
        )


def with_record_urls(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ROWS of a table of awards (rows with an award_key), each with its page on
    usaspending.gov as `usaspending_url`, in .json as in .csv; other rows as given."""
    from custodes import sources

    return [
        {**r, "usaspending_url": sources.record_url(str(r.get("award_key") or ""))}
        if "award_key" in r and "usaspending_url" not in r
        else r
        for r in rows
    ]


# The sidecar of a .csv answer (CSV on the Web's name for it): what the table counts.
META_SUFFIX = "csv-metadata.json"
META_KEYS = ("definition", "coverage", "reviewed", "not_counted")


def split_suffix(value: str) -> tuple[str, str]:
    """'award-key.json' -> ('award-key', 'json'); no known suffix -> (value, 'html');
    'x.csv-metadata.json' -> ('x', 'csvmeta')."""
    if value.endswith("." + META_SUFFIX):
        return value[: -len(META_SUFFIX) - 1], "csvmeta"
    for fmt in ("json", "csv"):
        if value.endswith("." + fmt):
            return value[: -len(fmt) - 1], fmt
    return value, "html"


def csv_columns(view: View, table_name: str | None) -> tuple[str, list[str]]:
    """The table a .csv answer exports and its columns (InputError if none)."""
    if not view.tables:
        raise InputError("This view has no table to export as CSV. Use .json instead.")
    name = table_name or next(iter(view.tables))
    if name not in view.tables:
        raise InputError(
            f"No table {name!r} in this view. Tables: " + ", ".join(view.tables) + "."
        )
    table = view.tables[name]
    keys = (
        [k for k, _ in table.columns]
        if table.columns
        else list(table.rows[0].keys() if table.rows else [])
    )
    # A page that counts under a Definition says so in each row of its CSV tables.
    if stated_definition(view) is not None and "definition" not in keys:
        keys = [*keys, "definition"]
    return name, keys


def stated_definition(view: View) -> str | None:
    """The one-line statement of the Definition a view counted under, if any."""
    stated = view.data.get("definition")
    return str(stated["short"]) if isinstance(stated, dict) else None


def render_csv_metadata(view: View, table_name: str | None, csv_url: str) -> str:
    """The sidecar of a .csv answer: the table's columns, and what the view's figures
    count (definition), cover (coverage, data through), leave out (not counted) and
    how much a person reviewed; generated when."""
    from datetime import UTC, datetime

    name, keys = csv_columns(view, table_name)
    table = view.tables[name]
    headings = dict(table.columns)
    meta: dict[str, Any] = {
        "@context": "http://www.w3.org/ns/csvw",
        "url": csv_url,
        "dc:title": table.caption or view.title,
        "tableSchema": {
            "columns": [{"name": k, "titles": headings.get(k, k)} for k in keys]
        },
        "generated_at": datetime.now(UTC).replace(microsecond=0, tzinfo=None),
    }
    for key in META_KEYS:
        if key in view.data:
            meta[key] = view.data[key]
    cover = view.data.get("coverage")
    if isinstance(cover, dict):
        meta["data_through"] = cover.get("data_through")
    if any(k == "award_key" for k in keys):
        meta["links"] = (
            "usaspending_url: each award's page on usaspending.gov "
            "(https://www.usaspending.gov/award/<generated award id>)"
        )
    return json.dumps(to_jsonable(meta), ensure_ascii=False, indent=2)


def render_json(view: View) -> str:
    return json.dumps(view.as_dict(), ensure_ascii=False)


def render_csv(view: View, table_name: str | None) -> str:
    """One table as CSV; a table of awards gains `usaspending_url` (each award's page
    on usaspending.gov)."""
    name, keys = csv_columns(view, table_name)
    rows = view.tables[name].rows
    stated = stated_definition(view)
    if stated is not None:
        rows = [{"definition": stated, **r} for r in rows]
    if "award_key" in keys:
        keys = [*keys, "usaspending_url"]
        rows = with_record_urls(rows)
    # custodes/csvfile.py: formula-like text neutralised, numbers kept, CR/LF quoted
    return dicts_text(keys, rows)


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    """The one error shape of the API."""
    return {"error": {"status": status, "code": code, "message": message}}
