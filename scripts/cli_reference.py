"""Write docs/cli.md from the commands' own --help texts.

.venv/bin/python scripts/cli_reference.py          # rewrite docs/cli.md
.venv/bin/python scripts/cli_reference.py --check  # exit 1 if docs/cli.md is stale
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from custodes.cli import all_commands  # noqa: E402

main = all_commands()
TARGET = ROOT / "docs" / "cli.md"


def iter_commands(
    cmd: click.Command, path: list[str]
) -> Iterator[tuple[list[str], click.Command]]:
    yield path, cmd
    if isinstance(cmd, click.Group):
        for name in sorted(cmd.commands):
            yield from iter_commands(cmd.commands[name], [*path, name])


def render() -> str:
    parts = [
        "# Command reference\n",
        "Generated from `--help` by `scripts/cli_reference.py`; do not edit by hand.\n",
    ]
    for path, cmd in iter_commands(main, ["custodes"]):
        ctx = click.Context(cmd, info_name=" ".join(path), terminal_width=88)
        parts.append(f"## {' '.join(path)}\n\n```\n{cmd.get_help(ctx)}\n```\n")
    return "\n".join(parts)


def command_paths() -> list[str]:
    return [" ".join(p) for p, _ in iter_commands(main, ["custodes"])]


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(
            0
            if TARGET.read_text() == text
            else "docs/cli.md is stale: run scripts/cli_reference.py"
        )
    TARGET.write_text(text)
    print(f"wrote {TARGET}")
