"""The README's first command runs end to end (without the final web server)."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import ROOT


@pytest.mark.slow
def test_demo_script_builds_and_summarises_the_store(tmp_path):
    env = {
        **os.environ,
        "CUSTODES_DB": str(tmp_path / "demo.duckdb"),
        "CUSTODES_DEMO_NO_SERVE": "1",
    }
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "demo.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = " ".join(proc.stdout.split())
    assert "custodes store" in out and "By fiscal year" in out
    assert (tmp_path / "demo.duckdb").exists()
