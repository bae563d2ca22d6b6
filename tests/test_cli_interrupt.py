"""A Ctrl+C while the command line is still loading its modules stops it without a
Python traceback (custodes/__main__.py), through `python -m custodes` and through the
`custodes` entry point alike."""

from __future__ import annotations

import subprocess
import sys

import pytest

from custodes import __version__

# Python that raises KeyboardInterrupt, as a Ctrl+C would, when the command line
# imports rich's markup module (custodes/cli.py does, before any command runs), then
# starts custodes the way ENTRY says.
INTERRUPTED_IMPORT = """
import sys

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "rich.markup":
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, CtrlC())
sys.argv = ["custodes", "--help"]
{entry}
"""

ENTRIES = {
    "python -m custodes": "import runpy; runpy.run_module('custodes', "
    "run_name='__main__', alter_sys=True)",
    "the custodes entry point": "from custodes.__main__ import run; run()",
}


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_ctrl_c_while_loading_stops_without_a_traceback(entry: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_IMPORT.format(entry=ENTRIES[entry])],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr
    assert "Aborted!" in done.stderr


def test_the_entry_point_runs_the_command_line() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.argv = ['custodes', '--version']\n"
            + ENTRIES["the custodes entry point"],
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert __version__ in done.stdout
