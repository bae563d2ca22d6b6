"""The page cache is bounded by bytes (custodes/serve/app.py)."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

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
