"""What every command shares: the --db and --json options, Settings, and output."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import click
from rich import box
from rich.console import Console
from rich.table import Table

from custodes.settings import HELP, Settings

F = TypeVar("F", bound=Callable[..., Any])

console = Console()
err_console = Console(stderr=True)


def db_option(func: F) -> F:
    """Add --db to a command. The value wins over CUSTODES_DB and the group's --db."""

    @click.option(
        "--db", "db", type=click.Path(path_type=Path), default=None, help=HELP["db"]
    )
    @functools.wraps(func)
    def wrapper(*args: Any, db: Path | None = None, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        root = ctx.find_root().obj or {}
        settings = Settings.from_env(db=db or root.get("db"))
        return ctx.invoke(func, *args, settings=settings, **kwargs)

    return wrapper  # type: ignore[return-value]


def json_option(func: F) -> F:
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print machine-readable JSON instead of tables.",
    )(func)


def to_jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # exact to the cent; JSON numbers would be binary floats
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value


def print_json(data: Any) -> None:
    click.echo(json.dumps(to_jsonable(data), indent=2, ensure_ascii=False))


def money(value: Decimal | int | float | None) -> str:
    """$1,234.50; a negative amount (a deobligation) as -$1,234.50, not $-1,234.50."""
    if value is None:
        return "—"
    amount = Decimal(value)
    return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"


def table(
    title: str | None,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    justify_right: Sequence[str] = (),
    no_wrap: Sequence[str] = (),
    compact: bool = False,
) -> Table:
    """A table of ROWS. NO_WRAP: columns kept on one line (ids, amounts, dates: the
    others wrap to make room). COMPACT: a rule under the header only, one space
    between columns and none at the edges, for tables of many columns that must read
    at 80 columns."""
    if compact:
        t = Table(
            title=title,
            title_justify="left",
            header_style="bold",
            box=box.SIMPLE_HEAD,
            padding=(0, 0),
            show_edge=False,
        )
    else:
        t = Table(title=title, title_justify="left", header_style="bold")
    for col in columns:
        t.add_column(
            col,
            justify="right" if col in justify_right else "left",
            overflow="fold",
            no_wrap=col in no_wrap,
        )
    for row in rows:
        t.add_row(*("" if v is None else str(v) for v in row))
    return t
