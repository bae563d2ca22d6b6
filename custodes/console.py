"""What every command shares: the --db and --json options, Settings, and output."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any, TypeVar

import click
from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

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


def money(value: Decimal | int | float | None, cents: bool = True) -> str:
    """$1,234.50; a negative amount (a deobligation) as -$1,234.50, not $-1,234.50;
    without CENTS, whole dollars rounded half to even ($1,234). The one money format
    of every printed sentence and table (the figures' lines, the digest, the
    coverage statements)."""
    if value is None:
        return "—"
    amount = Decimal(value)
    if not cents:
        # abs: a loss rounded to nothing is $0, not -$0
        amount = amount.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        amount = abs(amount) if amount == 0 else amount
    form = ",.2f" if cents else ","
    return f"-${-amount:{form}}" if amount < 0 else f"${amount:{form}}"


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


def fitted_table(
    title: str | None,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    width: int,
    justify_right: Sequence[str] = (),
    whole: Sequence[str] = (),
) -> Group | str:
    """ROWS at WIDTH columns with no word broken: the WHOLE columns (ids, dates,
    amounts: what a reader copies) on one line each, the others wrapped between words.
    A compact table (one space between columns, a rule under the header) when its
    columns fit, each wrapped column at least as wide as its longest word; else each
    row as a line of its whole cells with the other cells on the lines below,
    indented and wrapped between words (a string, to print with markup off)."""
    import textwrap

    cells = [["" if v is None else str(v) for v in row] for row in rows]
    every = [list(columns), *cells]
    wraps = [c not in whole for c in columns]

    def longest(i: int, words: bool) -> int:
        parts = (x[i].split() if words else x[i].splitlines() for x in every)
        return max((len(p) for part in parts for p in part), default=0)

    natural = [longest(i, False) for i in range(len(columns))]
    least = [longest(i, wrap) for i, wrap in enumerate(wraps)]
    room = width - (len(columns) - 1)
    if sum(least) <= room:
        sizes = list(natural)
        if sum(natural) > room:  # share what the wrapped columns may use
            spare = room - sum(least)
            slack = [
                n - m if w else 0 for n, m, w in zip(natural, least, wraps, strict=True)
            ]
            total = sum(slack) or 1
            shares = zip(least, slack, strict=True)
            sizes = [m + spare * s // total for m, s in shares]
        t = Table(header_style="bold", box=box.SIMPLE_HEAD, padding=(0, 0))
        t.show_edge = False
        for col, size, wrap in zip(columns, sizes, wraps, strict=True):
            t.add_column(
                col,
                justify="right" if col in justify_right else "left",
                width=size,
                no_wrap=not wrap,
                overflow="fold",
            )
        for row in cells:
            t.add_row(*row)
        return Group(Text(title), t) if title else Group(t)
    keep = [i for i, wrap in enumerate(wraps) if not wrap]

    def line(row: list[str]) -> str:
        return " ".join(
            row[i].rjust(natural[i])
            if columns[i] in justify_right
            else row[i].ljust(natural[i])
            for i in keep
        ).rstrip()

    lead = [] if keep else [0]  # no whole column: the first one heads each row
    out = [title] if title else []
    out.append(line(list(columns)) or columns[0])
    out.append("─" * min(width, len(out[-1])))
    for row in cells:
        if keep:
            out.append(line(row))
        else:
            out += textwrap.wrap(row[0], width=width, break_long_words=False,
                                 break_on_hyphens=False) or [""]  # fmt: skip
        for i, wrap in enumerate(wraps):
            if wrap and row[i] and i not in lead:
                out += textwrap.wrap(
                    f"{columns[i]}: {row[i]}",
                    width=width,
                    initial_indent="  ",
                    subsequent_indent="    ",
                    break_long_words=False,
                    break_on_hyphens=False,
                )
    return "\n".join(out)
