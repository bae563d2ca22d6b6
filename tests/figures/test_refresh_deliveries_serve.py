"""A plain `custodes serve` (no --snapshot) and a refresh in another process.

DuckDB lets no process write a file that another process has open, even read-only,
and a plain server reads the store in place. A writer that finds it held by a
one-process server asks it to hand the store over (custodes/store/snapshot.py
Handover): the server copies the store, serves the copy while the writer runs, then
opens the store again. Polled all through, every answer must be the old tables' or the
new ones', never a mix, and the new one a full rebuild's. A server of several
processes cannot hand over: a writer beside it is refused at once with a message that
names it and points to `custodes serve --snapshot`, and the server keeps answering.
Any other process holding the file is named by its id.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from tests.figures.test_refresh_serve import (
    API,
    BULK,
    answer,
    full_answer,
    get,
    polling,
    run,
)
from tests.serve.conftest import free_port


def start(db: Path, *args: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "custodes", "serve", "--port", str(port), *args],
        env={**os.environ, "CUSTODES_DB": str(db), "COLUMNS": "200"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            get(f"{base}/healthz")
            return server, base
        except OSError:
            assert server.poll() is None, server.stderr.read()  # type: ignore[union-attr]
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.3)


def pending(tmp: Path) -> Path:
    """A refreshed store with a delivery ingested since, not refreshed yet."""
    db = tmp / "store.duckdb"
    run(db, "ingest", str(API), "--refresh")
    run(db, "ingest", str(BULK))
    return db


def refused(db: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "custodes", *args],
        env={**os.environ, "CUSTODES_DB": str(db), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3, done.stdout + done.stderr  # StoreBusy
    return " ".join((done.stdout + done.stderr).split())


@pytest.mark.slow
def test_plain_serve_hands_the_store_over_to_a_refresh_never_a_mix(tmp_path):
    db = tmp_path / "store.duckdb"
    run(db, "ingest", str(API), "--refresh")
    server, base = start(db, "--time-limit", "1")
    answers: list[str] = []
    stop = threading.Event()
    try:
        old = answer(base)
        marker = json.loads((tmp_path / "store.duckdb.reader").read_text())
        assert marker["pid"] == server.pid and marker["handover"] is True
        poller = polling(base, answers, stop)
        # a delivery and its refresh, written beside the running server
        done = run(db, "ingest", str(BULK), "--refresh", "--json")
        assert json.loads(done.stdout)["refresh"]["transactions_changed"] > 0
        deadline = time.monotonic() + 120
        while True:
            health = get(f"{base}/healthz")["handover"]
            if health["handovers"] >= 1 and health["serving"] == "the store":
                break
            assert time.monotonic() < deadline, f"the server never came back: {health}"
            time.sleep(0.2)
        assert get(f"{base}/healthz")["store"] == "store.duckdb"
        time.sleep(1.0)  # a few more answers after the switch
        stop.set()
        poller.join(timeout=30)
        new = answer(base)
        # a second writer gets the store the same way (a refresh with nothing to do)
        again = json.loads(run(db, "refresh", "--json").stdout)
        assert again["transactions_changed"] == 0
        assert server.poll() is None
    finally:
        stop.set()
        server.terminate()
        out, _ = server.communicate(timeout=30)
    said = " ".join(out.split())
    assert "hands the store over" in said, said
    assert new != old
    seen = set(answers)
    assert seen <= {old, new}, "an answer was neither the old nor the new tables"
    assert old in seen and new in seen, (len(answers), len(seen))
    assert not (tmp_path / "store.duckdb.reader").exists()
    assert not (tmp_path / "store.duckdb.reader.release").exists()
    # the new answer is a full rebuild's
    assert json.loads(new) == full_answer(db, tmp_path)


@pytest.mark.slow
def test_a_server_of_several_processes_refuses_writers_clearly(tmp_path):
    db = pending(tmp_path)
    server, base = start(db, "--workers", "2")
    try:
        old = answer(base)
        text = refused(db, "refresh")
        assert f"`custodes serve` (process {server.pid}" in text, text
        assert "--workers" in text and "custodes serve --snapshot" in text, text
        assert base.split(":")[-1] in text  # the server's address
        assert "custodes serve --snapshot" in refused(db, "ingest", str(BULK))
        # the server still answers from the tables it has, whole
        for _ in range(5):
            assert answer(base) == old
        assert server.poll() is None
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    said = " ".join(out.split())
    assert "no command can write the store" in said, said
    assert "custodes serve --snapshot" in said, said


def test_a_writer_names_any_other_process_holding_the_store(tmp_path):
    """Not a server: a notebook or an analysis with the file open read-only."""
    db = tmp_path / "store.duckdb"
    run(db, "ingest", str(API))
    con = duckdb.connect(str(db), read_only=True)
    try:
        text = refused(db, "refresh")
    finally:
        con.close()
    assert f"open in process {os.getpid()}" in text, text
    assert "even read-only" in text and "custodes serve" in text
    assert "open for writing" not in text


@pytest.mark.slow
def test_a_refresh_killed_while_a_plain_server_stepped_aside(tmp_path):
    """The refresh has the store (the server serves its copy) and is killed before its
    commit: the server comes back to the store's old tables, and the next refresh is
    handed the store again and shows the new ones."""
    from tests.conftest import run_cli_process
    from tests.figures.test_refresh_kill import wait_for_pause

    db = pending(tmp_path)
    server, base = start(db, "--time-limit", "1")
    try:
        old = answer(base)
        proc = run_cli_process(db, "refresh", env={"CUSTODES_DEBUG_PAUSE": "commit"})
        try:
            wait_for_pause(proc, "commit")
            health = get(f"{base}/healthz")
            assert health["handover"]["serving"].startswith("a copy"), health
            assert answer(base) == old
        finally:  # killed before its commit (and never left paused)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        assert back(base, 1) and answer(base) == old
        assert not (tmp_path / "store.duckdb.reader.release").exists()
        report = json.loads(run(db, "refresh", "--json").stdout)
        assert report["transactions_changed"] > 0
        assert back(base, 2)
        new = answer(base)
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert new != old


def back(base: str, handovers: int) -> bool:
    """Wait until the server serves the store again after HANDOVERS handovers."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        health = get(f"{base}/healthz")["handover"]
        if health["handovers"] >= handovers and health["serving"] == "the store":
            return True
        time.sleep(0.2)
    return False
