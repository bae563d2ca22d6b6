"""Time classify's matching step (`build_hits`: award texts, matching, the recipient
names) on one store with slices of different sizes, in turn in one process, in a
transaction that is rolled back (the store is not changed):

    flock /work/wt/bench.lock env PYTHONPATH=TREE .venv/bin/python \
        bench/classify_slices_ab.py STORE [--memory 3GB] [--slices 500000 2000000]

Prints, per slice size, the number of slices, wall and CPU seconds of the process
(user + system) and a fingerprint of cls_hits (rows, sum and XOR of a hash of every
row): the same fingerprint means the same hits. Each slice reads every transaction
(its awards are picked by a hash of the award key), so fewer slices read less.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb
from serve_tables_ab import cpu, load  # bench/: the process's CPU s, load average

from custodes.classify import pipeline
from custodes.classify.evidence import Matcher
from custodes.classify.rules import load_rules
from custodes.classify.taxonomy import load_taxonomy
from custodes.store.duckdb import Store


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("store")
    ap.add_argument("--memory", default="3GB")
    ap.add_argument("--slices", type=int, nargs="+", default=[500_000, 2_000_000])
    args = ap.parse_args()
    con = duckdb.connect(args.store, config={"memory_limit": args.memory})
    store = Store(con, Path(args.store), read_only=False)
    matcher = Matcher(load_rules(load_taxonomy()))
    n = int(store.scalar('SELECT count(*) FROM "transaction"'))
    print(f"{n:,} transactions, memory limit {args.memory}, load {load()}")
    con.execute("BEGIN")
    try:
        for size in args.slices:
            pipeline.slice_transactions = lambda _s, size=size: size  # type: ignore[assignment]
            at = (time.perf_counter(), cpu())
            pipeline.build_hits(store, matcher)
            wall, used = time.perf_counter() - at[0], cpu() - at[1]
            h = "hash(c)"
            fp = con.execute(
                f"SELECT count(*), sum({h}::HUGEINT), bit_xor({h}) FROM cls_hits c"
            ).fetchone()
            print(
                f"  {size:>9,} a slice: {max(1, n // size):>3} slices "
                f"{wall:7.1f} s wall {used:7.1f} s CPU  cls_hits {fp}  load {load()}"
            )
    finally:
        con.execute("ROLLBACK")
        con.close()


if __name__ == "__main__":
    main()
