"""Time the search's tables' full build, statement by statement, on a store whose
serve tables are built (a store after `custodes refresh --full`), without changing
it: `search_tables_sql` inside a transaction that is rolled back. For A/B runs of two
versions on one store:

    PYTHONPATH=TREE .venv/bin/python bench/search_tables_ab.py STORE [--memory 3GB]

Run it with each version's code in turn (PYTHONPATH=that tree), twice or more, and
compare: wall and CPU seconds of the process (CPU depends less on the machine's load),
in all and per statement. It also prints a fingerprint of each search table (rows, and
the sum and XOR of a hash of every row with its position in stored order), so that two
versions can be seen to write the same rows in the same order. --memory: DuckDB's
limit (600MB at 2M transactions puts the build under about the pressure 3GB puts it
under at 10M).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb
from serve_tables_ab import cpu, load  # bench/: the process's CPU s, load average

from custodes.search import tables
from custodes.store.duckdb import Store

# the stored order matters for these (the index reads the word table's ids in it);
# serve_token_pair_short is stored by its words' first three letters, in no fixed
# order within them, so its fingerprint leaves the order out
ORDERED = {"serve_word", "serve_token", "serve_token_count", "serve_popular"}


def fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> tuple:
    """(rows, sum, XOR) of a hash of every row of TABLE (with its position in the
    stored order for the ORDERED tables)."""
    position = "row_number() OVER (ORDER BY rowid), " if table in ORDERED else ""
    row = con.execute(
        f"""SELECT count(*), sum(h::HUGEINT), bit_xor(h) FROM (
            SELECT hash({position}t) AS h FROM {table} t)"""
    ).fetchone()
    assert row is not None
    return tuple(row)


def _name(sql: str) -> str:
    """The table a statement creates (or its first word)."""
    words = sql.split()
    return words[words.index("AS") - 1] if "AS" in words else words[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("store")
    ap.add_argument("--memory", default="3GB")
    ap.add_argument("--no-check", action="store_true", help="no fingerprints")
    args = ap.parse_args()
    con = duckdb.connect(args.store, config={"memory_limit": args.memory})
    store = Store(con, Path(args.store), read_only=False)
    # the statements for this store as the version at hand builds them (a version
    # that made a table a view drops the table, within the transaction rolled back
    # below); versions before store_search_tables_sql worked it out here
    if hasattr(tables, "store_search_tables_sql"):
        statements = tables.store_search_tables_sql(store, tables.POPULAR_AWARDS)
    else:
        stored = getattr(tables, "pair_table_stored", None)
        statements = tables.search_tables_sql(
            tables.POPULAR_AWARDS,
            store.has_table("award_maker"),
            *((stored(store),) if stored else ()),
        )
    timed: list[tuple[str, float, float]] = []
    before = load()
    start = (time.perf_counter(), cpu())
    con.execute("BEGIN")
    prints = {}
    try:
        for sql in statements:
            at = (time.perf_counter(), cpu())
            store.execute(sql)
            timed.append((_name(sql), time.perf_counter() - at[0], cpu() - at[1]))
        total = (time.perf_counter() - start[0], cpu() - start[1])
        if not args.no_check:
            prints = {t: fingerprint(con, t) for t in tables.SEARCH_TABLES}
    finally:
        con.execute("ROLLBACK")
        con.close()
    print(
        f"{tables.__file__}: {total[0]:.1f} s wall, {total[1]:.1f} s CPU, "
        f"memory limit {args.memory}, load {before}-{load()}"
    )
    for name, seconds, cpu_seconds in timed:
        if seconds >= 0.05:
            print(f"  {name:<24} {seconds:7.2f} s wall {cpu_seconds:7.2f} s CPU")
    for table, value in prints.items():
        print(f"  {table:<24} {value}")


if __name__ == "__main__":
    main()
