"""Server CPU per request of a few pages, in one process, with every cache off: the
measure that barely depends on machine load, for A/B runs between two versions.

    PYTHONPATH=TREE .venv/bin/python bench/serve_pages.py STORE.duckdb [--requests 10]

Run it once with each version's code (PYTHONPATH=that tree) on a store that version
built (ingest, resolve, classify, serve --prepare), and compare the two columns.
"""

from __future__ import annotations

import argparse
import time

from starlette.testclient import TestClient

from custodes.serve.app import build_app
from custodes.settings import Settings

PAGES = (
    "/",
    "/?agency=ICE",
    "/categories",
    "/category/video_sensor_surveillance",
    "/search?q=camera",
    "/search?q=license+plate",
    "/search?q=palantir&sort=newest",
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store")
    ap.add_argument("--requests", type=int, default=10)
    ap.add_argument("--page", action="append", help="a page to time (repeatable)")
    args = ap.parse_args()
    pages = args.page or PAGES
    settings = Settings(db=args.store)
    with TestClient(build_app(settings, page_cache=0, cache_size=0)) as client:
        for page in pages:  # warm-up: connections, the search index
            client.get(page)
        print("| page | CPU ms per request | wall ms per request |")
        print("|---|---:|---:|")
        for page in pages:
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(args.requests):
                answer = client.get(page)
                if answer.status_code != 200:
                    raise SystemExit(f"{page}: HTTP {answer.status_code}")
            n = args.requests
            cpu_ms = 1000 * (time.process_time() - cpu) / n
            wall_ms = 1000 * (time.perf_counter() - wall) / n
            print(f"| `{page}` | {cpu_ms:.1f} | {wall_ms:.1f} |")


if __name__ == "__main__":
    main()
