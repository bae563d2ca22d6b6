"""An advisory writer lock beside the store file, so two writers never interleave.

DuckDB itself refuses a second read-write process with a terse I/O error; this lock
comes first and says who holds the store, since when, and what to do.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
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
