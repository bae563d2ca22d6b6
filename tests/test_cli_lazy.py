"""The `custodes` command imports a stage's module alone for the commands of
COMMAND_MODULES (custodes/cli.py), and every stage's for the others."""

from __future__ import annotations

import subprocess
import sys

import click

from custodes.cli import COMMAND_MODULES, STAGE_COMMANDS, load_commands


def _group() -> click.Group:
    group = click.Group("custodes")
    group.add_command(click.Group("eval"))
    return group


def test_each_listed_command_is_the_one_its_module_registers() -> None:
    everything = _group()
    load_commands(everything)
    for name, module in COMMAND_MODULES.items():
        assert module in STAGE_COMMANDS
        alone = _group()
        load_commands(alone, [module])
        # the same command whether its module is loaded alone or with every stage
        assert alone.commands[name] is everything.commands[name], name


def test_refresh_starts_without_the_other_stages() -> None:
    code = (
        "import sys\n"
        "from custodes.cli import main\n"
        "try:\n"
        "    main(['refresh', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "others = ('custodes.serve.app', 'custodes.analyse.commands',"
        " 'custodes.classify.evalcli', 'custodes.sync.commands')\n"
        "print(sorted(m for m in others if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "Bring every derived table up to date" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_other_commands_and_help_still_see_every_stage() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "custodes", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for name in ("analyse", "classify", "refresh", "serve", "sync", "search"):
        assert f"\n  {name} " in done.stdout, name
    done = subprocess.run(
        [sys.executable, "-m", "custodes", "eval", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "classify" in done.stdout and "resolve" in done.stdout
