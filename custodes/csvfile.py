"""Every CSV file custodes writes, safe to open in a spreadsheet.

A spreadsheet program reads a cell that begins with `=`, `+`, `-`, `@`, a tab or a
carriage return as a formula, and some do after leading spaces too: a recipient or
a description crafted as `=HYPERLINK("http://...")` would run when a reporter opens
an export. Every CSV writer in custodes (classify --export, analyse and report CSVs,
the web app's .csv pages, review export) writes its cells through `cell` and its
files through `Writer`, so that:

- a text cell whose first character, or first after leading whitespace, is one of
  FORMULA_START gets one leading apostrophe (the usual neutraliser: remove that one
  apostrophe to get the stored value back);
- numbers stay numbers: an int, a float or a Decimal (money, exact to the cent) is
  written as its digits, and text that is a plain number (`-12.50`, `1e3`) is left
  alone, so a negative obligation is a number, not a neutralised formula;
- a cell holding a carriage return or a line feed is quoted (rows end with CRLF, as
  RFC 4180 says, so the csv module quotes both).

`write_metadata` writes the sidecar a CSV export carries (what the figures count,
which years the store covers, as of when): FILE.csv-metadata.json, the name CSV on
the Web (W3C) tools look for.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Text that is a plain number; spreadsheets read it as that number, never a formula.
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet could read TEXT as a formula."""
    if NUMBER.fullmatch(text):
        return False
    return text[:1] in FORMULA_START or text.lstrip()[:1] in FORMULA_START


def cell(value: Any) -> Any:
    """VALUE as written into a CSV cell: numbers as numbers, dates as ISO text,
    lists and mappings as JSON, None as empty, formula-like text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return str(value)  # exact to the cent
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple, dict)):
        value = json.dumps(_plain(value), ensure_ascii=False)
    text = str(value)
    return "'" + text if formula_like(text) else text


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class Writer:
    """A csv writer whose every cell goes through `cell`; rows end with CRLF."""

    def __init__(self, fh: IO[str]):
        self._w = csv.writer(fh, lineterminator="\r\n")

    def row(self, values: Iterable[Any]) -> None:
        self._w.writerow([cell(v) for v in values])

    def rows(self, rows: Iterable[Iterable[Any]]) -> None:
        self._w.writerows([cell(v) for v in row] for row in rows)


def write_dicts(
    fh: IO[str], columns: Sequence[str], rows: Iterable[dict[str, Any]]
) -> int:
    """A header of COLUMNS and one line per mapping (missing keys empty); returns the
    number of rows."""
    w = Writer(fh)
    w.row(columns)
    n = 0
    for r in rows:
        w.row(r.get(c) for c in columns)
        n += 1
    return n


def dicts_text(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    """write_dicts into a string (the web app's .csv answers)."""
    import io

    out = io.StringIO()
    write_dicts(out, columns, rows)
    return out.getvalue()


def metadata_path(path: Path) -> Path:
    """Where the sidecar of the CSV file PATH goes: PATH-metadata.json."""
    return path.with_name(path.name + "-metadata.json")


def write_metadata(path: Path, columns: Sequence[str], about: dict[str, Any]) -> Path:
    """Write the sidecar of the CSV file PATH: its columns and ABOUT (definition,
    coverage, as-of date, ...). Returns the sidecar's path."""
    meta = {
        "@context": "http://www.w3.org/ns/csvw",
        "url": path.name,
        "tableSchema": {"columns": [{"name": c, "titles": c} for c in columns]},
        **_plain(about),
    }
    target = metadata_path(path)
    target.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    return target
