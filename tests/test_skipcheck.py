"""The session check of tests/skipcheck.py fails a run on an unexpected skip, lets a
listed one pass outside CI, and lets none pass in CI: pytest run on small suites."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SUITE = {
    "unexpected": "def test_a():\n    pytest.skip('the store has no rows today')\n",
    "listed": "def test_a():\n    pytest.skip('real data not found at /x')\n",
    "none": "def test_a():\n    assert True\n",
}


def run(
    tmp_path: Path, body: str, ci: bool, workers: int = 0
) -> subprocess.CompletedProcess:
    """pytest on BODY; with WORKERS, under pytest-xdist as scripts/test.sh runs it (the
    skips happen in a worker process, the verdict is the controller's)."""
    (tmp_path / "test_small.py").write_text("import pytest\n\n\n" + body)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci:
        env["CI"] = "1"
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.skipcheck",
         "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path),
         *(["-n", str(workers), "--dist", "loadfile"] if workers else [])],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("workers", [0, 1])
@pytest.mark.parametrize(
    ("suite", "ci", "fails"),
    [
        ("unexpected", False, True),
        ("listed", False, False),
        ("listed", True, True),
        ("none", True, False),
    ],
)
def test_skips_fail_the_run_unless_listed(tmp_path, suite, ci, fails, workers):
    result = run(tmp_path, SUITE[suite], ci, workers)
    assert (result.returncode != 0) == fails, result.stdout + result.stderr
    if fails:
        assert "unexpected skips fail the run" in result.stdout
