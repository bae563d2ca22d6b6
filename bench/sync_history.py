"""Benchmark: what `custodes sync --history` gives back to a store of one fiscal year.

    .venv/bin/python bench/sync_history.py [--data DIR] [--year 2024] [--work DIR]
        [--out FILE.json]

(from a worktree, give --data: the default is ../shared beside the project folder)

1. WORK/one.duckdb: the year's API-search file of DIR alone (default
   ../shared/data/usaspending/api-search, `..._FY2024_...csv`): `custodes ingest`,
   `resolve`, `classify`, each a process of its own, as a user runs them.
2. WORK/full.duckdb: every file of DIR, built the same way (what the fake API serves).
3. The fake USAspending API (tests/fakes/usaspending) on 127.0.0.1, serving every file
   of DIR; a copy of one.duckdb gets `custodes sync --history --rate 0`, then
   `resolve` and `classify`.
4. For the year's awards: how many the full store calls surveillance and the store
   `none` (and the other way), with their dollars in the year, before and after the
   history; how many awards agree with the full store; what the sync asked and added,
   with its wall and CPU seconds.

Writes JSON (OUT, default bench/out/sync_history.json) and prints it.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.usaspending import FakeUsaspending, load_rows  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "usaspending" / "api-search"
YEAR = re.compile(r"FY(\d{4})", re.IGNORECASE)


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def custodes(db: Path, *args: str) -> tuple[float, float, str]:
    """Run one custodes command on DB as a process: (wall s, CPU s, stdout)."""
    cpu, wall = _child_cpu(), time.time()
    done = subprocess.run(
        [sys.executable, "-m", "custodes", "--db", str(db), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"custodes {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return time.time() - wall, _child_cpu() - cpu, done.stdout


def build(db: Path, files: list[Path]) -> None:
    if db.exists():
        db.unlink()
    custodes(db, "ingest", *map(str, files))
    custodes(db, "resolve")
    custodes(db, "classify")


COMPARE = """
WITH a AS (SELECT award_key, sum(obligation_usd) AS usd FROM one."transaction"
           GROUP BY 1)
SELECT a.award_key, a.usd, o.category AS one, h.category AS hist, f.category AS whole
FROM a
LEFT JOIN one.classification o USING (award_key)
LEFT JOIN hist.classification h USING (award_key)
LEFT JOIN allyears.classification f USING (award_key)
"""


def compare(work: Path) -> dict[str, Any]:
    con = duckdb.connect()
    for name, alias in (("one", "one"), ("hist", "hist"), ("full", "allyears")):
        con.execute(f"ATTACH '{work / (name + '.duckdb')}' AS {alias} (READ_ONLY)")
    con.execute(f"CREATE TABLE x AS {COMPARE}")

    def pair(sql: str) -> dict[str, Any]:
        n, usd = con.execute(f"SELECT count(*), sum(usd) FROM x WHERE {sql}").fetchone()
        return {"awards": n, "dollars": str(usd or 0)}

    out: dict[str, Any] = {
        "awards": con.execute("SELECT count(*) FROM x").fetchone()[0],
    }
    for side in ("one", "hist"):
        agree, binary = con.execute(
            f"SELECT avg(({side} = whole)::INT), "
            f"avg((({side} <> 'none') = (whole <> 'none'))::INT) FROM x"
        ).fetchone()
        out[side] = {
            "full_surveillance_here_none": pair(f"whole <> 'none' AND {side} = 'none'"),
            "full_none_here_surveillance": pair(f"whole = 'none' AND {side} <> 'none'"),
            "same_category_share": round(agree, 4),
            "same_surveillance_or_not_share": round(binary, 4),
        }
    con.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=SHARED)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out" / "hist")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "out" / "sync_history.json"
    )
    args = parser.parse_args()
    files = sorted(args.data.glob("*.csv"))
    year = [f for f in files if (m := YEAR.search(f.name)) and int(m[1]) == args.year]
    if not year:
        raise SystemExit(f"no FY{args.year} file in {args.data}")
    args.work.mkdir(parents=True, exist_ok=True)
    one, full, hist = (args.work / f"{n}.duckdb" for n in ("one", "full", "hist"))
    build(one, year)
    build(full, files)
    hist.unlink(missing_ok=True)
    shutil.rmtree(hist.with_name(hist.name + ".sync-history"), ignore_errors=True)
    shutil.copy(one, hist)
    with FakeUsaspending(load_rows(files)) as api:
        wall, cpu, text = custodes(
            hist, "sync", "--history", "--api-url", api.url, "--rate", "0", "--json"
        )
        requests = len(api.log)
    summary = json.loads(text)
    custodes(hist, "resolve")
    custodes(hist, "classify")
    result = {
        "data": str(args.data),
        "year": args.year,
        "history": {
            k: summary[k]
            for k in (
                "status",
                "awards_asked",
                "awards_completed",
                "awards_without_base",
                "awards_failed",
                "batches",
                "expected",
                "fetched",
                "transactions_added",
                "quarantined",
            )
        },
        "requests_served": requests,
        "sync_history_wall_s": round(wall, 1),
        "sync_history_cpu_s": round(cpu, 1),
        **compare(args.work),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
