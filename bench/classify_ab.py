"""Time classify's full run (`classify_store`, as `custodes refresh --full` runs it)
on a store, statement by statement, without changing it: inside a transaction that is
rolled back. For A/B runs of two versions on one store:

    flock /work/wt/bench.lock env PYTHONPATH=TREE .venv/bin/python \
        bench/classify_ab.py STORE [--memory 600MB]

Run it with each version's code in turn (PYTHONPATH=that tree), twice or more, and
compare CPU seconds first (wall time depends on the machine's load). Prints wall and CPU
seconds in all and per statement that creates or inserts into a table
(bench/serve_tables_ab.py `time_build`), then the fingerprint of `classification`: rows,
the sum and XOR of a hash of every row, and the same with each row's position in the
stored order. The same first three values mean the same rows; the last two, the same
order too (main's order varies from run to run: the table is written from a parallel
join, without ORDER BY).
"""

from __future__ import annotations

import argparse

from serve_tables_ab import time_build  # bench/: the timed, rolled-back build

from custodes.classify.overrides import load_overrides
from custodes.classify.pipeline import classify_store
from custodes.classify.rules import load_rules
from custodes.classify.taxonomy import load_taxonomy


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("store")
    ap.add_argument("--memory", default="3GB")
    args = ap.parse_args()
    taxonomy = load_taxonomy()
    ruleset = load_rules(taxonomy)
    overrides = load_overrides(taxonomy)
    time_build(
        args.store,
        args.memory,
        lambda store: classify_store(
            store, taxonomy, ruleset, overrides, transaction=False
        ),
        "classify_store",
        check=("classification",),
    )


if __name__ == "__main__":
    main()
