"""The README's first command runs end to end (without the final web server), on a fresh
copy of the project with a virtual environment of its own, as on a fresh machine: the
tests' own install has far more packages than the README's command installs, so running
the demo in it would hide a package the project forgot to ask for."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

LEFT_OUT = (".git", ".venv", "var", "__pycache__", "artifacts", "out", ".pytest_cache")


def fresh_copy(target: Path) -> Path:
    """The project's files as a clone would have them (plus files not yet committed),
    with no virtual environment, store or benchmark output."""
    if (ROOT / ".git").exists():
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.split(b"\0")
        for name in filter(None, (n.decode() for n in listed)):
            source = ROOT / name
            if source.is_file():
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / name)
    else:
        shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(*LEFT_OUT))
    return target


@pytest.mark.slow
def test_demo_script_builds_and_summarises_the_store_on_a_fresh_copy(tmp_path):
    project = fresh_copy(tmp_path / "custodes")
    shared = ROOT.parent / "shared"
    if shared.is_dir():  # the demo looks for ../shared/data/usaspending
        (tmp_path / "shared").symlink_to(shared)
    assert not (project / ".venv").exists()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
    }
    env.update(
        CUSTODES_DB=str(tmp_path / "demo.duckdb"),
        CUSTODES_DEMO_NO_SERVE="1",
        PATH=os.pathsep.join(
            p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p
        ),
    )
    proc = subprocess.run(
        ["bash", str(project / "scripts" / "demo.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = " ".join(proc.stdout.split())
    assert "custodes store" in out and "By fiscal year" in out
    assert (tmp_path / "demo.duckdb").exists()
    # It used its own environment, not the tests' one.
    assert (project / ".venv" / "bin" / "custodes").exists()
    if shared.is_dir():
        assert "using the small fixtures" not in out
