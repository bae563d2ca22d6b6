"""A crash, kill or Ctrl-C mid-ingest leaves the store exactly as it was; writers queue.

These tests run `custodes ingest` as a real OS process and kill it: at named points
(CUSTODES_DEBUG_PAUSE makes the process stop there and say so), and at random moments.
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import FIXTURES, TracedProcess, run_cli_process, signal_state
from tests.ingest.csvmaker import api_row, write_api_csv

API_FIXTURE = FIXTURES / "usaspending" / "api_search_small.csv"
BULK_FIXTURE = FIXTURES / "usaspending" / "bulk_fy18_small.csv"


def snapshot(db: Path) -> tuple:
    """Everything a partial write could change: counts and totals of every table."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return (
            con.execute(
                "SELECT count(*), sum(obligation_usd), count(DISTINCT award_key) "
                'FROM "transaction"'
            ).fetchone(),
            con.execute("SELECT count(*) FROM source_row").fetchone(),
            con.execute("SELECT count(*), max(run_id) FROM ingest_run").fetchone(),
            con.execute("SELECT count(*) FROM quarantine").fetchone(),
            con.execute("SELECT count(*) FROM source_file").fetchone(),
            con.execute("SELECT count(*) FROM transaction_revision").fetchone(),
        )
    finally:
        con.close()


def ingest(db: Path, *paths: Path, check: bool = True) -> subprocess.CompletedProcess:
    proc = run_cli_process(db, "ingest", *map(str, paths))
    out, err = proc.communicate(timeout=120)
    if check:
        assert proc.returncode == 0, err
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.fixture
def base_store(tmp_path) -> Path:
    db = tmp_path / "store.duckdb"
    ingest(db, API_FIXTURE)
    return db


@pytest.fixture
def second_file(tmp_path) -> Path:
    """A file that changes the store: new rows, a changed row, a bad row."""
    rows = [api_row(piid=f"70CMSD24P{i:08d}", amount=f"{i}.25") for i in range(300)]
    rows.append(api_row(piid="70CMSD24PBAD", amount="not money"))
    return write_api_csv(tmp_path / "second.csv", rows)


def wait_for_pause(proc: subprocess.Popen, point: str) -> None:
    deadline = time.monotonic() + 60
    line = ""
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if f"paused at {point}" in line:
            return
        if not line and proc.poll() is not None:
            break
    proc.kill()
    pytest.fail(f"ingest never reached {point}: {line!r} rc={proc.returncode}")


@pytest.mark.parametrize("point", ["stage", "merge", "commit"])
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_kill_at_each_point_leaves_store_unchanged(base_store, second_file, point, sig):
    before = snapshot(base_store)
    proc = run_cli_process(
        base_store,
        "ingest",
        str(second_file),
        str(BULK_FIXTURE),
        env={"CUSTODES_DEBUG_PAUSE": point},
    )
    wait_for_pause(proc, point)
    proc.send_signal(sig)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        state = signal_state(proc.pid)
        proc.kill()
        pytest.fail(f"ingest did not end 30 s after {sig.name}: {state}")
    assert proc.returncode != 0
    assert snapshot(base_store) == before
    # The store is still healthy: the same ingest, uninterrupted, now lands in full.
    ingest(base_store, second_file, BULK_FIXTURE)
    after = snapshot(base_store)
    assert after[0][0] == before[0][0] + 300 + 25
    assert after[2][0] == before[2][0] + 1


