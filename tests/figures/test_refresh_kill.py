"""A kill at any point of `custodes refresh` leaves every derived table as the previous
refresh left it, and the next refresh completes the work.

As tests/store/test_atomic_ingest.py does for ingest: real `custodes refresh` processes
are killed at named points (CUSTODES_DEBUG_PAUSE stops the process there and says so)
and at random moments of the write (CUSTODES_DEBUG_PAUSE=trace: it says each step as it
passes); the test counts the kills that landed mid-work and fails unless they did.
"""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import FIXTURES, TracedProcess, run_cli_process
from tests.figures.refresh_compare import derived_tables, differences, table_rows
from tests.ingest.csvmaker import api_row, write_api_csv

# the first step that writes the store: a kill after it, before the commit, is mid-work
WRITING = "writing-vendors"

API_FIXTURE = FIXTURES / "usaspending" / "api_search_small.csv"
STATE = ("refresh_transaction", "refresh_record", "refresh_override", "refresh_run")


def tables(db: Path) -> dict[str, list[tuple] | None]:
    """Every derived table and the refresh state, row by row (build times too)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            name: table_rows(con, name, skip=False)
            for name in (*derived_tables(), *STATE)
        }
    finally:
        con.close()


def run(db: Path, *args: str) -> None:
    proc = run_cli_process(db, *args)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out + err


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> tuple[Path, Path]:
    """A refreshed store with a delivery ingested since (new awards, changed amounts,
    a new recipient), and the same store refreshed without interruption."""
    tmp = tmp_path_factory.mktemp("kill")
    db = tmp / "before.duckdb"
    run(db, "ingest", str(API_FIXTURE))
    run(db, "refresh")
    rows = [
        api_row(
            piid=f"70CMSD24P{i:08d}",
            amount=f"{i}.25",
            desc=f"LICENSE PLATE READER CAMERAS ORDER {i}",
            recipient=f"VIGILANT VENDOR {i % 7} LLC",
        )
        for i in range(400)
    ]
    run(db, "ingest", str(write_api_csv(tmp / "delivery.csv", rows)))
    after = tmp / "after.duckdb"
    shutil.copyfile(db, after)
    run(after, "refresh")
    return db, after


def fresh_copy(src: Path, tmp: Path) -> Path:
    """src copied to tmp/store.duckdb, without the write-ahead log a killed refresh may
    have left there: DuckDB would replay that log onto the copy."""
    db = tmp / "store.duckdb"
    Path(f"{db}.wal").unlink(missing_ok=True)
    shutil.copyfile(src, db)
    return db


def wait_for_pause(proc: subprocess.Popen, point: str) -> None:
    deadline = time.monotonic() + 120
    line = ""
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if f"paused at {point}" in line:
            return
        if not line and proc.poll() is not None:
            break
    proc.kill()
    pytest.fail(f"refresh never reached {point}: {line!r} rc={proc.returncode}")


POINTS = [
    "writing-vendors",  # resolve's tables are being replaced
    "classifying",
    "serve-tables",  # the analysis frame was written, the web app's tables not yet
    "saving-the-refresh-state",
    "commit",  # everything written, not committed
]


@pytest.mark.slow
@pytest.mark.parametrize("point", POINTS)
def test_a_kill_at_each_step_leaves_the_previous_tables(stores, tmp_path, point):
    before, after = stores
    db = fresh_copy(before, tmp_path)
    old = tables(db)
    proc = run_cli_process(db, "refresh", env={"CUSTODES_DEBUG_PAUSE": point})
    wait_for_pause(proc, point)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert tables(db) == old
    # the next refresh does the work: the same tables as an uninterrupted refresh
    run(db, "refresh")
    assert not differences(db, after)


@pytest.mark.slow
def test_a_kill_after_the_commit_keeps_the_refresh(stores, tmp_path):
    """Committed means kept: the write-ahead log a kill leaves behind holds the refresh.
    (And fresh_copy starts from the old store even then, as the random kills need.)"""
    before, after = stores
    db = fresh_copy(before, tmp_path)
    proc = run_cli_process(db, "refresh", env={"CUSTODES_DEBUG_PAUSE": "committed"})
    wait_for_pause(proc, "committed")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert not differences(db, after)
    assert tables(fresh_copy(before, tmp_path)) == tables(before)


@pytest.mark.slow
def test_kills_at_random_moments_leave_old_or_new_never_a_mix(stores, tmp_path):
    before, after = stores
    db = fresh_copy(before, tmp_path)
    old, new = tables(db), tables(after)
    # an uninterrupted traced refresh: when the write starts and ends
    (tmp_path / "probe").mkdir()
    probe = TracedProcess(
        fresh_copy(before, tmp_path / "probe"), "refresh", writing=WRITING
    )
    assert probe.proc.wait(timeout=300) == 0
    probe.reader.join(timeout=10)
    start, end = probe.points[WRITING], probe.points["committed"]
    rng = random.Random(20261206)
    kills, mid_work = 0, 0
    for _ in range(6):
        proc = TracedProcess(db, "refresh", writing=WRITING)
        if not proc.wait_for(WRITING):
            pytest.fail(f"refresh never began writing: rc={proc.proc.returncode}")
        time.sleep(rng.uniform(0, end - start))
        landed = proc.kill()
        kills += 1
        mid_work += landed
        state = tables(db)
        if "commit" in proc.points and state != old:
            # killed while committing or after: the whole new state, then start again
            assert not differences(db, after)
            db = fresh_copy(before, tmp_path)
            continue
        assert state == old, f"killed after {sorted(proc.points)}: not the old tables"
    print(f"{mid_work} of {kills} kills landed while the refresh was writing")
    assert mid_work >= 3, f"only {mid_work} of {kills} kills landed mid-work"
    run(db, "refresh")
    assert not differences(db, after)
    assert tables(db).keys() == new.keys()
