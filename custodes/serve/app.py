"""The web app: Starlette routes, one per page, each page in three formats.

`build_app(settings)` opens the store read-only. Every route is GET/HEAD only; every
response carries the security headers; every error has one JSON shape (or an HTML
page with the same message).
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from custodes.errors import InputError, NotFound
from custodes.search.engine import SearchEngine, SearchOptions
from custodes.serve.api import build_openapi
from custodes.serve.dataweb_source import DatawebSource
from custodes.serve.pages import Ctx
from custodes.serve.pages.award import award
from custodes.serve.pages.category import categories, category
from custodes.serve.pages.dashboard import dashboard
from custodes.serve.pages.dataweb import explorer, graph_json, node, reach
from custodes.serve.pages.feeds import SCOPES, build_feed
from custodes.serve.pages.methodology import methodology
from custodes.serve.pages.news import whats_new
from custodes.serve.pages.review import review_page
from custodes.serve.pages.search import search
from custodes.serve.pages.vendor import vendor
from custodes.serve.security import SecurityHeaders
from custodes.serve.snapshot import follow_store
from custodes.serve.templating import build_templates, with_query
from custodes.serve.views import (
    META_SUFFIX,
    View,
    error_body,
    render_csv,
    render_csv_metadata,
    render_json,
    split_suffix,
)
from custodes.settings import Settings
from custodes.store.duckdb import Store
from custodes.store.reader import QueryTimeout, Reader
from custodes.store.snapshot import Follower, Handover
from custodes.sync.atom import MEDIA_TYPE, render_atom

MAX_QUERY_STRING = 2000
GET = ["GET", "HEAD"]

# A rendered answer as the page cache keeps it: body, status, media type, and the
# address of the next page for an API answer of one page of many ("" otherwise).
Rendered = tuple[bytes, int, str, str]

# path -> page function; the same page answers at path, path.json and path.csv.
FIXED_PAGES: dict[str, Callable[[Ctx], View]] = {
    "/dashboard": dashboard,
    "/search": search,
    "/categories": categories,
    "/dataweb": explorer,
    "/dataweb/graph": graph_json,
    "/reach": reach,
    "/methodology": methodology,
    "/review": review_page,
    "/new": whats_new,
}
# path prefix -> page function taking one id (the id may carry the .json/.csv suffix).
ID_PAGES: dict[str, Callable[[Ctx, str], View]] = {
    "/award": award,
    "/vendor": vendor,
    "/category": category,
    "/dataweb/node": node,
}

# Atom feeds of one vendor, maker or category: /feeds/KIND/ID.atom (the others:
# /feeds/new.atom, /feeds/search.atom, /feeds/watch.atom).
ID_FEEDS = ("vendor", "maker", "category")

# The page cache is bounded by bytes (Settings.serve_page_cache_mb); the entry bound
# only caps its bookkeeping. With 1,024 entries, the 1,130 addresses of the serve
# benchmark's 10M mix did not fit, and the computed pages set its p95.
PAGE_CACHE_ENTRIES = 65_536

# A search waits at most this long for the search index after a start or a switch of
# store, checking every INDEX_POLL seconds; then it takes the SQL paths.
INDEX_WAIT = 30.0
INDEX_POLL = 0.05

# One thread per core builds pages: most of a page's work now holds the interpreter
# lock (the searches run in memory), and with 32 clients on 2 cores, 2 threads gave
# a lower p95 than 4 in each of three alternating long-tail runs (124-162 ms against
# 140-194 ms).
RENDER_THREADS = max(2, os.cpu_count() or 2)


class App:
    def __init__(
        self,
        reader: Reader,
        dataweb: DatawebSource,
        page_cache: int = PAGE_CACHE_ENTRIES,
        search_index: bool = True,
        page_cache_bytes: int = 128 * 1024 * 1024,
    ):
        self.reader = reader
        self.search_options = SearchOptions(index=search_index)
        self.search = SearchEngine(reader, options=self.search_options).start()
        # the reader and its search engine, swapped as one (a page never pairs a new
        # store with the old one's search)
        self.current = (self.reader, self.search)
        self.dataweb = dataweb
        self.templates = build_templates()
        self.pages = PageCache(page_cache, page_cache_bytes)
        # Pages are built in at most this many threads; more requests wait their turn
        # without a thread. Dozens of threads contending for the interpreter lock
        # cost CPU without computing more pages.
        self.limiter = anyio.CapacityLimiter(RENDER_THREADS)

    def ctx(self, request: Request) -> Ctx:
        if len(request.url.query) > MAX_QUERY_STRING:
            raise InputError(
                f"The query string is longer than {MAX_QUERY_STRING} "
                "characters. Use fewer parameters."
            )
        params = {k: v for k, v in request.query_params.items()}
        reader, search = self.current
        return Ctx(reader, params, self.dataweb, path=request.url.path, search=search)

    async def fixed(
        self, request: Request, fn: Callable[[Ctx], View], fmt: str
    ) -> Response:
        return await self.serve(request, partial(fn), fmt, needs_index=fn is search)

    async def by_id(self, request: Request, fn: Callable[[Ctx, str], View]) -> Response:
        ident, fmt = split_suffix(request.path_params["ident"])
        request.state.fmt = fmt
        return await self.serve(request, partial(_with_id, fn, ident), fmt)

    async def serve(
        self,
        request: Request,
        fn: Callable[[Ctx], View],
        fmt: str,
        needs_index: bool = False,
    ) -> Response:
        """A rendered page from the page cache, or built (query and render) off the
        event loop and then cached. The store cannot change while it is open here.
        NEEDS_INDEX: a search, built once the search index is ready (see
        index_ready)."""
        key = (request.url.path, request.url.query)
        pages = self.pages  # a page built before a switch goes to the old cache
        cached = pages.get(key)
        if cached is None:
            if needs_index:
                await self.index_ready()
            ctx = self.ctx(request)
            cached = await anyio.to_thread.run_sync(
                self.render, request, fn, fmt, ctx, limiter=self.limiter
            )
            pages.put(key, cached)
        body, status, media_type, following = cached
        links = []
        if fmt == "csv":  # where the sidecar is (CSV on the Web's Link header)
            meta = request.url.path[: -len(".csv")] + "." + META_SUFFIX
            query = f"?{request.url.query}" if request.url.query else ""
            links.append(
                f'<{meta}{query}>; rel="describedby"; type="application/csvm+json"'
            )
        if following:  # a table of one page of many: where the next page is
            links.append(f'<{following}>; rel="next"')
        headers = {"link": ", ".join(links)} if links else {}
        return Response(body, status, media_type=media_type, headers=headers)

    async def index_ready(self) -> None:
        """Wait, without a page thread, until the search engine's in-memory index is
        built (or known to be impossible), for at most INDEX_WAIT seconds. Until then a
        search would take the SQL paths, which at 10M transactions cost seconds each
        and hold the page threads and the store's query slots from every other page;
        the index is built in 3-6 s at start (10M transactions)."""
        waited = 0.0
        while not self.current[1].ready and waited < INDEX_WAIT:
            await anyio.sleep(INDEX_POLL)
            waited += INDEX_POLL

    def render(
        self, request: Request, fn: Callable[[Ctx], View], fmt: str, ctx: Ctx
    ) -> Rendered:
        """The page's body (encoded once, as the page cache keeps it), status, media
        type and, for the API (.json, .csv) of a view with more pages, the address of
        the next page (a Link header: an export of one page says there is more)."""
        view = fn(ctx)
        body, status, media_type = self.render_view(request, view, fmt, ctx)
        following = ""
        # the paged table is a view's first (awards, actions); its others are whole
        first = next(iter(view.tables), None)
        exported = ctx.params.get("table") or first
        if (fmt == "json" or (fmt == "csv" and exported == first)) and isinstance(
            view.data, dict
        ):
            page, pages = view.data.get("page"), view.data.get("pages")
            if isinstance(page, int) and isinstance(pages, int) and page < pages:
                following = request.url.path + with_query(
                    dict(ctx.params), page=page + 1
                )
        return body.encode("utf-8"), status, media_type, following

    def render_view(
        self, request: Request, view: View, fmt: str, ctx: Ctx
    ) -> tuple[str, int, str]:
        if fmt == "json":
            return render_json(view), view.status, "application/json"
        if fmt == "csv":
            return (
                render_csv(view, ctx.params.get("table")),
                view.status,
                "text/csv; charset=utf-8",
            )
        if fmt == "csvmeta":
            csv_url = request.url.path[: -len(META_SUFFIX) - 1] + ".csv"
            return (
                render_csv_metadata(view, ctx.params.get("table"), csv_url),
                view.status,
                "application/csvm+json",
            )
        html = self.templates.get_template(view.template).render(
            view=view,
            data=view.data,
            tables=view.tables,
            params=ctx.params,
            path=request.url.path,
            query=request.url.query,
        )
        return html, view.status, "text/html; charset=utf-8"

    async def feed(self, request: Request, kind: str) -> Response:
        """An Atom feed (custodes/serve/pages/feeds.py), cached like a page."""
        ident = request.path_params.get("ident", "")
        if kind in ID_FEEDS:
            if not ident.endswith(".atom"):
                raise HTTPException(404)
            ident = ident[: -len(".atom")]
        base = str(request.base_url)
        key = (request.url.path, f"{request.url.query}|{base}")
        pages = self.pages
        cached = pages.get(key)
        if cached is None:
            if kind == "search":
                await self.index_ready()
            ctx = self.ctx(request)

            def make() -> Rendered:
                xml = render_atom(build_feed(ctx, kind, ident, base))
                return xml.encode("utf-8"), 200, MEDIA_TYPE, ""

            cached = await anyio.to_thread.run_sync(make, limiter=self.limiter)
            pages.put(key, cached)
        body, status, media_type, _ = cached
        return Response(body, status, media_type=media_type)

    async def home(self, request: Request) -> Response:
        return await self.fixed(request, dashboard, "html")

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(build_openapi(str(request.base_url).rstrip("/")))

    async def api_page(self, request: Request) -> Response:
        html = self.templates.get_template("api.html").render(
            view=View("api.html", "HTTP API"),
            spec=build_openapi(""),
            path="/api",
            params={},
            query="",
        )
        return Response(html, media_type="text/html; charset=utf-8")

    async def health(self, request: Request) -> Response:
        follower = getattr(request.app.state, "follower", None)
        handover = getattr(request.app.state, "handover", None)
        return JSONResponse(
            {
                "status": "ok",
                "store": self.reader.path.name,
                "page_cache_entries": len(self.pages.items),
                "page_cache_bytes": self.pages.bytes,
                "search_index": self.current[1].status(),
                "cache_hits": self.reader.cache_hits,
                "cache_misses": self.reader.cache_misses,
                **({"snapshot": follower.status()} if follower else {}),
                **({"handover": handover.status()} if handover else {}),
            }
        )

    def switch_reader(self, reader: Reader) -> Reader:
        """Serve from READER from now on; returns the previous one. Cached pages and
        results belong to the previous store and are dropped."""
        search = SearchEngine(reader, options=self.search_options).start()
        old = self.reader
        # the new pair first, then an empty page cache: a page put in the new cache
        # was built on the new reader
        self.current = (reader, search)
        self.reader, self.search = reader, search
        self.pages = PageCache(self.pages.size, self.pages.max_bytes)
        return old


def _with_id(fn: Callable[[Ctx, str], View], ident: str, ctx: Ctx) -> View:
    return fn(ctx, ident)


class PageCache:
    """Rendered responses (encoded bodies) by path and query string, the least
    recently asked for dropped first: at most SIZE entries and MAX_BYTES bytes of
    body, and no body over MAX_BODY."""

    MAX_BODY = 512 * 1024

    def __init__(self, size: int, max_bytes: int = 128 * 1024 * 1024):
        self.size = size
        self.max_bytes = max_bytes
        self.bytes = 0
        self.items: OrderedDict[tuple[str, str], Rendered] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> Rendered | None:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
            return found

    def put(self, key: tuple[str, str], value: Rendered) -> None:
        body = len(value[0])
        if not self.size or value[1] != 200:
            return
        if body > min(self.MAX_BODY, self.max_bytes):
            return
        with self.lock:
            old = self.items.pop(key, None)
            if old is not None:
                self.bytes -= len(old[0])
            self.items[key] = value
            self.bytes += body
            while len(self.items) > self.size or self.bytes > self.max_bytes:
                self.bytes -= len(self.items.popitem(last=False)[1][0])


def wants_json(request: Request) -> bool:
    path = request.url.path
    fmt = getattr(request.state, "fmt", None) or split_suffix(path)[1]
    return (
        fmt in ("json", "csv", "csvmeta")
        or path.startswith("/api")
        or path == "/openapi.json"
    )


def error_response(
    app: App, request: Request, status: int, code: str, message: str
) -> Response:
    if wants_json(request):
        return JSONResponse(error_body(status, code, message), status_code=status)
    html = app.templates.get_template("error.html").render(
        view=View("error.html", f"Error {status}"),
        status=status,
        message=message,
        path=request.url.path,
        params={},
        query="",
    )
    return Response(html, status, media_type="text/html; charset=utf-8")


def build_routes(app: App) -> list[Any]:
    routes: list[Any] = [Route("/", app.home, methods=GET)]
    for path, fn in FIXED_PAGES.items():
        for fmt, suffix in (
            ("html", ""),
            ("json", ".json"),
            ("csv", ".csv"),
            ("csvmeta", "." + META_SUFFIX),
        ):
            routes.append(
                Route(
                    path + suffix,
                    partial(app.fixed, fn=fn, fmt=fmt),
                    methods=GET,
                    name=f"{path}{suffix}",
                )
            )
    for prefix, id_fn in ID_PAGES.items():
        routes.append(
            Route(prefix + "/{ident}", partial(app.by_id, fn=id_fn), methods=GET)
        )
    for kind in SCOPES:
        path = f"/feeds/{kind}/{{ident}}" if kind in ID_FEEDS else f"/feeds/{kind}.atom"
        routes.append(Route(path, partial(app.feed, kind=kind), methods=GET))
    routes += [
        Route("/openapi.json", app.openapi, methods=GET),
        Route("/api", app.api_page, methods=GET),
        Route("/healthz", app.health, methods=GET),
    ]
    feed = build_feed_route()
    if feed is not None:
        routes.append(feed)
    static = resources.files("custodes.serve").joinpath("static")
    routes.append(Mount("/static", StaticFiles(directory=str(static)), name="static"))
    return routes


def build_feed_route() -> Route | None:
    """/feeds/watch.atom from custodes.sync when that stage provides build_atom_feed."""
    try:
        from custodes.sync.atom import build_atom_feed
    except ImportError:
        return None

    def feed(request: Request) -> Response:
        reader: Reader = request.app.state.reader
        store = Store(reader.con.cursor(), reader.path, read_only=True)
        try:
            xml = build_atom_feed(store, base_url=str(request.base_url))
        finally:
            store.close()
        return Response(xml, media_type="application/atom+xml")

    async def endpoint(request: Request) -> Response:
        return await run_in_threadpool(feed, request)

    return Route("/feeds/watch.atom", endpoint, methods=GET)


def build_app(
    settings: Settings,
    dataweb: DatawebSource | None = None,
    time_limit: float = 5.0,
    cache_size: int = 4096,
    page_cache: int = PAGE_CACHE_ENTRIES,
    follow: tuple[Settings, dict[str, Any], tuple[int, int, bool], float] | None = None,
    hand_over: bool = False,
) -> Starlette:
    """The web app on SETTINGS.db. FOLLOW = (the store's settings, its markers and
    file stamp when SETTINGS.db was copied from it, refresh seconds): SETTINGS.db is
    a snapshot, and the app moves to a new one whenever the store changes
    (custodes/serve/snapshot.py). HAND_OVER: SETTINGS.db is the store itself, handed
    over to a writer that asks for it (custodes/store/snapshot.py Handover).
    PAGE_CACHE: at most this many rendered pages are kept (0: none), in at most
    SETTINGS.serve_page_cache_mb megabytes."""
    reader = Reader(settings.db, time_limit=time_limit, cache_size=cache_size)
    app = App(
        reader,
        dataweb or DatawebSource(),
        page_cache=page_cache,
        search_index=settings.serve_search_index,
        page_cache_bytes=int(settings.serve_page_cache_mb * 1024 * 1024),
    )

    async def on_http(request: Request, exc: HTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(
            exc.status_code, "http_error"
        )
        message = {
            404: "No such page. Start from / or see /api for the endpoints.",
            405: "This site is read-only: only GET and HEAD are allowed.",
        }.get(exc.status_code, str(exc.detail))
        return error_response(app, request, exc.status_code, code, message)

    async def on_input(request: Request, exc: Exception) -> Response:
        return error_response(app, request, 400, "bad_request", str(exc))

    async def on_not_found(request: Request, exc: Exception) -> Response:
        return error_response(app, request, 404, "not_found", str(exc))

    async def on_timeout(request: Request, exc: Exception) -> Response:
        return error_response(app, request, 503, "query_timeout", str(exc))

    async def on_error(request: Request, exc: Exception) -> Response:
        return error_response(
            app,
            request,
            500,
            "server_error",
            "Something went wrong on our side. The error was logged.",
        )

    # Any: Starlette types each handler as taking Exception, on_http takes its subclass.
    handlers: dict[Any, Any] = {
        HTTPException: on_http,
        InputError: on_input,
        NotFound: on_not_found,
        QueryTimeout: on_timeout,
        Exception: on_error,
    }
    star = Starlette(routes=build_routes(app), exception_handlers=handlers)
    star.state.reader = reader
    star.state.app = app  # its search engine (app.search) follows a snapshot switch
    star.add_middleware(SecurityHeaders)
    if follow is not None:
        star.state.follower = _follow(star, app, settings.db, follow, time_limit)
    if hand_over:
        # a page's queries each stop at the time limit: then the old file is free
        grace = time_limit * 2
        star.state.handover = Handover(
            Path(settings.db), _swapper(star, app, time_limit, grace), grace=grace
        ).start()
    return star


def _swapper(
    star: Starlette, app: App, time_limit: float, grace: float
) -> Callable[[Path], Path]:
    """swap(path): serve from a new reader on PATH; the old one is closed after GRACE
    seconds (pages being answered finish on it); returns the old path."""

    def swap(path: Path) -> Path:
        new = Reader(path, time_limit=time_limit, cache_size=app.reader.cache_size)
        old = app.switch_reader(new)
        star.state.reader = new
        threading.Timer(grace, old.close).start()
        return old.path

    return swap


def _follow(
    star: Starlette,
    app: App,
    current: Path,
    follow: tuple[Settings, dict[str, Any], tuple[int, int, bool], float],
    time_limit: float,
) -> Follower:
    store_settings, markers, stamp, refresh = follow
    grace = max(30.0, time_limit * 4)
    swap = _swapper(star, app, time_limit, grace)
    return follow_store(
        store_settings, Path(current), markers, stamp, swap, refresh, grace + 5
    ).start()


def dump_openapi() -> str:
    return json.dumps(build_openapi(""), indent=2)


def app_from_env() -> Starlette:
    """Factory for running several server processes (`uvicorn --factory --workers N
    custodes.serve.app:app_from_env`): settings from the environment (CUSTODES_DB,
    CUSTODES_SERVE_TIME_LIMIT), as `custodes serve --workers` sets them."""
    settings = Settings.from_env()
    return build_app(settings, time_limit=settings.serve_time_limit)
