"""`custodes refresh` at scale: a full rebuild, then deliveries of new and changed
transactions refreshed, in one run on the same store.

    flock /work/wt/bench.lock .venv/bin/python bench/refresh_bench.py \
        --transactions 10000000 --delivery 10000

Steps (the bench store is reused when it exists in bench/out/refresh/):
1. the bench store of bench/serve_bench.py: ../shared/data/usaspending ingested,
   resolved and classified, its transactions replicated with fresh keys up to
   --transactions rows (about four per award); copied to a work file;
2. `custodes refresh --full` on it: resolve, classify, the analysis frame, the web
   app's and the search's tables from scratch (the full rebuild);
3. delivery A: --delivery new transactions (bench/generate_transactions.py: real rows
   resampled under fresh award keys), `custodes ingest` then `custodes refresh`;
4. delivery B: the same transactions again with changed amounts and descriptions
   (--delivery changed rows), `custodes ingest` then `custodes refresh`;
5. with --check: a copy of the refreshed store rebuilt with `refresh --full` and every
   derived table compared by its rows' count and the sum and XOR of a hash of every
   row, computed in the store (`fingerprint_differences` in
   tests/figures/refresh_compare.py).

Each command runs in its own process under /usr/bin/time (wall seconds, CPU seconds,
peak resident memory); the load average is recorded before and after each. Prints
JSON and a Markdown block for docs/benchmarks.md. CUSTODES_MEMORY_LIMIT (default
here: 3GB) is DuckDB's limit for the store connection.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from generate_transactions import generate  # noqa: E402
from serve_bench import build_base, generate_store  # noqa: E402

OUT = ROOT / "bench" / "out" / "refresh"
PY = sys.executable


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


PROFILE = False  # --profile: time each store statement (bench/sql_timer.py)


def timed(db: Path, *args: str, env: dict[str, str], tree: Path = ROOT) -> dict:
    """Run `custodes --db DB ARGS` in its own process, from TREE (a checkout of
    custodes; ENV's PYTHONPATH names the one whose code runs): seconds, peak RSS
    (MB), load average before and after, and the --json answer when asked for; with
    --profile, also the statements of at least half a second, slowest first."""
    OUT.mkdir(parents=True, exist_ok=True)
    peak = OUT / "time.txt"
    before = load()
    start = time.perf_counter()
    runner = [str(tree / "bench" / "sql_timer.py")] if PROFILE else ["-m", "custodes"]
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%U %S %M", "-o", str(peak),
         PY, *runner, "--db", str(db), *args],
        cwd=tree, env=env, capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"custodes {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    user, system, peak_kb = peak.read_text().split()[-3:]
    out = {
        "command": "custodes " + " ".join(args),
        "seconds": round(seconds, 2),
        # CPU seconds of the process (user + system): the machine is shared, so wall
        # seconds move with the load; these move less
        "cpu_seconds": round(float(user) + float(system), 2),
        "peak_mb": round(int(peak_kb) / 1024),
        "load_before": before,
        "load_after": load(),
        # the store file's size after the command (its WAL included)
        "store_mb": round(
            sum(p.stat().st_size for p in (db, Path(f"{db}.wal")) if p.exists()) / 2**20
        ),
    }
    if "--json" in args:
        out["json"] = json.loads(done.stdout)
    if PROFILE:
        rows = [line.split(" ", 2)[1:] for line in done.stderr.splitlines()
                if line.startswith("SQL ")]  # fmt: skip
        out["statements"] = sorted(
            ({"seconds": float(s), "sql": sql} for s, sql in rows),
            key=lambda r: -r["seconds"],
        )
    return out


def changed_copy(src: Path, dst: Path) -> Path:
    """SRC's rows with new amounts and descriptions (the same transaction keys)."""
    with open(src, encoding="utf-8", newline="") as fin:
        rows = list(csv.reader(fin))
    header = rows[0]
    amount = header.index("Federal Action Obligation")
    desc = header.index("Transaction Description")
    with open(dst, "w", encoding="utf-8", newline="") as fout:
        writer = csv.writer(fout, lineterminator="\r\n")
        writer.writerow(header)
        for i, row in enumerate(rows[1:]):
            row[amount] = f"{float(row[amount] or 0) + 1 + i % 97:.2f}"
            row[desc] = (row[desc] or "") + " AMENDED"
            writer.writerow(row)
    return dst


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--transactions", type=int, default=10_000_000)
    ap.add_argument("--delivery", type=int, default=10_000)
    ap.add_argument("--check", action="store_true")
    ap.add_argument(
        "--resume",
        action="store_true",
        help="Reuse the work store as it is (its full rebuild done, delivery A "
        "ingested): time delivery A's refresh, then delivery B.",
    )
    ap.add_argument(
        "--profile",
        action="store_true",
        help="Time each store statement of every command (bench/sql_timer.py) and "
        "keep those of at least 0.5 s in the result, slowest first.",
    )
    args = ap.parse_args()
    global PROFILE
    PROFILE = args.profile
    OUT.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CUSTODES_MEMORY_LIMIT": os.environ.get(
        "CUSTODES_MEMORY_LIMIT", "3GB")}  # fmt: skip
    # this checkout's custodes in every command: --profile runs bench/sql_timer.py,
    # whose `import custodes` found the shared venv's editable install (another
    # checkout) when PYTHONPATH did not name this one
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    result: dict = {
        "transactions": args.transactions,
        "delivery": args.delivery,
        "memory_limit": env["CUSTODES_MEMORY_LIMIT"],
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cores": os.cpu_count(),
    }
    base = OUT / "base.duckdb"
    build_base(base)
    pristine = OUT / f"store_{args.transactions}.duckdb"
    if not pristine.exists():
        result["generated"] = generate_store(base, pristine, args.transactions)
    work = OUT / f"work_{args.transactions}.duckdb"
    steps = result["steps"] = []
    if not args.resume:
        for p in (work, Path(f"{work}.wal")):
            p.unlink(missing_ok=True)
        shutil.copyfile(pristine, work)
        full = timed(work, "refresh", "--full", "--json", env=env)
        steps.append({"step": "full rebuild", **full})
        _save(result, args.transactions)  # a later failure keeps this figure
    new = generate(args.delivery, OUT / f"delivery_{args.delivery}.csv", seed=1206)
    changed = changed_copy(new, OUT / f"delivery_{args.delivery}_changed.csv")
    for name, path in (("A: new", new), ("B: changed", changed)):
        if not (args.resume and name.startswith("A")):
            ing = timed(work, "ingest", str(path), "--json", env=env)
            steps.append({"step": f"delivery {name}: ingest", **ing})
        ref = timed(work, "refresh", "--json", env=env)
        steps.append({"step": f"delivery {name}: refresh", **ref})
        _save(result, args.transactions)
    if args.check:
        # by fingerprint (rows, sum and XOR of a hash of every row, in the store):
        # the row-by-row `differences` holds every row in Python, which at 10M ran
        # out of the machine's 23 GB
        from tests.figures.refresh_compare import fingerprint_differences

        copy = OUT / f"check_{args.transactions}.duckdb"
        shutil.copyfile(work, copy)
        rebuilt = timed(copy, "refresh", "--full", "--json", env=env)
        steps.append({"step": "check: full rebuild of the refreshed store", **rebuilt})
        result["differences"] = fingerprint_differences(work, copy)
        copy.unlink()
    result["finished"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    _save(result, args.transactions)
    print(json.dumps({k: v for k, v in result.items() if k != "steps"}, default=str))
    print(markdown(result))


def _save(result: dict, n: int) -> None:
    steps = result["steps"]
    resumed = not steps or steps[0]["step"] != "full rebuild"
    name = f"result_{n}{'_resumed' if resumed else ''}.json"
    (OUT / name).write_text(json.dumps(result, indent=1, default=str))


def markdown(result: dict) -> str:
    rows = [
        "| step | seconds | CPU s | peak RSS | store after | load before–after "
        "| changed | awards |",
        "|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    for s in result["steps"]:
        j = s.get("json") or {}
        r = j.get("refresh", j)
        size = f"{s['store_mb']:,} MB" if "store_mb" in s else ""
        rows.append(
            f"| {s['step']} | {s['seconds']:.1f} | {s.get('cpu_seconds', '')} | "
            f"{s['peak_mb']:,} MB | {size} | "
            f"{s['load_before']}–{s['load_after']} | "
            f"{r.get('transactions_changed', j.get('new', ''))} | "
            f"{r.get('awards', '')} |"
        )
    first = result["steps"][0]
    full = first["seconds"] if first["step"] == "full rebuild" else None
    for s in result["steps"]:
        if s["step"].endswith("refresh"):
            ratio = f": 1/{full / s['seconds']:.0f} of the full rebuild" if full else ""
            rows.append(f"\n{s['step']}{ratio}")
            inner = s.get("json", {}).get("steps", [])
            rows.append(", ".join(f"{x['step']} {x['seconds']:.2f} s" for x in inner))
    return "\n".join(rows)


if __name__ == "__main__":
    main()
