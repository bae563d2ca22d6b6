"""Benchmark: how fast the data web answers, for the CLI and the web app.

    .venv/bin/python bench/dataweb_bench.py [--db STORE.duckdb] [--repeat N]

Times, best of N runs, in this process:
  baseline  parsing the curated files with PyYAML's pure-Python safe loader alone
  check     load_dataweb + validate (what `custodes check` does)
  reach     reach() for every data category in the vocabulary
  show      show() for every entry
  feeds     feeds() with the store for every system that has funding entries
            (skipped without --db; build one with `custodes ingest PATH`)
  exports   graph_json, GraphML and FollowTheMoney exports to a temporary folder
Prints each time and its ratio to the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from custodes.dataweb.export import graph_json, write_ftm, write_graphml  # noqa: E402
from custodes.dataweb.funding import feeds  # noqa: E402
from custodes.dataweb.loader import default_data_dir, load_dataweb  # noqa: E402
from custodes.dataweb.queries import reach, show  # noqa: E402
from custodes.dataweb.validate import validate  # noqa: E402
from custodes.settings import Settings  # noqa: E402
from custodes.store.duckdb import open_store  # noqa: E402


def best(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    folder = default_data_dir()
    web = load_dataweb()
    categories = sorted(web.vocabulary["data_categories"])
    funded = sorted({m.data["system"] for m in web.of_kind("funding")})

    def parse_only() -> None:
        for path in folder.glob("*.yaml"):
            yaml.safe_load(path.read_text())

    def exports() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            graph_json(web)
            write_graphml(web, Path(tmp) / "w.graphml")
            write_ftm(web, Path(tmp) / "w.ftm.json")

    results = {
        "baseline (yaml parse)": best(parse_only, args.repeat),
        "check (load + validate)": best(lambda: validate(load_dataweb()), args.repeat),
        f"reach x{len(categories)} categories": best(
            lambda: [reach(c, web) for c in categories], args.repeat
        ),
        f"show x{len(web.entries)} entries": best(
            lambda: [show(i, web) for i in web.entries], args.repeat
        ),
        "exports (json, graphml, ftm)": best(exports, args.repeat),
    }
    if args.db:
        with open_store(Settings(db=args.db)) as store:
            results[f"feeds x{len(funded)} systems, with store"] = best(
                lambda: [feeds(s, store, web) for s in funded], args.repeat
            )
    base = results["baseline (yaml parse)"]
    print(f"data web: {len(web.entries)} entries; best of {args.repeat} runs")
    for name, seconds in results.items():
        print(f"{name:40s} {seconds * 1000:9.1f} ms   {seconds / base:6.2f}x baseline")


if __name__ == "__main__":
    main()
