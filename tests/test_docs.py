"""The docs cover every command and every setting."""

from __future__ import annotations

import dataclasses
import importlib.util
import re

from custodes.settings import HELP, Settings
from tests.conftest import ROOT


def load_reference():
    spec = importlib.util.spec_from_file_location(
        "cli_reference", ROOT / "scripts" / "cli_reference.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_setting_is_documented_with_help_and_env_var():
    text = (ROOT / "docs" / "settings.md").read_text()
    for field in dataclasses.fields(Settings):
        assert f"`{field.name}`" in text, field.name
        assert f"CUSTODES_{field.name.upper()}" in text, field.name
        assert field.name in HELP, f"{field.name} has no help text"


def test_every_command_is_in_the_cli_reference():
    ref = load_reference()
    text = (ROOT / "docs" / "cli.md").read_text()
    headings = set(re.findall(r"^## (.+)$", text, flags=re.M))
    missing = [p for p in ref.command_paths() if p not in headings]
    assert not missing, f"run scripts/cli_reference.py; undocumented: {missing}"


def test_every_command_has_help_text():
    ref = load_reference()
    from custodes.cli import main

    for path, cmd in ref.iter_commands(main, ["custodes"]):
        assert (cmd.help or "").strip(), f"{' '.join(path)} has no help text"


def test_readme_gives_the_two_commands_and_ci_runs_the_second():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Two commands.*?```sh\n(.*?)```", readme, flags=re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert len(commands) == 2
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci
