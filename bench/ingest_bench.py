"""Benchmark: custodes ingest vs DuckDB's own read_csv of the same file, same run.

    .venv/bin/python bench/ingest_bench.py 1000000 5000000

For each size N it generates N transactions (bench/generate_transactions.py), then in
fresh processes times (a) `CREATE TABLE t AS SELECT * FROM read_csv(file)` into a new
DuckDB file and (b) `custodes ingest file` into a new store, and prints the ratio and
each process's peak memory (ru_maxrss), its CPU time (user + system, all threads: less
sensitive than wall time to other jobs on a shared machine) and the 1-minute load
average after the pair. Target: ratio <= 2.0 and peak <= 2 GB at 5M.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "bench"))
from generate_transactions import generate  # noqa: E402

MEASURE = r"""
import json, resource, sys, time
mode, csv_path, db = sys.argv[1:4]
t0 = time.perf_counter()
if mode == "raw":
    import duckdb
    con = duckdb.connect(db)
    con.execute("SET memory_limit = '1500MB'")
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv_path}')")
    n = con.execute("SELECT count(*) FROM t").fetchone()[0]
    con.close()
else:
    from pathlib import Path
    from custodes.ingest.load import ingest
    from custodes.settings import Settings
    from custodes.store import open_store
    with open_store(Settings(db=Path(db)), write=True) as store:
        n = ingest(store, [Path(csv_path)]).stored
t = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
peak = usage.ru_maxrss * 1024
cpu = usage.ru_utime + usage.ru_stime  # all threads of the process
print(json.dumps(
    {"mode": mode, "rows": n, "seconds": t, "cpu": cpu, "peak_bytes": peak}
))
"""


def measure(mode: str, csv_path: Path, db: Path) -> dict:
    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, mode, str(csv_path), str(db)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(sizes: list[int]) -> None:
    print(
        f"{'rows':>10} {'duckdb read_csv s':>18} {'custodes ingest s':>18} "
        f"{'ratio':>6} {'raw peak MB':>12} {'ingest peak MB':>15} "
        f"{'raw cpu s':>10} {'ingest cpu s':>13} {'cpu ratio':>10} {'load':>5}"
    )
    for n in sizes:
        csv_path = OUT / f"tx_{n}.csv"
        if not csv_path.exists():
            generate(n, csv_path)
        raw = measure("raw", csv_path, OUT / "raw.duckdb")
        ing = measure("ingest", csv_path, OUT / "ingest.duckdb")
        assert ing["rows"] == n == raw["rows"], (ing, raw)
        print(
            f"{n:>10,} {raw['seconds']:>18.2f} {ing['seconds']:>18.2f} "
            f"{ing['seconds'] / raw['seconds']:>6.2f} "
            f"{raw['peak_bytes'] / 2**20:>12.0f} "
            f"{ing['peak_bytes'] / 2**20:>15.0f} {raw['cpu']:>10.2f} "
            f"{ing['cpu']:>13.2f} "
            f"{ing['cpu'] / raw['cpu']:>10.2f} {os.getloadavg()[0]:>5.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1_000_000, 5_000_000])
