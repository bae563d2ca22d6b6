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
                "tables": {name: t.rows for name, t in self.tables.items()},
                "notices": self.notices,
            }
        )


def split_suffix(value: str) -> tuple[str, str]:
    """'award-key.json' -> ('award-key', 'json'); no known suffix -> (value, 'html')."""
    for fmt in ("json", "csv"):
        if value.endswith("." + fmt):
            return value[: -len(fmt) - 1], fmt
    return value, "html"


def render_json(view: View) -> str:
    return json.dumps(view.as_dict(), ensure_ascii=False)


def render_csv(view: View, table_name: str | None) -> str:
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
    # custodes/csvfile.py: formula-like text neutralised, numbers kept, CR/LF quoted
    return dicts_text(keys, table.rows)


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    """The one error shape of the API."""
    return {"error": {"status": status, "code": code, "message": message}}
