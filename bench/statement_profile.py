"""Where one statement of a full build spends its time: the build runs on a store in
a transaction that is rolled back (as bench/serve_tables_ab.py), and the statement
that creates TABLE runs under DuckDB's profiler; prints its operators as a tree
with each one's seconds (summed over threads) and rows, and the statement's wall
and CPU seconds.

    PYTHONPATH=TREE .venv/bin/python bench/statement_profile.py STORE serve_award \
        [--memory 600MB] [--linked] [--min 0.05]

TABLE is one the web app's tables (custodes/figures/serve_tables.py) or the
analysis frame's (custodes/figures/analyse_tables.py: analyse_frame,
frame_keys, frame_flags, ...) build; the store needs `award_number` for every
award (any refreshed store has it).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from serve_tables_ab import cpu, load, time_build  # bench/

from custodes.figures import analyse_tables, serve_tables
from custodes.store.duckdb import Store


def show(node: dict[str, Any], least: float, depth: int = 0) -> None:
    """Print NODE and its children (those of at least LEAST seconds, and the
    path to them)."""
    seconds = node.get("timing", 0.0)
    info = node.get("extra_info", {})
    what = next(
        (
            str(info[k])[:90]
            for k in ("Aggregates", "Conditions", "Order By", "Table", "Projections")
            if k in info
        ),
        "",
    )
    if seconds >= least or depth == 0:
        print(
            f"{'  ' * depth}{node['name']} {seconds:.2f} s "
            f"rows={node.get('intermediate_rows', 0):,} {what}"
        )
    for child in node.get("children", []):
        show(child, least, depth + 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("store")
    ap.add_argument("table")
    ap.add_argument("--memory", default="3GB")
    ap.add_argument("--linked", action="store_true")
    ap.add_argument("--min", type=float, default=0.05, help="operators of at least")
    args = ap.parse_args()
    out = Path(tempfile.mkdtemp()) / "profile.json"
    execute = Store.execute

    def run(self: Store, sql: str, params: Any = None) -> list[tuple]:
        words = sql.split()
        creates = words[:3] == ["CREATE", "OR", "REPLACE"] and args.table in words[3:6]
        if not creates:
            return execute(self, sql, params)
        self.con.execute("PRAGMA enable_profiling='json'")
        self.con.execute(f"PRAGMA profiling_output='{out}'")
        wall, used = time.perf_counter(), cpu()
        try:
            return execute(self, sql, params)
        finally:
            wall, used = time.perf_counter() - wall, cpu() - used
            self.con.execute("PRAGMA disable_profiling")
            profile = json.loads(out.read_text())
            show(profile["operator"][0], args.min)
            print(
                f"{args.table}: {wall:.2f} s wall, {used:.2f} s CPU, load {load()}, "
                f"spilled {profile['system'].get('total_bytes_spilled', 0):,} bytes"
            )

    Store.execute = run  # type: ignore[method-assign]
    frame = args.table.startswith(("analyse_", "frame_"))
    time_build(
        args.store,
        args.memory,
        lambda store: (
            analyse_tables.write_analysis_tables(
                store, numbered=True, linked=args.linked
            )
            if frame
            else serve_tables.write_serve_tables(store, linked=args.linked)
        ),
        (analyse_tables if frame else serve_tables).__file__,
    )


if __name__ == "__main__":
    main()
