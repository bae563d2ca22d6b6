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


def test_serve_on_a_port_in_use_says_so_before_any_work(bare_store_path, tmp_path):
    """A port another program holds: one clear line naming the address and --port,
    exit 1, no traceback, no "is serving" claim, and the summary tables not built
    first (the bare store has none)."""
    import socket

    db = tmp_path / "copy.duckdb"
    shutil.copy(bare_store_path, db)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        for extra in ([], ["--snapshot"]):
            done = subprocess.run(
                [sys.executable, "-m", "custodes", "--db", str(db), "serve"]
                + ["--port", str(port), *extra],
                capture_output=True,
                text=True,
                timeout=120,
            )
            out = done.stdout + done.stderr
            assert done.returncode == 1, out
            assert f"Cannot listen on 127.0.0.1:{port}" in out, out
            assert "--port" in out and "Traceback" not in out, out
            assert "is serving" not in out and "Summary tables" not in out, out
