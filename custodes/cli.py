"""The `custodes` command. Each stage registers its own commands (STAGE/commands.py)."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
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
    "custodes.ingest.show_commands",
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


# Top-level commands run with their own stage module alone imported: a `custodes
# refresh` or `ingest` does not load the web app, the data web, the analyses and
# their libraries first (about 0.6 s of CPU at every start). Any other command, a
# subcommand of `eval` (several stages add to it) and --help load every stage module.
COMMAND_MODULES = {
    "ingest": "custodes.ingest.commands",
    "refresh": "custodes.figures.refresh_commands",
    "sync": "custodes.sync.commands",
}


def load_commands(group: click.Group, modules: Sequence[str] = STAGE_COMMANDS) -> None:
    """Register the commands of MODULES (default: every stage's) on GROUP."""
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a stage not built yet
            if exc.name != name:
                raise
            continue
        module.register(group)


class Group(click.Group):
    """Turns CustodesError into `Error: ...` and the error's exit code; loads the
    stages' commands when first asked for (COMMAND_MODULES)."""

    loaded = False

    def load(self) -> None:
        if not self.loaded:
            self.loaded = True
            load_commands(self)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMAND_MODULES.get(cmd_name)
        if module is None:
            self.load()
        elif cmd_name not in self.commands:
            load_commands(self, [module])
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self.load()
        return super().list_commands(ctx)

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
        except OSError as exc:
            # A file custodes was told to read or write (--csv, --out, ...) that
            # cannot be: one line naming it, not a traceback. Other OS errors (no
            # file named) stay what they are.
            if exc.filename is None:
                raise
            err_console.print(
                f"[bold red]Error:[/] {escape(os.fsdecode(exc.filename))}: "
                f"{escape(exc.strerror or str(exc))}. Check the path and its "
                "permissions (a file custodes writes goes into an existing folder).",
                highlight=False,
                markup=True,
                soft_wrap=True,
            )
            sys.exit(1)


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


def all_commands() -> click.Group:
    """The `custodes` group with every stage's commands registered (for tools that
    walk `main.commands`, e.g. scripts/cli_reference.py)."""
    main.load()
    return main
