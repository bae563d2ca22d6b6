"""What each value of the write pass costs: CPU seconds per canonical column.

    .venv/bin/python bench/ingest_columns.py bench/out/tx_1000000.csv

Checks the file as `custodes ingest` does (stage.py), then, for each column of the write
pass's stream (the canonical columns, the stored raw row, the content hash, the
minimisation flags and the problem), times `SELECT max(length(col::VARCHAR))` over the
stream: DuckDB reads the file and computes only what that column needs. Prints the
best of two rounds per column, and its excess over a query that computes nothing (the
cost of reading the file's lines), largest first. Columns share work (the key's parts
feed several columns), so the excesses do not add up to the write pass.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from custodes.ingest import files as src
from custodes.ingest.canonical import CANONICAL_COLUMNS, q
from custodes.ingest.stage import stage_file
from custodes.settings import Settings
from custodes.store import open_store

EXTRA = (
    "__raw_values",
    "__raw_json",
    "content_hash",
    "__minimised_individual",
    "__minimised_text",
    "__problem",
)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(csv: Path) -> None:
    columns = ["NULL", *(q(c) for c in CANONICAL_COLUMNS), *EXTRA]
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db=Path(tmp) / "columns.duckdb")
        opened = open_store(settings, write=True)
        with opened as store, src.open_sources([csv]) as files:
            store.con.execute("SET enable_progress_bar = false")
            stage_file(store, files[0], 0, [])
            for _ in range(2):
                for column in columns:
                    start = cpu_seconds()
                    store.con.execute(
                        f"SELECT max(length({column}::VARCHAR)) FROM stream_0"
                    ).fetchall()
                    spent = cpu_seconds() - start
                    best[column] = min(spent, best.get(column, spent))
    base = best["NULL"]
    print(f"{'column':<28} {'CPU s':>6} {'over reading':>13}")
    for column, spent in sorted(best.items(), key=lambda kv: -kv[1]):
        print(f"{column.strip(chr(34)):<28} {spent:>6.2f} {spent - base:>+13.2f}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    start = time.perf_counter()
    main(Path(sys.argv[1]))
    print(f"({time.perf_counter() - start:.0f} s)")
