"""A plain `custodes serve` (no --snapshot) and a refresh in another process.

DuckDB lets no process write a file that another process has open, even read-only,
and a plain server keeps the store open for as long as it runs. So a refresh beside
it cannot run: it must be refused at once with a message that names the server and
points to `custodes serve --snapshot` (which follows refreshes without a restart:
tests/figures/test_refresh_serve.py), the server must keep answering from the tables
it has (never a mix), and once the server stops the refresh runs and a restarted
server shows the refreshed tables. The server says all this when it starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.figures.test_refresh_serve import API, BULK, answer, get, run
from tests.serve.conftest import free_port


def start(db: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "custodes", "serve", "--port", str(port)],
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
def test_plain_serve_refuses_a_refresh_clearly_and_never_mixes(tmp_path):
    db = tmp_path / "store.duckdb"
    run(db, "ingest", str(API), "--refresh")
    run(db, "ingest", str(BULK))  # a delivery not refreshed yet
    server, base = start(db)
    try:
        old = answer(base)
        marker = json.loads((tmp_path / "store.duckdb.reader").read_text())
        assert marker["pid"] == server.pid and marker["command"] == "serve"
        text = refused(db, "refresh")
        assert f"`custodes serve` (process {server.pid}" in text, text
        assert "custodes serve --snapshot" in text and "even read-only" in text
        assert base.split(":")[-1] in text  # the server's address
        # ingest --refresh and sync are writers too: the same answer
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
    assert not (tmp_path / "store.duckdb.reader").exists()
    # stopped, the store takes the refresh; restarted, the server shows it
    report = json.loads(run(db, "refresh", "--json").stdout)
    assert report["transactions_changed"] > 0 and not report["full"]
    server, base = start(db)
    try:
        new = answer(base)
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert new != old


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
