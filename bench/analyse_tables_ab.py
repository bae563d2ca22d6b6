"""Time the analysis frame's full build, statement by statement, on a store, without
changing it: `write_analysis_tables` inside a transaction that is rolled back. For A/B
runs of two versions on one store:

    PYTHONPATH=TREE .venv/bin/python bench/analyse_tables_ab.py STORE [--memory 3GB]

Run it with each version's code in turn (PYTHONPATH=that tree), twice or more, and
compare: wall and CPU seconds of the process (CPU depends less on the machine's load),
in all and per statement. --memory: DuckDB's limit (600MB at 2M transactions puts the
build under about the pressure 3GB puts it under at 10M). The store needs
`award_number` for every award (any refreshed store has it). --linked: each
transaction's vendor read from vendor_alias, as `custodes refresh` does after
resolve's full run (write_analysis_tables(linked=True)).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import duckdb
from serve_tables_ab import cpu, load  # bench/: the process's CPU s, load average

from custodes.figures import analyse_tables
from custodes.store.duckdb import Store


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("store")
    ap.add_argument("--memory", default="3GB")
    ap.add_argument("--linked", action="store_true")
    args = ap.parse_args()
    timed: list[tuple[str, float, float]] = []
    execute = Store.execute

    def run(self: Store, sql: str, params: Any = None) -> list[tuple]:
        wall, used = time.perf_counter(), cpu()
        try:
            return execute(self, sql, params)
        finally:
            words = sql.split()
            if words[:3] == ["CREATE", "OR", "REPLACE"]:
                name = words[5] if words[3] == "TEMP" else words[4]
                timed.append((name, time.perf_counter() - wall, cpu() - used))

    Store.execute = run  # type: ignore[method-assign]
    con = duckdb.connect(args.store, config={"memory_limit": args.memory})
    store = Store(con, Path(args.store), read_only=False)
    before = load()
    wall, used = time.perf_counter(), cpu()
    con.execute("BEGIN")
    try:
        if args.linked:
            analyse_tables.write_analysis_tables(store, numbered=True, linked=True)
        else:
            analyse_tables.write_analysis_tables(store, numbered=True)
    finally:
        con.execute("ROLLBACK")
        con.close()
    print(
        f"{analyse_tables.__file__}: {time.perf_counter() - wall:.1f} s wall, "
        f"{cpu() - used:.1f} s CPU, memory limit {args.memory}, "
        f"{'linked, ' if args.linked else ''}"
        f"load {before}-{load()}"
    )
    for name, seconds, cpu_seconds in timed:
        print(f"  {name:<28} {seconds:7.2f} s wall {cpu_seconds:7.2f} s CPU")


if __name__ == "__main__":
    main()
