"""`custodes serve` as a real process: builds its summary tables, prints its address,
answers, and stops when told."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import httpx
import pytest

from tests.serve.conftest import free_port

pytestmark = pytest.mark.slow


def test_serve_prints_the_address_and_answers(bare_store_path, tmp_path):
    db = tmp_path / "copy.duckdb"
    shutil.copy(bare_store_path, db)
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "custodes",
            "--db",
            str(db),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and status is None:
            try:
                status = httpx.get(
                    f"http://127.0.0.1:{port}/healthz", timeout=2
                ).status_code
            except httpx.HTTPError:
                time.sleep(0.3)
        assert status == 200
        page = httpx.get(f"http://127.0.0.1:{port}/search?q=clearview", timeout=10)
        assert page.status_code == 200 and "70CMSD21P00000127" in page.text
        refused = httpx.post(f"http://127.0.0.1:{port}/search.json", timeout=10)
        assert refused.status_code == 405
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert f"http://localhost:{port}/" in out