def test_kill_at_random_moments_is_all_or_nothing(tmp_path, second_file):
    """Kill a larger ingest at random times, and at random moments of its write: the
    store is either before or after, whole. The test counts the kills that landed
    mid-write (the process said it had started writing and had not committed), and
    fails unless some did: a run whose kills all missed the write proves nothing."""
    big = tmp_path / "big.csv"
    rows = [
        api_row(
            piid=f"70B03C22F{i:08d}",
            amount=f"{i % 9973}.{i % 100:02d}",
            desc=f"ORDER {i} FOR EQUIPMENT",
        )
        for i in range(60_000)
    ]
    write_api_csv(big, rows)
    db = tmp_path / "store.duckdb"
    ingest(db, API_FIXTURE)
    before = snapshot(db)
    pristine = tmp_path / "pristine.duckdb"
    shutil.copyfile(db, pristine)
    reference = tmp_path / "reference.duckdb"
    ingest(reference, API_FIXTURE)
    # uninterrupted: how long the write is
    run = TracedProcess(
        reference, "ingest", str(big), str(BULK_FIXTURE), writing="merge"
    )
    assert run.proc.wait(timeout=300) == 0
    run.reader.join(timeout=10)
    after = snapshot(reference)
    write = run.points["committed"] - run.points["merge"]
    rng = random.Random(20261121)
    kills, mid_write = 0, 0
    # Kills at random moments of the whole run, then kills timed into the write.
    plans = [("any", rng.uniform(0.3, run.points["committed"])) for _ in range(3)]
    plans += [("write", rng.uniform(0, write)) for _ in range(5)]
    for when, delay in plans:
        proc = TracedProcess(db, "ingest", str(big), str(BULK_FIXTURE), writing="merge")
        if when == "write" and not proc.wait_for("merge"):
            pytest.fail(f"ingest never began writing: rc={proc.proc.returncode}")
        time.sleep(delay)
        landed = proc.kill()
        kills += 1
        mid_write += landed
        state = snapshot(db)
        # Only the first run's counters can differ (run ids, file rows); the data
        # must be exactly one of the two states.
        assert state[0] in (before[0], after[0]) and state[1] in (before[1], after[1])
        assert (state[0] == before[0]) == (state[1] == before[1])
        if landed and "commit" not in proc.points:
            assert state == before  # killed inside the open transaction
        if state[0] == after[0]:  # it had finished: start again from before
            Path(f"{db}.wal").unlink(missing_ok=True)
            shutil.copyfile(pristine, db)
    print(f"{mid_write} of {kills} kills landed while the store was written")
    assert mid_write >= 1, f"none of {kills} kills landed while the store was written"
    # Finally land it and compare with the uninterrupted reference.
    ingest(db, big, BULK_FIXTURE)
    assert snapshot(db)[0] == after[0]


def test_second_writer_refuses_with_a_clear_message(base_store, second_file):
    holder = run_cli_process(
        base_store, "ingest", str(second_file), env={"CUSTODES_DEBUG_PAUSE": "stage"}
    )
    try:
        wait_for_pause(holder, "stage")
        t0 = time.monotonic()
        proc = run_cli_process(base_store, "ingest", "--wait", "1", str(BULK_FIXTURE))
        out, err = proc.communicate(timeout=60)
        waited = time.monotonic() - t0
        assert proc.returncode == 3
        text = " ".join(err.split())
        assert "is being written by process" in text and "ingest" in text
        assert "--wait" in text
        assert waited >= 1.0
        # A reader is told the store is busy, not given a stack trace.
        proc = run_cli_process(base_store, "stats")
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 3 and "open for writing" in " ".join(err.split())
    finally:
        holder.kill()
        holder.wait()


def test_second_writer_waits_and_then_runs(base_store, second_file):
    holder = run_cli_process(
        base_store, "ingest", str(second_file), env={"CUSTODES_DEBUG_PAUSE": "stage"}
    )
    wait_for_pause(holder, "stage")
    waiter = run_cli_process(base_store, "ingest", "--wait", "60", str(BULK_FIXTURE))
    time.sleep(1.5)
    assert waiter.poll() is None  # still queued behind the holder
    holder.kill()
    holder.wait()
    out, err = waiter.communicate(timeout=60)
    assert waiter.returncode == 0, err


def test_module_entry_point_runs():
    out = subprocess.run(
        [sys.executable, "-m", "custodes", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "ingest" in out and "stats" in out
