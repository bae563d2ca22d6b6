"""A full rebuild (`custodes refresh --full`) of two versions in turn, on copies of
the same store: the A/B for a change to the rebuild on a machine whose speed moves
from hour to hour (only runs side by side compare).

    flock /work/wt/bench.lock .venv/bin/python bench/rebuild_ab.py \\
        --store bench/out/refresh/store_10000000.duckdb --rounds 2 BASE_TREE NEW_TREE

Each tree is a checkout of custodes (a git worktree); each rebuild runs that tree's
code in its own process (from the tree, PYTHONPATH set to it) under /usr/bin/time
(bench/refresh_bench.py `timed`), with CUSTODES_MEMORY_LIMIT (default here: 3GB), on
a fresh copy of STORE (the refresh bench's generated store). Prints JSON: per round
and tree the wall and CPU seconds, peak memory, the store file's size after it and the
refresh's steps; then each tree's mean and the ratio of the second to the first.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from refresh_bench import timed  # noqa: E402  (bench/: one command timed)


def rebuild(tree: Path, store: Path, work: Path, env: dict[str, str]) -> dict:
    """`refresh --full` with TREE's code on a fresh copy of STORE at WORK."""
    for p in (work, Path(f"{work}.wal")):
        p.unlink(missing_ok=True)
    shutil.rmtree(Path(f"{work}.tmp"), ignore_errors=True)
    shutil.copyfile(store, work)
    run = timed(
        work, "refresh", "--full", "--json",
        env={**env, "PYTHONPATH": str(tree)}, tree=tree,
    )  # fmt: skip
    return {
        **{k: run[k] for k in ("seconds", "cpu_seconds", "peak_mb", "store_mb")},
        "steps": {s["step"]: round(s["seconds"], 1) for s in run["json"]["steps"]},
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("base", type=Path, help="the tree measured first in each round")
    ap.add_argument("new", type=Path)
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--work", type=Path, default=Path("/tmp/custodes_rebuild_ab"))
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    work = args.work / "store.duckdb"
    env = {**os.environ}
    env.setdefault("CUSTODES_MEMORY_LIMIT", "3GB")
    trees = {"base": args.base.resolve(), "new": args.new.resolve()}
    runs: list[dict] = []
    for round_ in range(1, args.rounds + 1):
        for name, tree in trees.items():
            run = rebuild(tree, args.store.resolve(), work, env)
            runs.append({"round": round_, "tree": name, "path": str(tree), **run})
            print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    mean = {
        name: {
            key: round(sum(r[key] for r in runs if r["tree"] == name) / args.rounds, 1)
            for key in ("seconds", "cpu_seconds")
        }
        for name in trees
    }
    out = {
        "store": str(args.store),
        "memory_limit": env["CUSTODES_MEMORY_LIMIT"],
        "runs": runs,
        "mean": mean,
        "ratio_new_to_base": round(mean["new"]["seconds"] / mean["base"]["seconds"], 3),
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
