"""Snapshots: a copy of the store for a long-running reader; the store stays writable.

A DuckDB file that one process has open, even read-only, cannot be written by another,
so a plain `custodes serve` blocks `custodes ingest` and `custodes sync` for as long as
it runs. With --snapshot the web app reads a copy instead (custodes/serve/snapshot.py
says what it builds in each copy). Every REFRESH seconds a background thread looks at
the store file; only if it was written since the last look does it take the writer
lock for a moment and read the store's last ingest, resolve and classify runs. When
one is newer than the copy's, it copies the store again (still holding the lock, so no
writer is half-way through), lets the reader PREPARE the new copy (the web app builds
its summary tables), and switches the reader to it. A writer that starts during that
moment is told the store is busy (or waits, with --wait). Pages being answered finish
on the old copy, which is deleted a little later. If the store is being written when
the thread looks, it tries again next time.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Self

import duckdb

from custodes.errors import BackendError, StoreBusy
from custodes.settings import Settings
from custodes.store.duckdb import Store, connect, open_store
from custodes.store.lock import release_requested, writer_lock
from custodes.store.queries import last_runs

log = logging.getLogger("custodes.serve")

# What a reader builds in a new copy before it moves to it (None: nothing).
Prepare = Callable[[Store], None] | None


def store_markers(path: Path) -> dict[str, Any] | None:
    """The last run of each stage that feeds the pages; None while a writer has it."""
    try:
        con = connect(path, read_only=True)
    except (duckdb.Error, StoreBusy, BackendError):
        return None
    try:
        return last_runs(Store(con, path, read_only=True))
    finally:
        con.close()


def snapshot_dir(db: Path) -> Path:
    return db.with_name(db.name + ".snapshots")


def file_stamp(db: Path) -> tuple[int, int, bool]:
    """Modification time and size of the store file, and whether a WAL exists: any
    write changes it, so nothing needs to open the store while it is unchanged."""
    st = db.stat()
    return st.st_mtime_ns, st.st_size, Path(str(db) + ".wal").exists()


def make_snapshot(
    settings: Settings,
    unless: dict[str, Any] | None = None,
    prepare: Prepare = None,
    command: str = "snapshot",
) -> tuple[Path, dict[str, Any], tuple[int, int, bool]] | tuple[None, Any, Any]:
    """Copy the store under its writer lock, then PREPARE the copy (written by COMMAND).

    Returns (copy, markers, file stamp); (None, markers, stamp) when the store's
    markers equal UNLESS (it was written, but no stage ran: nothing to show)."""
    db = Path(settings.db)
    folder = snapshot_dir(db)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{datetime.now():%Y%m%dT%H%M%S%f}.duckdb"
    with writer_lock(db, f"{command} (copying the store)"):
        stamp = file_stamp(db)
        markers = store_markers(db)
        if markers is None:
            raise StoreBusy(f"The store {db} is open for writing.")
        if unless is not None and markers == unless:
            return None, markers, stamp
        shutil.copyfile(db, target)
        wal = Path(str(db) + ".wal")
        if wal.exists():
            shutil.copyfile(wal, Path(str(target) + ".wal"))
    if prepare is not None:
        with open_store(
            replace(settings, db=target), write=True, command=command
        ) as store:
            prepare(store)
    return target, markers, stamp


def remove_snapshot(path: Path) -> None:
    for p in (path, Path(str(path) + ".wal"), path.with_name(path.name + ".lock")):
        p.unlink(missing_ok=True)


def copy_aside(src: Path, dst: Path) -> None:
    """Copy SRC in another process. POSIX drops every lock a process holds on a file
    when it closes any descriptor of that file, so copying the store in the process
    that has it open would drop DuckDB's lock and let a writer in under its readers."""
    try:
        subprocess.run(
            ["cp", "--", str(src), str(dst)], check=True, capture_output=True
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        raise BackendError(f"Could not copy {src} to {dst}: {exc}") from exc


def remove_stale_copies(db: Path) -> None:
    """Delete the handover copies of servers that stopped before deleting theirs."""
    for copy in snapshot_dir(db).glob("handover-*.duckdb"):
        try:
            os.kill(int(copy.name.split("-")[1]), 0)
        except (ValueError, IndexError, ProcessLookupError):
            remove_snapshot(copy)
        except OSError:
            pass  # alive, another user's


class Watcher:
    """A daemon thread that calls `check_once` every `interval()` seconds until
    stopped; a failure is logged and the next look tries again."""

    failure = "looking at the store failed"

    def _init_thread(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def interval(self) -> float:
        raise NotImplementedError

    def check_once(self) -> bool:
        raise NotImplementedError

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval()):
            try:
                self.check_once()
            except Exception:  # noqa: BLE001 - keep serving what it has
                log.exception(self.failure)


class Follower(Watcher):
    """Keeps a reader on a fresh snapshot; `swap(path)` is the reader's switch, PREPARE
    what it builds in each new copy."""

    def __init__(
        self,
        settings: Settings,
        current: Path,
        markers: dict[str, Any],
        stamp: tuple[int, int, bool],
        swap: Callable[[Path], Path],
        refresh: float,
        grace: float = 60.0,
        prepare: Prepare = None,
        command: str = "snapshot",
    ):
        self.settings, self.current, self.markers = settings, current, markers
        self.prepare, self.command = prepare, command
        self.stamp = stamp
        self.swap, self.refresh, self.grace = swap, refresh, grace
        self.made_at = time.time()
        self.switches = 0
        self._init_thread()

    failure = "snapshot refresh failed; still serving the last one"

    def interval(self) -> float:
        return self.refresh

    def status(self) -> dict[str, Any]:
        return {
            "snapshot": self.current.name,
            "made_at": datetime.fromtimestamp(self.made_at).isoformat(
                timespec="seconds"
            ),
            "last_ingest_run": self.markers["ingest"],
            "switches": self.switches,
            "refresh_seconds": self.refresh,
        }

    def check_once(self) -> bool:
        """Switch to a new snapshot if the store changed; True when it switched."""
        db = Path(self.settings.db)
        if file_stamp(db) == self.stamp:
            return False  # not written since the last look: do not even open it
        try:
            path, markers, stamp = make_snapshot(
                self.settings, self.markers, self.prepare, self.command
            )
        except StoreBusy:
            return False  # a writer is busy; try again next round
        self.stamp = stamp
        if path is None:
            return False
        old = self.swap(path)
        self.current, self.markers, self.made_at = path, markers, time.time()
        self.switches += 1
        threading.Timer(self.grace, remove_snapshot, [old]).start()
        return True


class Handover(Watcher):
    """Lets writers into a store that a long-running reader (a plain `custodes serve`)
    reads in place, without a gap and without a mix.

    DuckDB lets no process write a file another process has open, so a writer that
    finds the store held by such a reader asks it to step aside (`<store>.reader.
    release`, see store/duckdb.py) and tries again for a while. Each LOOK seconds a
    thread here looks for that request. Asked, it copies the store (nothing can be
    writing it: this process has it open) and SWAPs the reader to the copy; the store's
    own reader is closed after GRACE seconds (pages being answered finish on it), which
    lets the writer in. Once no request is pending and the store file has not changed
    for SETTLE seconds, it opens the store again (DuckDB refuses while a writer has
    it) and swaps back: every page is answered from one file, the old tables or the
    new ones. The copy is deleted after GRACE. `swap(path)` opens a reader on PATH,
    serves from it, closes the previous reader after GRACE and returns the previous
    path."""

    def __init__(
        self,
        db: Path,
        swap: Callable[[Path], Path],
        look: float = 0.25,
        grace: float = 5.0,
        settle: float = 1.0,
    ):
        self.db, self.swap, self.look, self.grace = db, swap, look, grace
        self.settle = settle
        self.quiet: tuple[tuple[int, int, bool], float] | None = None
        self.away: Path | None = None  # the copy served while a writer has the store
        self.left = 0.0  # when it stepped aside (time.monotonic)
        remove_stale_copies(self.db)
        self.handovers = 0
        self.last: str | None = None
        self._init_thread()

    failure = "handing the store over failed; still serving"

    def interval(self) -> float:
        return self.look

    def status(self) -> dict[str, Any]:
        return {
            "serving": "a copy (a writer has the store)" if self.away else "the store",
            "handovers": self.handovers,
            "last": self.last,
        }

    def check_once(self) -> bool:
        """Step aside or come back when due; True when it switched."""
        asked = release_requested(self.db)
        if self.away is None:
            if not asked:
                return False
            folder = snapshot_dir(self.db)
            folder.mkdir(parents=True, exist_ok=True)
            when = f"{datetime.now():%Y%m%dT%H%M%S%f}"
            copy = folder / f"handover-{os.getpid()}-{when}.duckdb"
            copy_aside(self.db, copy)
            wal = Path(str(self.db) + ".wal")
            if wal.exists():
                copy_aside(wal, Path(str(copy) + ".wal"))
            self.swap(copy)
            self.away, self.left = copy, time.monotonic()
            self.last = datetime.now().isoformat(timespec="seconds")
            return True
        if asked:
            self.quiet = None
            return False  # the writer has not got in yet
        if time.monotonic() - self.left < self.grace + 0.5:
            # the store's reader is not closed yet: opening the store now would get
            # DuckDB's open instance back, which proves nothing about a writer
            return False
        # Come back once the file has not changed for SETTLE seconds (a writer that
        # runs two commands, ingest then refresh, is not interrupted between them).
        # DuckDB guards the rest: a read-only open fails while a writer has the file
        # open, and sees committed transactions only. The writer lock is not taken, so
        # a writer arriving meanwhile is never refused: it asks again.
        stamp = file_stamp(self.db)
        if self.quiet is None or self.quiet[0] != stamp:
            self.quiet = (stamp, time.monotonic())
            return False
        if time.monotonic() - self.quiet[1] < self.settle:
            return False
        try:
            self.swap(self.db)
        except (StoreBusy, duckdb.Error, BackendError):
            return False  # still being written; next look
        self.quiet = None
        threading.Timer(self.grace + 1, remove_snapshot, [self.away]).start()
        self.away = None
        self.handovers += 1
        self.last = datetime.now().isoformat(timespec="seconds")
        return True
