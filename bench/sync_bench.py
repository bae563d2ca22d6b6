"""Sync throughput against the fake USAspending server, with `custodes ingest` of the
same files as the baseline, measured in the same run.

    .venv/bin/python bench/sync_bench.py [--data ../shared/data/usaspending/api-search]

Runs: (1) baseline `custodes ingest` of the api-search files into a fresh store;
(2) `custodes sync` of FY2021-FY2024 (ICE and CBP) from the fake server, API cap 50,000
(one window per year), no rate limit; (3) the same with a 5,000 cap, which forces the
window splitting; (4) a repeat sync (all unchanged); (5) a sync with faults injected.
The sync figures include HTTP, JSON, paging, verification, staging and the ingest.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.usaspending import FakeUsaspending, Fault, load_rows  # noqa: E402

CLI = [sys.executable, "-m", "custodes"]


def run(db: Path, *args: str) -> tuple[float, dict]:
    started = time.perf_counter()
    out = subprocess.run(
        [*CLI, "--db", str(db), *args, "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    took = time.perf_counter() - started
    if out.returncode not in (0,):
        raise SystemExit(f"{args[0]} failed ({out.returncode}): {out.stderr[-800:]}")
    return took, json.loads(out.stdout)


def sync_years(
    db: Path, url: str, first_fy: int, last_fy: int
) -> tuple[float, int, int]:
    took, fetched, requests = 0.0, 0, 0
    for fy in range(first_fy, last_fy + 1):
        t, s = run(
            db,
            "sync",
            "--api-url",
            url,
            "--rate",
            "0",
            "--backoff",
            "0.01",
            "--fy",
            str(fy),
        )
        took, fetched, requests = (
            took + t,
            fetched + s["fetched"],
            requests + s["requests"],
        )
        print(
            f"  FY{fy}: {t:.1f} s, {s['fetched']:,} records, {s['requests']} requests",
            file=sys.stderr,
            flush=True,
        )
    return took, fetched, requests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--data", type=Path, default=ROOT.parent / "shared/data/usaspending/api-search"
    )
    args = parser.parse_args()
    rows = load_rows([args.data])
    tmp = Path(tempfile.mkdtemp(prefix="custodes-sync-bench-"))
    base, _ = run(tmp / "ingest.duckdb", "ingest", str(args.data))
    lines = [("baseline: `custodes ingest` of the same files", base, len(rows), None)]
    with FakeUsaspending(rows) as api:
        t, n, r = sync_years(tmp / "sync.duckdb", api.url, 2021, 2024)
        lines.append(("sync FY2021-24, cap 50,000", t, n, r))
        t, n, r = sync_years(tmp / "sync.duckdb", api.url, 2021, 2024)
        lines.append(("repeat sync (nothing new)", t, n, r))
    with FakeUsaspending(rows, cap=5000) as api:
        t, n, r = sync_years(tmp / "split.duckdb", api.url, 2021, 2024)
        lines.append(("sync FY2021-24, cap 5,000 (splits)", t, n, r))
    faults = [
        Fault("500", times=2, after=5),
        Fault("429", retry_after="0.5", times=3, after=50),
        Fault("shift", path="transaction/", times=10, after=30),
        Fault("truncated", path="transaction/", times=10, after=60),
    ]
    with FakeUsaspending(rows, faults=faults) as api:
        t, n, r = sync_years(tmp / "faults.duckdb", api.url, 2021, 2024)
        lines.append(("sync with 25 injected faults", t, n, r))
    print("| work | time | records | requests | records/s | vs baseline |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, took, n, reqs in lines:
        print(
            f"| {name} | {took:.1f} s | {n:,} | {reqs if reqs is not None else '—'} | "
            f"{n / took:,.0f} | {took / base:.2f}x |"
        )


if __name__ == "__main__":
    main()
