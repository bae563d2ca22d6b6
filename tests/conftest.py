"""Shared test fixtures: where the real data is, fresh stores, and the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from custodes.cli import main
from custodes.settings import Settings
from tests.skipcheck import (  # noqa: F401 (pytest hooks: unexpected skips fail)
    pytest_runtest_logreport,
    pytest_sessionfinish,
    pytest_terminal_summary,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CUSTODES_SHARED", ROOT.parent / "shared"))
SHARED_DATA = SHARED / "data"
API_SEARCH = SHARED_DATA / "usaspending" / "api-search"
BULK = SHARED_DATA / "usaspending" / "bulk-contracts"
FIXTURES = ROOT / "tests" / "fixtures"


def need_shared() -> None:
    """Skip (with a clear message) when ../shared is not beside the project."""
    if not (SHARED_DATA / "usaspending").is_dir():
        pytest.skip(
            f"real data not found at {SHARED_DATA} (CI always has it); "
            "set CUSTODES_SHARED to its folder to run this test"
        )


@pytest.fixture
def shared_data() -> Path:
    need_shared()
    return SHARED_DATA


@pytest.fixture(scope="session")
def real_store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store built by ingest, resolve, classify and figures build from the fixtures
    (tests/real_store.py); read-only for the tests that use it: copy it to write."""
    from tests.real_store import build_real_store

    return build_real_store(tmp_path_factory.mktemp("real") / "store.duckdb")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store.duckdb"


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return Settings(db=db_path)


@pytest.fixture
def cli(db_path: Path):
    """Run `custodes ARGS` in-process against a fresh store; returns the click
    Result."""

    def run(*args: str, expect: int | None = 0) -> Result:
        result = CliRunner().invoke(
            main, ["--db", str(db_path), *args], catch_exceptions=False
        )
        if expect is not None:
            assert result.exit_code == expect, result.output
        return result

    return run


def run_cli_process(
    db: Path, *args: str, env: dict[str, str] | None = None, **kwargs
) -> subprocess.Popen:
    """Start `custodes` as a real OS process (for kill and lock tests), with Ctrl+C
    (SIGINT) as a terminal gives it (`_terminal_sigint`)."""
    full_env = {**os.environ, "CUSTODES_DB": str(db), **(env or {})}
    kwargs.setdefault("preexec_fn", _terminal_sigint)
    return subprocess.Popen(
        [sys.executable, "-m", "custodes", *args],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def _terminal_sigint() -> None:
    """In the child, before it runs custodes: SIGINT neither ignored nor blocked. An
    ignored or blocked signal stays so across exec, and a test runner's worker can
    carry either from an earlier test or library; an interrupt test would then wait
    for a process that never hears it (seen once under pytest-xdist: the three
    SIGINT cases of tests/store/test_atomic_ingest.py timed out on one worker)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def signal_state(pid: int) -> str:
    """The blocked, ignored and pending signal masks of process PID (Linux), for a
    failure message when a signalled process does not end."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError as exc:
        return f"no /proc status for {pid}: {exc}"
    keep = ("SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt", "State")
    return "; ".join(line for line in lines if line.startswith(keep))


def run_custodes(
    db: Path,
    *args: str,
    env: dict[str, str] | None = None,
    unset: tuple[str, ...] = (),
    **kwargs,
) -> subprocess.CompletedProcess:
    """Run `custodes ARGS` on store DB as a real OS process to its end (ENV added to
    the environment, UNSET left out of it); fails the test, with its output, unless
    it exits 0."""
    full_env = {**os.environ, "CUSTODES_DB": str(db), **(env or {})}
    for name in unset:
        full_env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", "custodes", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


class TracedProcess:
    """A `custodes` command in its own process with CUSTODES_DEBUG_PAUSE=trace: the
    points it passed (`custodes: at POINT` on stderr) and when, read as they come.
    WRITING is the point after which the command writes the store (for kill tests)."""

    def __init__(self, db: Path, *args: str, writing: str):
        self.writing = writing
        self.proc = run_cli_process(db, *args, env={"CUSTODES_DEBUG_PAUSE": "trace"})
        self.started = time.monotonic()
        self.points: dict[str, float] = {}
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            if line.startswith("custodes: at "):
                self.points[line.split()[-1]] = time.monotonic() - self.started

    def wait_for(self, point: str, timeout: float = 120) -> bool:
        deadline = time.monotonic() + timeout
        while point not in self.points and self.proc.poll() is None:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)
        return point in self.points

    def kill(self) -> bool:
        """Kill it; True if the kill landed while it was writing the store (after
        WRITING, before the transaction was committed)."""
        self.proc.kill()
        self.proc.wait(timeout=30)
        self.reader.join(timeout=10)
        killed = self.proc.returncode == -signal.SIGKILL
        return killed and self.writing in self.points and "committed" not in self.points


# In CI, property tests run a fixed sequence of examples (derandomized), so a landing is
# judged on the same inputs every time; locally they explore new inputs on every run.
from hypothesis import settings as hypothesis_settings  # noqa: E402

hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


def store_rows(db: Path, sql: str, params=None) -> list[tuple]:
    """Rows of SQL on the store at DB, opened read-only (tests check what was
    written)."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
