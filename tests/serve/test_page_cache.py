"""The page cache is bounded by bytes, and a search asked for while the search index
is being built waits for it instead of taking the SQL paths (custodes/serve/app.py)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

import custodes.search.engine as engine_module
import custodes.serve.app as app_module
from custodes.search.engine import Results, SearchEngine
from custodes.search.query import Query
from custodes.serve.app import PageCache, build_app
from custodes.settings import Settings


def _page(size: int) -> tuple[bytes, int, str]:
    return b"x" * size, 200, "text/html"


def test_page_cache_keeps_at_most_its_bytes_least_recent_out_first():
    cache = PageCache(100, max_bytes=1000)
    for i in range(4):
        cache.put((f"/p{i}", ""), _page(300))
    # 4 x 300 bytes > 1000: the first one asked for went
    assert cache.get(("/p0", "")) is None
    assert cache.bytes == 900 and len(cache.items) == 3
    cache.get(("/p1", ""))  # now the most recent
    cache.put(("/p4", ""), _page(300))
    assert cache.get(("/p2", "")) is None and cache.get(("/p1", "")) is not None
    # the same address again replaces its body, counted once
    cache.put(("/p4", ""), _page(100))
    assert cache.bytes == 700
    # a body larger than the whole budget, an error and a zero-entry cache keep none
    cache.put(("/big", ""), _page(1001))
    cache.put(("/err", ""), (b"e", 500, "text/html"))
    assert cache.get(("/big", "")) is None and cache.get(("/err", "")) is None
    off = PageCache(0)
    off.put(("/p", ""), _page(1))
    assert off.get(("/p", "")) is None


def test_page_cache_size_is_a_setting(store_path: Path):
    env = {"CUSTODES_SERVE_PAGE_CACHE_MB": "2"}
    assert Settings.from_env(env).serve_page_cache_mb == 2
    settings = Settings(db=store_path, serve_page_cache_mb=0.001)  # 1,048 bytes
    with TestClient(build_app(settings)) as client:
        assert client.get("/search?q=camera").status_code == 200
        health = client.get("/healthz").json()
    # a search page is larger than the budget: nothing kept
    assert health["page_cache_entries"] == 0 and health["page_cache_bytes"] == 0
    with TestClient(build_app(Settings(db=store_path))) as client:
        body = client.get("/search?q=camera").content
        health = client.get("/healthz").json()
    assert health["page_cache_entries"] == 1
    assert health["page_cache_bytes"] == len(body)


@pytest.fixture
def slow_index(monkeypatch: pytest.MonkeyPatch):
    """The index is built only once the returned event is set; searches note which
    way answered them."""
    release = threading.Event()
    build = engine_module.build_search_index
    builds: list[threading.Event] = []

    def held(reader):
        done = threading.Event()
        builds.append(done)
        try:
            release.wait(30)
            return build(reader)
        finally:
            done.set()

    monkeypatch.setattr(engine_module, "build_search_index", held)
    ways: list[str] = []
    search = SearchEngine.search

    def noted(self: SearchEngine, query: Query) -> Results:
        found = search(self, query)
        ways.append(found.answered_by)
        return found

    monkeypatch.setattr(SearchEngine, "search", noted)
    yield release, ways
    release.set()
    for done in builds:  # no build left running in DuckDB when the tests end
        assert done.wait(60)


def _ask(client: TestClient, path: str, into: list) -> None:
    into.append(client.get(path))


def test_a_search_waits_for_the_index_being_built(store_path: Path, slow_index):
    release, ways = slow_index
    with TestClient(build_app(Settings(db=store_path), page_cache=0)) as client:
        answers: list = []
        asking = threading.Thread(
            target=_ask, args=(client, "/search.json?q=camera", answers)
        )
        asking.start()
        time.sleep(0.5)
        state = client.get("/healthz").json()["search_index"]
        assert state == {"state": "building", "build_seconds": None}
        # the other pages do not wait
        assert client.get("/categories.json").status_code == 200
        assert not answers and not ways  # the search waits, not in a page thread
        release.set()
        asking.join(30)
        assert answers[0].status_code == 200
        assert answers[0].json()["data"]["total"] > 0
        state = client.get("/healthz").json()["search_index"]
        assert state["state"] == "ready" and state["build_seconds"] >= 0.5
    assert ways == ["index"]


def test_a_search_goes_ahead_in_sql_when_the_index_is_late(
    store_path: Path, slow_index, monkeypatch: pytest.MonkeyPatch
):
    _, ways = slow_index
    monkeypatch.setattr(app_module, "INDEX_WAIT", 0.3)
    with TestClient(build_app(Settings(db=store_path), page_cache=0)) as client:
        started = time.monotonic()
        answer = client.get("/search.json?q=camera")
        assert time.monotonic() - started >= 0.3
    assert answer.status_code == 200 and answer.json()["data"]["total"] > 0
    assert ways and "index" not in ways
