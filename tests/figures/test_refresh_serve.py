"""The running web app moves to refreshed tables without a restart and never serves a
mix of old and new: `custodes serve --snapshot` while `custodes ingest --refresh`
writes the store.

The dashboard's answer reads several derived tables (spending, coverage, the
not-counted line, the reviewed share); the delivery changes all of them. Polled all
through the switch, every answer must be exactly the old one or exactly the new one.
(A plain `custodes serve` holds the DuckDB file open, so no writer, refresh included,
can run beside it: docs/refresh.md.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES
from tests.serve.conftest import free_port

API = FIXTURES / "usaspending" / "api_search_small.csv"
BULK = FIXTURES / "usaspending" / "bulk_fy18_small.csv"


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=20) as r:
        return json.loads(r.read())


def run(db: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "custodes", *args],
        env={**os.environ, "CUSTODES_DB": str(db)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def answer(base: str) -> str:
    """The dashboard's figures, as one comparable text."""
    return json.dumps(get(f"{base}/dashboard.json")["data"], sort_keys=True)


@pytest.mark.slow
def test_snapshot_server_moves_to_refreshed_tables_never_a_mix(tmp_path):
    db = tmp_path / "store.duckdb"
    run(db, "ingest", str(API), "--refresh")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "custodes", "serve", "--snapshot", "--refresh", "1",
         "--port", str(port)],
        env={**os.environ, "CUSTODES_DB": str(db)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    answers: list[str] = []
    stop = threading.Event()
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                health = get(f"{base}/healthz")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
        first = health["snapshot"]
        old = answer(base)
        poller = polling(base, answers, stop)
        # the store is written beside the running app: a delivery, then the refresh
        done = run(db, "ingest", str(BULK), "--refresh", "--json")
        assert json.loads(done.stdout)["refresh"]["transactions_changed"] > 0
        deadline = time.monotonic() + 120
        while True:
            health = get(f"{base}/healthz")
            now = health["snapshot"]
            if (
                now["switches"] > first["switches"]
                and now["last_ingest_run"] == 2
                and answer(base) != old
            ):
                break
            assert time.monotonic() < deadline, f"the app never moved: {health}"
            time.sleep(0.3)
        time.sleep(1.5)  # a few more answers after the switch
        stop.set()
        poller.join(timeout=30)
        new = answer(base)
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=30)
    assert new != old
    assert now["snapshot"] != first["snapshot"]
    seen = set(answers)
    assert seen <= {old, new}, "an answer was neither the old nor the new tables"
    assert old in seen and new in seen, (len(answers), len(seen))
    # the new answer is a full rebuild's: a copy rebuilt and served plainly agrees
    assert json.loads(new) == full_answer(db, tmp_path)


def polling(base: str, answers: list[str], stop: threading.Event) -> threading.Thread:
    """A thread that adds the dashboard's answer to ANSWERS every 20 ms until STOP."""

    def poll() -> None:
        while not stop.is_set():
            answers.append(answer(base))
            time.sleep(0.02)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    return poller


def full_answer(db: Path, tmp: Path) -> dict:
    """The dashboard of a copy of the store rebuilt from scratch, served plainly."""
    import shutil

    copy = tmp / "rebuilt.duckdb"
    shutil.copyfile(db, copy)
    run(copy, "refresh", "--full")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "custodes", "serve", "--port", str(port)],
        env={**os.environ, "CUSTODES_DB": str(copy)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                return get(f"http://127.0.0.1:{port}/dashboard.json")["data"]
            except OSError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=30)
