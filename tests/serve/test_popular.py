"""Common words answered from prepared tables give the same page as the live search.

Each search runs twice: with an engine that reads the stored common-word tables and
with one that ignores them (the live path), both without the in-memory index, and the
JSON answers must be equal: totals, every facet, the page of awards in order.
"""

from __future__ import annotations

import shutil

import pytest
from starlette.testclient import TestClient

from custodes.search.popular import popular_tokens
from tests.conftest import SHARED_DATA, need_shared
from tests.serve.conftest import prepared_client
from tests.serve.test_facets import _answer, engine


def _compare(client: TestClient, words: list[str], filters: list[dict]) -> int:
    stored, live = engine(client), engine(client, prepared=False)
    compared = 0
    for word in words:
        for extra in filters:
            for page in (1, 2):
                params = {"q": word, "page": page, **extra}
                answer = _answer(client, params, stored)
                assert answer == _answer(client, params, live), params
                compared += answer["data"]["total"] > 0
    assert "prepared" in stored.taken, stored.taken
    assert not any(t.startswith("prepared") for t in live.taken), live.taken
    return compared


def test_common_words_match_live_search_on_fixtures(store_path, tmp_path):
    db = tmp_path / "popular.duckdb"
    shutil.copy(store_path, db)
    with prepared_client(db, popular_awards=2) as client:
        words = sorted(popular_tokens(client.app.state.reader))
        assert len(words) >= 10
        filters = [{}, {"agency": "ICE"}, {"fy": 2022}, {"category": "none"}]
        assert _compare(client, words[:25], filters) >= 25


@pytest.mark.shared
@pytest.mark.slow
def test_common_words_match_live_search_on_the_real_data(db_path, cli):
    need_shared()
    cli("ingest", str(SHARED_DATA / "usaspending"))
    with prepared_client(db_path, popular_awards=1000) as client:
        words = sorted(popular_tokens(client.app.state.reader))
        assert "SERVICES" in words or "SUPPORT" in words
        filters = [{}, {"agency": "ICE"}, {"agency": "CBP"}, {"fy": 2023}, {"fy": 2016}]
        assert _compare(client, words[:: max(1, len(words) // 12)], filters) >= 20
