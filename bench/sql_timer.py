"""Run `custodes ARGS` with every store statement timed: each statement that takes
at least MIN_SECONDS is written to stderr as `SQL <seconds> <statement>` (one line,
its first 200 characters). bench/refresh_bench.py --profile runs the commands
through this to record where a full rebuild's time goes."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from custodes.store import duckdb as store_duckdb

MIN_SECONDS = 0.5


def _timed(execute: Callable[..., list[tuple]]) -> Callable[..., list[tuple]]:
    def run(self: Any, sql: str, params: Any = None) -> list[tuple]:
        start = time.perf_counter()
        try:
            return execute(self, sql, params)
        finally:
            seconds = time.perf_counter() - start
            if seconds >= MIN_SECONDS:
                text = " ".join(sql.split())[:200]
                print(f"SQL {seconds:.2f} {text}", file=sys.stderr, flush=True)

    return run


def main() -> None:
    store_duckdb.Store.execute = _timed(store_duckdb.Store.execute)  # type: ignore[method-assign]
    from custodes.cli import main as cli

    sys.argv = ["custodes", *sys.argv[1:]]
    cli()


if __name__ == "__main__":
    main()
