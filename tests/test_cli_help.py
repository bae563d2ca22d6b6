"""Every option of every `custodes` command says what it does in `--help` (and so in
docs/cli.md). The options listed in UNEXPLAINED lack it in packages this test does
not own; they were reported to the lead (wave 8, qa8) and leave the list when
mended. An option added without help fails."""

from __future__ import annotations

import click

from custodes.cli import all_commands

UNEXPLAINED = {
    ("quarantine", "--limit"),
    ("vendor list", "--limit"),
    ("vendor list", "--kind"),
    ("vendor suggest", "--limit"),
    ("search", "--page"),
}


def _options(cmd: click.Command, path: tuple[str, ...] = ()):
    if isinstance(cmd, click.Group):
        for name, sub in cmd.commands.items():
            yield from _options(sub, (*path, name))
        return
    for p in cmd.params:
        if isinstance(p, click.Option) and not p.hidden:
            yield " ".join(path), p


def test_every_option_has_help() -> None:
    missing = {
        (command, max(p.opts, key=len))
        for command, p in _options(all_commands())
        if not (p.help or "").strip()
    }
    assert missing <= UNEXPLAINED, sorted(missing - UNEXPLAINED)
