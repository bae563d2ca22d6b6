"""The category page's largest awards and vendors, read once per reader
(custodes/serve/pages/category.py `largest`), are the rows its queries give: every
page of every category, under both definitions, is the same whether it is a slice of
the kept rows or read from the store, across the boundary of what is kept."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from custodes.serve.app import build_app
from custodes.serve.pages import category
from custodes.settings import Settings
from custodes.store.reader import Reader

CATEGORIES = "SELECT DISTINCT coalesce(category, 'unclassified') AS c FROM serve_award"


def pages(store_path, keep: int, monkeypatch) -> dict[str, object]:
    monkeypatch.setattr(category, "KEEP_AWARDS", keep)
    reader = Reader(store_path, cache_size=0)
    try:
        held = [r["c"] for r in reader.rows(CATEGORIES)]
        counts = {
            c: reader.scalar(
                "SELECT count(*) FROM serve_award "
                "WHERE coalesce(category, 'unclassified') = ?",
                [c],
            )
            for c in held
        }
    finally:
        reader.close()
    out: dict[str, object] = {}
    app = build_app(Settings(db=store_path), page_cache=0, cache_size=0)
    with TestClient(app) as client:
        for c in held:
            for size in (1, 2, 3):
                for page in range(1, counts[c] // size + 3):
                    for components in ("exclude", "include"):
                        url = (
                            f"/category/{c}.json?page={page}&size={size}"
                            f"&components={components}"
                        )
                        answer = client.get(url)
                        assert answer.status_code == 200, url
                        out[url] = answer.json()["tables"]
    return out


def test_kept_rows_are_the_queries_rows(store_path, monkeypatch):
    from_store = pages(store_path, 0, monkeypatch)  # every page read from the store
    kept = pages(store_path, 3, monkeypatch)  # the first 3 awards kept per category
    assert from_store.keys() == kept.keys() and len(kept) > 20
    shown = [t["awards"] for t in kept.values()]
    assert sum(1 for rows in shown if rows) > 10, "pages with awards on them"
    for url, tables in kept.items():
        assert tables == from_store[url], url


@pytest.mark.parametrize("components", [False, True])
def test_vendors_and_awards_kept_once(store_path, components):
    from dataclasses import replace

    from custodes.figures.definition import DEFAULT

    counted = replace(DEFAULT, include_components=components)
    reader = Reader(store_path, cache_size=0)
    try:
        where = counted.category_sql()
        for c in [r["c"] for r in reader.rows(CATEGORIES)]:
            top = category.largest(reader, counted, c)
            assert top["vendors"] == reader.rows(
                category.TOP_VENDORS_SQL.format(category=where, agency=""), [c]
            )
            assert top["awards"] == reader.rows(
                category.TOP_AWARDS_SQL.format(category=where, agency=""),
                [c, category.KEEP_AWARDS, 0],
            )
            assert category.largest(reader, counted, c) is top  # kept, not read again
    finally:
        reader.close()
