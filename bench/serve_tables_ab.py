"""Time the web app's summary tables' full build, statement by statement, on a store,
without changing it: `write_serve_tables` (the search's tables left out) inside a
transaction that is rolled back. For A/B runs of two versions on one store:

    PYTHONPATH=TREE .venv/bin/python bench/serve_tables_ab.py STORE [--memory 3GB]

Run it with each version's code in turn (PYTHONPATH=that tree), twice or more, and
compare: wall and CPU seconds of the process (CPU depends less on the machine's load),
in all and per table. --memory: DuckDB's limit (600MB at 2M transactions puts the
build under about the pressure 3GB puts it under at 10M).
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb

from custodes.figures import serve_tables
from custodes.store.duckdb import Store


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> tuple:
    """(rows, sum and XOR of a hash of every row, the same with each row's position
    in the stored order): equal sets give the first three equal, equal stored orders
    the last two as well."""
    row = con.execute(
        f"""SELECT count(*), sum(h::HUGEINT), bit_xor(h), sum(p::HUGEINT), bit_xor(p)
        FROM (SELECT hash(t) AS h,
                     hash(row_number() OVER (ORDER BY rowid), t) AS p
              FROM {table} t)"""
    ).fetchone()
    assert row is not None
    return tuple(row)


def time_build(
    path: str,
    memory: str,
    build: Callable[[Store], object],
    what: str,
    note: str = "",
    check: Sequence[str] = (),
) -> None:
    """Run BUILD on the store at PATH inside a transaction that is rolled back, under
    DuckDB's memory limit MEMORY, and print its wall and CPU seconds in all (WHAT: the
    module built) and per statement that creates a table (temp ones too) or inserts
    into one (a slice), then the `fingerprint` of each table of CHECK."""
    timed: list[tuple[str, float, float]] = []
    execute = Store.execute

    def run(self: Store, sql: str, params: Any = None) -> list[tuple]:
        wall, used = time.perf_counter(), cpu()
        try:
            return execute(self, sql, params)
        finally:
            words = sql.split()
            if words[:3] == ["CREATE", "OR", "REPLACE"] and len(words) > 5:
                name = words[5] if words[3] == "TEMP" else words[4]
                timed.append((name, time.perf_counter() - wall, cpu() - used))
            elif words[:2] == ["INSERT", "INTO"] and len(words) > 2:  # a slice
                name = f"{words[2]} (insert)"
                timed.append((name, time.perf_counter() - wall, cpu() - used))

    Store.execute = run  # type: ignore[method-assign]
    con = duckdb.connect(path, config={"memory_limit": memory})
    store = Store(con, Path(path), read_only=False)
    before = load()
    wall, used = time.perf_counter(), cpu()
    con.execute("BEGIN")
    prints = {}
    try:
        build(store)
        total = (time.perf_counter() - wall, cpu() - used)
        prints = {t: fingerprint(con, t) for t in check}
    finally:
        con.execute("ROLLBACK")
        con.close()
        Store.execute = execute  # type: ignore[method-assign]
    print(
        f"{what}: {total[0]:.1f} s wall, "
        f"{total[1]:.1f} s CPU, memory limit {memory}, {note}"
        f"load {before}-{load()}"
    )
    for name, seconds, cpu_seconds in timed:
        print(f"  {name:<28} {seconds:7.2f} s wall {cpu_seconds:7.2f} s CPU")
    for table, value in prints.items():
        print(f"  {table:<24} {value}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("store")
    ap.add_argument("--memory", default="3GB")
    ap.add_argument(
        "--linked",
        action="store_true",
        help="as `custodes refresh` builds them after resolve's full run "
        "(write_serve_tables(linked=True): vendor links from vendor_alias); run it "
        "only on a store whose transaction_vendor that run wrote",
    )
    ap.add_argument("--no-check", action="store_true", help="no fingerprints")
    args = ap.parse_args()
    time_build(
        args.store,
        args.memory,
        lambda store: serve_tables.write_serve_tables(store, linked=args.linked),
        serve_tables.__file__,
        check=()
        if args.no_check
        else [t for t in serve_tables.SERVE_TABLES if t != "serve_build"],
    )


if __name__ == "__main__":
    main()
