"""Server CPU per request of a few pages, in one process, with every cache off: the
measure that barely depends on machine load, for A/B runs between two versions.

    PYTHONPATH=TREE .venv/bin/python bench/serve_pages.py STORE.duckdb [--requests 10]

Run it once with each version's code (PYTHONPATH=that tree) on a store that version
built (ingest, resolve, classify, serve --prepare), and compare the two columns. The
search index is built before the timing starts (both versions build it in the
background; until it is ready searches take the SQL paths). --rounds N times the
pages N times in turn and prints each page's median; the first request of each page
(after the index, and after /api has compiled the base templates) is shown apart: it
pays for what the open store keeps afterwards (Reader.derived). --profile PAGE prints
where one page's time goes (cProfile, the page function and its template in this
thread, no HTTP; main's code only).
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

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
    "/vendor/deployed-resources",
)


def wait_for_index(star: Any, seconds: float = 900) -> None:
    """Until the app's search index is built (main: app.search; the code before the
    architecture move: reader.derived_values['search_index'])."""
    app = getattr(star.state, "app", None)
    if app is not None and hasattr(getattr(app, "search", None), "wait"):
        app.search.wait(seconds)
        return
    values = star.state.reader.derived_values
    end = time.monotonic() + seconds
    while "search_index" not in values and time.monotonic() < end:
        time.sleep(0.1)


def time_pages(client: TestClient, pages: tuple[str, ...], n: int) -> dict[str, float]:
    cpu_ms = {}
    for page in pages:
        cpu = time.process_time()
        for _ in range(n):
            answer = client.get(page)
            if answer.status_code != 200:
                raise SystemExit(f"{page}: HTTP {answer.status_code}")
        cpu_ms[page] = 1000 * (time.process_time() - cpu) / n
    return cpu_ms


def profile(star: Any, page: str, n: int) -> None:
    """cProfile of PAGE's page function and template, N times, in this thread."""
    import cProfile
    import pstats

    from starlette.requests import Request

    app = star.state.app
    from starlette.routing import Match

    path, _, query = page.partition("?")
    scope = {"type": "http", "method": "GET", "path": path, "headers": [],
             "query_string": query.encode(), "app": star}  # fmt: skip
    route = next(r for r in star.routes if r.matches(scope)[0] == Match.FULL)
    scope.update(route.matches(scope)[1])
    request = Request(scope)
    fn = _page_function(app, route, request)
    app.render(request, fn, "html", app.ctx(request))  # warm-up
    prof = cProfile.Profile()
    cpu = time.process_time()
    prof.enable()
    for _ in range(n):
        app.render(request, fn, "html", app.ctx(request))
    prof.disable()
    print(f"{page}: {1000 * (time.process_time() - cpu) / n:.1f} CPU ms a page")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(45)


def _page_function(app: Any, route: Any, request: Any) -> Any:
    from functools import partial

    from custodes.serve import app as app_module
    from custodes.serve.pages import category, dashboard, search, vendor

    path = request.url.path
    if path == "/":
        return dashboard.dashboard
    if path == "/categories":
        return category.categories
    if path == "/search":
        return search.search
    ident = request.path_params.get("ident", "")
    fn = {"category": category.category, "vendor": vendor.vendor}[path.split("/")[1]]
    return partial(app_module._with_id, fn, ident)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store")
    ap.add_argument("--requests", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--page", action="append", help="a page to time (repeatable)")
    ap.add_argument("--profile", metavar="PAGE", help="profile PAGE in this thread")
    args = ap.parse_args()
    pages = tuple(args.page or PAGES)
    settings = Settings(db=args.store)
    star = build_app(settings, page_cache=0, cache_size=0)
    with TestClient(star) as client:
        wait_for_index(star)
        client.get("/api")  # the base templates, compiled once per process
        first = time_pages(client, pages, 1)  # and what each reader keeps
        if args.profile:
            profile(star, args.profile, args.requests)
            return
        rounds = [time_pages(client, pages, args.requests) for _ in range(args.rounds)]
    print("| page | CPU ms per request (median of rounds) | rounds | first request |")
    print("|---|---:|---|---:|")
    for page in pages:
        each = [r[page] for r in rounds]
        spread = ", ".join(f"{x:.1f}" for x in each)
        median = statistics.median(each)
        print(f"| `{page}` | {median:.1f} | {spread} | {first[page]:.1f} |")


if __name__ == "__main__":
    main()
