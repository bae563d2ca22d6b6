"""A file the command line is told to write into a folder that does not exist (or onto
a folder) is one line naming the file and what to check, exit 1, never a Python
traceback: `--csv`, `--out` of the analyses and of the data web's exports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def _run(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "custodes", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    "args",
    [
        ("analyse", "totals", "--csv", "{missing}/figures.csv"),
        ("analyse", "changed", "--since", "2021-01-01", "--csv", "{missing}/c.csv"),
        ("graph", "export", "--format", "json", "--out", "{missing}/web.json"),
        ("graph", "render", "org.ice", "--out", "{missing}/ice.svg"),
        ("analyse", "totals", "--csv", "{folder}"),
    ],
)
def test_an_output_file_that_cannot_be_written_is_a_clear_error(
    real_store_path: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    missing = tmp_path / "no" / "such" / "folder"
    given = [a.format(missing=missing, folder=tmp_path) for a in args]
    done = _run(real_store_path, *given)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    line = [x for x in done.stderr.splitlines() if x.startswith("Error:")]
    assert line, done.stderr
    assert given[-1] in " ".join(done.stderr.split()), done.stderr
    assert "Check the path" in done.stderr, done.stderr
    assert not (tmp_path / "no").exists()
