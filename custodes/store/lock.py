"""An advisory writer lock beside the store file, so two writers never interleave.

DuckDB itself refuses a second read-write process with a terse I/O error; this lock
comes first and says who holds the store, since when, and what to do.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from custodes.errors import StoreBusy


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return "another process"
    since = time.strftime("%H:%M:%S", time.localtime(info.get("since", 0)))
    return f"process {info.get('pid', '?')} ({info.get('command', '?')}, since {since})"


@contextmanager
def writer_lock(db: Path, command: str, wait: float = 0.0) -> Iterator[None]:
    """Hold the store's writer lock; wait up to `wait` seconds, then raise StoreBusy."""
    db.parent.mkdir(parents=True, exist_ok=True)
    path = lock_path(db)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + max(wait, 0.0)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreBusy(
                        f"The store {db} is being written by {_holder(path)}. "
                        "Wait for it to finish, or pass --wait SECONDS to queue "
                        "behind it."
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        info = {
            "pid": os.getpid(),
            "command": command,
            "since": time.time(),
            "argv": sys.argv[1:4],
        }
        os.write(fd, json.dumps(info).encode())
        yield
    finally:
        try:
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


# A process that reads the store in place for a long time (a plain `custodes serve`)
# says so in `<store>.reader`: DuckDB lets no process write a file another process has
# open, even read-only, so a writer refused by DuckDB can name it and say what to do.


def reader_path(db: Path) -> Path:
    return db.with_name(db.name + ".reader")


@contextmanager
def reading_in_place(db: Path, command: str, **info: object) -> Iterator[None]:
    """Mark DB as held open by this process (COMMAND, and INFO such as its URL) while
    the block runs."""
    path = reader_path(db)
    mine = {"pid": os.getpid(), "command": command, "since": time.time(), **info}
    path.write_text(json.dumps(mine))
    # stopped by SIGTERM (a service manager; uvicorn raises it again once it has
    # shut down), the process still removes its mark on the way out
    term = None
    if threading.current_thread() is threading.main_thread():
        term = signal.signal(signal.SIGTERM, _exit_on_term)
    try:
        yield
    finally:
        if term is not None:
            signal.signal(signal.SIGTERM, term)
        try:
            if json.loads(path.read_text()).get("pid") == os.getpid():
                path.unlink()
        except (OSError, ValueError):
            pass


def _exit_on_term(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def reader_holding(db: Path, pid: int | None = None) -> dict[str, object] | None:
    """The long-running reader that marked DB (its pid, command, since, ...) if that
    process is alive (and is PID, when given); None otherwise."""
    try:
        info = json.loads(reader_path(db).read_text() or "{}")
        holder = int(info["pid"])
        os.kill(holder, 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if pid is not None and pid != holder and _parent(pid) != holder:
        return None  # another process (a --workers server's workers are its children)
    return dict(info)


def _parent(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("PPid:"):
            return int(line.split()[1])
    return None


def held_open_message(db: Path, duckdb_error: str) -> str:
    """Why a writer cannot open DB although it holds the writer lock: another process
    has the file open (DuckDB's error names its PID), and what to do."""
    import re

    found = re.search(r"\(PID (\d+)\)", duckdb_error)
    pid = int(found.group(1)) if found else None
    reader = reader_holding(db, pid)
    if reader is not None:
        since = time.strftime("%H:%M:%S", time.localtime(float(str(reader["since"]))))
        where = f", {reader['url']}" if reader.get("url") else ""
        why = (
            "it was asked to hand the store over and did not in time"
            if reader.get("handover")
            else "it runs several processes (--workers), which cannot hand the store "
            "over to a writer as one process does"
        )
        return (
            f"The store {db} is open in `custodes {reader['command']}` (process "
            f"{reader['pid']}{where}, since {since}), which reads the file in place "
            "(DuckDB lets no process write a file that another process has open, even "
            f"read-only), and {why}. Stop it and run this again (restarted, it shows "
            "the new tables), or serve with `custodes serve --snapshot`, which keeps "
            "the store writable and moves to the new tables by itself after a "
            "refresh (docs/refresh.md)."
        )
    who = f"process {pid}" if pid is not None else "another process"
    return (
        f"The store {db} is open in {who}, which keeps every writer out (DuckDB lets "
        "no process write a file that another process has open, even read-only). "
        "Close it (a notebook, an analysis, a `custodes serve` without --snapshot) "
        "and run this again."
    )


# A writer asks a reader that hands the store over (a plain `custodes serve`) to step
# aside (custodes/store/snapshot.py Handover) by writing `<store>.reader.release`.


def release_path(db: Path) -> Path:
    return db.with_name(db.name + ".reader.release")


def release_requested(db: Path) -> bool:
    """A writer that is still alive asks the reader to step aside (a request left by
    a writer that died is removed)."""
    path = release_path(db)
    try:
        pid = int(json.loads(path.read_text() or "{}")["pid"])
        os.kill(pid, 0)
    except FileNotFoundError:
        return False
    except (OSError, ValueError, KeyError, TypeError):
        path.unlink(missing_ok=True)
        return False
    return True


@contextmanager
def asking_release(db: Path, command: str) -> Iterator[None]:
    """Ask the reader holding DB to step aside while the block runs."""
    path = release_path(db)
    path.write_text(json.dumps({"pid": os.getpid(), "command": command}))
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
