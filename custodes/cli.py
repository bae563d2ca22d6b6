"""The `custodes` command. Each stage registers its own commands (STAGE/commands.py)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click
from rich.markup import escape

from custodes import __version__
from custodes.console import err_console
from custodes.errors import CustodesError
from custodes.settings import HELP

# Stage modules that add commands; each has `register(group)`. Order = --help order.
STAGE_COMMANDS = (
    "custodes.ingest.commands",
    "custodes.store.commands",
    "custodes.resolve.commands",
    "custodes.classify.commands",
    "custodes.classify.review_commands",
    "custodes.analyse.commands",
    "custodes.figures.commands",
    "custodes.figures.refresh_commands",
    "custodes.dataweb.commands",
    "custodes.sync.commands",
    "custodes.serve.commands",
    "custodes.search.commands",
    "custodes.demo",
)


class Group(click.Group):
    """Turns CustodesError into `Error: ...` and the error's exit code."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except CustodesError as exc:
            err_console.print(
                f"[bold red]Error:[/] {escape(str(exc))}",
                highlight=False,
                markup=True,
                soft_wrap=True,
            )
            sys.exit(exc.exit_code)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="custodes")
@click.option("--db", type=click.Path(path_type=Path), default=None, help=HELP["db"])
@click.pass_context
def main(ctx: click.Context, db: Path | None) -> None:
    """custodes: follow the money and the data behind government surveillance.

    Build a store of DHS contract transactions (ingest, sync), resolve vendors,
    classify surveillance purchases, analyse spending, explore the cited data web,
    and serve it all as a web app. Every command takes --db (or CUSTODES_DB).
    """
    ctx.obj = {"db": db}


@main.group("eval")
def eval_group() -> None:
    """Measure custodes against labelled data (vendor resolution, classification)."""


for _name in STAGE_COMMANDS:
    try:
        _module = importlib.import_module(_name)
    except ModuleNotFoundError as _exc:  # a stage not built yet
        if _exc.name != _name:
            raise
        continue
    _module.register(main)
