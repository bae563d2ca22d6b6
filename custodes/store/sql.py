"""Quoting for SQL text: the one pair of helpers every module uses.

Values that can be parameters (`?`) should be parameters. Where SQL text itself must
carry a value (a path in `COPY ... TO`, `read_csv(...)`, a pattern built into a query)
it goes through `literal`; a table or column name goes through `ident`.
"""

from __future__ import annotations

from decimal import Decimal
from os import PathLike


def literal(value: str | PathLike[str] | int | float | Decimal | bool | None) -> str:
    """VALUE as a DuckDB SQL literal: text in single quotes with every quote doubled
    (DuckDB reads backslashes literally), numbers as written, booleans, NULL."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return f"'{value}'::DOUBLE"
        return repr(value)
    text = str(value.__fspath__()) if isinstance(value, PathLike) else value
    if not isinstance(text, str):
        raise TypeError(f"literal() takes text, a path, a number or None: {value!r}")
    if "\x00" in text:
        raise ValueError("SQL text cannot hold a NUL character")
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    """NAME as a quoted SQL identifier (a table or column): in double quotes, every
    double quote doubled."""
    if not isinstance(name, str):
        raise TypeError(f"ident() takes a name, not {name!r}")
    if "\x00" in name:
        raise ValueError("a SQL name cannot hold a NUL character")
    return '"' + name.replace('"', '""') + '"'
