"""`custodes serve --snapshot`: the store stays writable while the web app runs, and the
app moves to the new data by itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import FIXTURES
from tests.serve.conftest import free_port

API = FIXTURES / "usaspending" / "api_search_small.csv"
BULK = FIXTURES / "usaspending" / "bulk_fy18_small.csv"


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def _run(db: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CUSTODES_DB": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "custodes", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ingest_while_serving_a_snapshot(tmp_path):
    db = tmp_path / "store.duckdb"
    assert _run(db, "ingest", str(API)).returncode == 0
    port = free_port()
    env = {**os.environ, "CUSTODES_DB": str(db)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "custodes",
            "serve",
            "--snapshot",
            "--refresh",
            "1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = _get(f"{base}/healthz")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
        first = health["snapshot"]["snapshot"]
        # the API fixture has no FY2018 awards: a year the store lacks is a 400
        # naming the years it holds (pages.store_fiscal_year)
        try:
            _get(f"{base}/search.json?q=&fy=2018")
            raise AssertionError("FY2018 answered before the store held it")
        except urllib.error.HTTPError as refused:
            assert refused.code == 400
            assert "FY2018" in json.loads(refused.read())["error"]["message"]

        # The store itself is writable while the app serves its copy.
        added = _run(db, "ingest", str(BULK))
        assert added.returncode == 0, added.stdout + added.stderr

        deadline = time.monotonic() + 90
        while True:
            health = _get(f"{base}/healthz")
            if health["snapshot"]["switches"] >= 1:
                break
            assert time.monotonic() < deadline, "the app never moved to new data"
            time.sleep(0.5)
        assert health["snapshot"]["snapshot"] != first
        after = _get(f"{base}/search.json?q=&fy=2018")["data"]["total"]
        assert after > 0
        # the old copy is removed after its grace period; the new one exists
        folder = db.with_name(db.name + ".snapshots")
        assert (folder / health["snapshot"]["snapshot"]).exists()
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_serve_with_two_worker_processes(tmp_path):
    db = tmp_path / "store.duckdb"
    assert _run(db, "ingest", str(API)).returncode == 0
    assert _run(db, "serve", "--prepare").returncode == 0
    refused = _run(db, "serve", "--snapshot", "--workers", "2")
    assert refused.returncode == 1 and "--snapshot runs one server process" in (
        refused.stdout + refused.stderr
    )
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "custodes",
            "serve",
            "--workers",
            "2",
            "--time-limit",
            "3",
            "--port",
            str(port),
        ],
        env={**os.environ, "CUSTODES_DB": str(db)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
        children = (
            Path(f"/proc/{server.pid}/task").exists()
            and subprocess.run(
                ["pgrep", "-P", str(server.pid)], capture_output=True, text=True
            ).stdout.split()
        )
        assert len(children) >= 2, children  # the worker processes
        for _ in range(6):
            data = _get(f"http://127.0.0.1:{port}/dashboard.json")
            assert data["data"]["total_usd"]
    finally:
        server.terminate()
        server.wait(timeout=30)
