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
resolve's full run (write_analysis_tables(linked=True)). After the build (untimed)
it prints the fingerprint of each analyse_* table (serve_tables_ab.fingerprint: rows,
sum and XOR of a hash of every row, then with its position in stored order;
analyse_frame's order by fiscal year, award and transaction_key is kept for the year
filters' zone maps), so that two versions can be seen to write the same rows in the
same order. --no-check: no fingerprints.
"""

from __future__ import annotations

import argparse

from serve_tables_ab import time_build  # bench/: the timed, rolled-back build

from custodes.figures import analyse_tables

TABLES = ("analyse_frame", "analyse_award_maker", "analyse_award")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("store")
    ap.add_argument("--memory", default="3GB")
    ap.add_argument("--linked", action="store_true")
    ap.add_argument("--no-check", action="store_true", help="no fingerprints")
    args = ap.parse_args()
    time_build(
        args.store,
        args.memory,
        lambda store: analyse_tables.write_analysis_tables(
            store, numbered=True, linked=args.linked
        ),
        analyse_tables.__file__,
        "linked, " if args.linked else "",
        check=() if args.no_check else TABLES,
    )


if __name__ == "__main__":
    main()
