"""Profile one ingest: the time of each SQL step over 50 ms, then wall, CPU and peak.

    .venv/bin/python bench/ingest_profile.py \\
        bench/out/tx_1000000.csv /tmp/profile.duckdb

The store file given is deleted first. To compare two versions of the code in the same
conditions, export one with `git archive <commit> custodes | tar -x -C /tmp/old` and run
this script again with PYTHONPATH=/tmp/old, right after the first.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

from custodes.ingest.load import ingest
from custodes.settings import Settings
from custodes.store import open_store


class TimedConnection:
    """Wraps a DuckDB connection and prints the SQL statements that take a while."""

    def __init__(self, con):
        self._con = con

    def execute(self, sql: str, *args):
        start = time.perf_counter()
        result = self._con.execute(sql, *args)
        took = time.perf_counter() - start
        if took > 0.05:
            print(f"{took:7.2f}s  {' '.join(sql.split())[:110]}", flush=True)
        return result

    def __getattr__(self, name: str):
        return getattr(self._con, name)


def main(csv_path: Path, db: Path) -> None:
    for path in (db, Path(str(db) + ".wal")):
        path.unlink(missing_ok=True)
    start = time.perf_counter()
    with open_store(Settings(db=db), write=True) as store:
        store.con = TimedConnection(store.con)
        report = ingest(store, [csv_path])
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"total {time.perf_counter() - start:.2f} s, cpu "
        f"{usage.ru_utime + usage.ru_stime:.2f} s, stored {report.stored:,}, "
        f"peak {usage.ru_maxrss // 1024} MB"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
