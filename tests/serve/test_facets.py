"""Searches counted in Python (custodes/search/facets.py) give the same answer as the
SQL statements they replace: every search runs with the Python paths on, then with
them off (SMALL set below any count), and the JSON answers must be equal."""

from __future__ import annotations

import shutil

import pytest
from starlette.testclient import TestClient

import custodes.search.popular as popular
import custodes.serve.pages.search as search_page
from custodes.search.facets import SMALL
from custodes.search.facets import count_facets as _count_facets
from tests.conftest import SHARED_DATA, need_shared
from tests.serve.conftest import prepared_client


def _answer(client: TestClient, params: dict) -> dict:
    got = client.get("/search.json", params=params)
    assert got.status_code == 200, got.text
    body = got.json()
    body.pop("meta", None)
    return body


def _compare(client: TestClient, queries: list[str], filters: list[dict]) -> int:
    """How many searches with matches gave equal answers both ways (fails if any
    differ); both Python paths must have been taken. The in-memory index is off: it
    answers before these paths (test_index.py compares it with them)."""
    compared = 0
    taken = {"live": 0, "common word": 0}
    for module, path in ((search_page, "live"), (popular, "common word")):
        count = module.count_facets

        def spy(*a, _count=count, _path=path, **k):  # type: ignore[no-untyped-def]
            taken[_path] += 1
            return _count(*a, **k)

        module.count_facets = spy  # restored below
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(search_page, "USE_INDEX", False)
            compared = _compare_all(client, queries, filters)
    finally:
        search_page.count_facets = popular.count_facets = _count_facets
    assert all(taken.values()), taken
    return compared


def _compare_all(client: TestClient, queries: list[str], filters: list[dict]) -> int:
    compared = 0
    for q in queries:
        for extra in filters:
            for page in (1, 2):
                params = {"q": q, "page": page, "size": 10, **extra}
                python = _answer(client, params)
                with pytest.MonkeyPatch.context() as mp:
                    mp.setattr(search_page, "SMALL", -1)
                    mp.setattr(popular, "SMALL", -1)
                    sql = _answer(client, params)
                assert python == sql, params
                compared += python["data"]["total"] > 0
    return compared


def _queries(client: TestClient) -> list[str]:
    """Common words, rare words, prefixes and two-word searches from the store."""
    con = client.app.state.reader.con.cursor()
    try:
        counts = con.execute(
            "SELECT token, count(*) AS n FROM serve_token WHERE length(token) >= 3 "
            "GROUP BY token ORDER BY n DESC, token"
        ).fetchall()
    finally:
        con.close()
    tokens = [t for t, _ in counts]
    step = max(1, len(tokens) // 30)
    words = tokens[::step]
    pairs = [f"{a} {b}" for a, b in zip(words, words[1:6], strict=False)]
    return words + [w[:3] for w in words[:5]] + pairs


def test_python_counts_match_sql_on_fixtures(store_path, tmp_path):
    db = tmp_path / "facets.duckdb"
    shutil.copy(store_path, db)
    with prepared_client(db, popular_awards=3) as client:
        filters = [{}, {"agency": "ICE"}, {"fy": 2022}, {"category": "none"}]
        assert _compare(client, _queries(client), filters) >= 40


@pytest.mark.shared
@pytest.mark.slow
def test_python_counts_match_sql_on_the_real_data(db_path, cli):
    need_shared()
    cli("ingest", str(SHARED_DATA / "usaspending"))
    with prepared_client(db_path, popular_awards=200) as client:
        queries = _queries(client)
        filters = [{}, {"agency": "CBP"}, {"fy": 2016}]
        assert _compare(client, queries, filters) >= 60
        assert SMALL >= 1000


def test_word_rows_in_memory_match_the_word_table(client):
    """custodes/search/tokens.py: rows of every word starting with a prefix, by two
    binary searches, against a count over the word table."""
    from custodes.search.tokens import load_token_counts

    reader = client.app.state.reader
    counts = load_token_counts(reader)
    assert counts is not None and len(counts.tokens) > 50
    prefixes = list(counts.tokens[:: max(1, len(counts.tokens) // 40)])
    prefixes += [t[:1] for t in prefixes] + [t[:2] for t in prefixes] + ["ZZZZ", "0"]
    con = reader.con.cursor()
    try:
        for prefix in prefixes:
            want = con.execute(
                "SELECT count(*) FROM serve_token WHERE starts_with(token, ?)", [prefix]
            ).fetchone()[0]
            assert counts.rows(prefix) == want, prefix
    finally:
        con.close()
    ranked = counts.rarest_first(prefixes[:10])
    assert [counts.rows(t) for t in ranked] == sorted(counts.rows(t) for t in ranked)


def test_word_rows_of_a_prefix_cover_every_word_after_it():
    from custodes.search.tokens import TokenCounts

    tokens = ["A", "A0", "AB", "AZ", "AZZ9", "B", "BA", "Z9"]
    rows = [1, 2, 4, 8, 16, 32, 64, 128]
    running = [0]
    for n in rows:
        running.append(running[-1] + n)
    counts = TokenCounts(tuple(tokens), tuple(running))
    for prefix in ["A", "AZ", "B", "Z", "Z9", "C", "", "AZZ9", "0"]:
        want = sum(n for t, n in zip(tokens, rows, strict=True) if t.startswith(prefix))
        assert counts.rows(prefix) == want, prefix
    # A starts 31 word rows, AZ 24, B 96
    assert counts.rarest_first(["B", "A", "AZ"]) == ["AZ", "A", "B"]


def test_award_rows_kept_in_memory_are_the_rows_of_the_table(client):
    """custodes/search/awardrows.py: rows read, kept and evicted give the same answer
    as reading the award table, in the order asked for."""
    import random

    from custodes.search.awardrows import COLUMNS, AwardRows

    reader = client.app.state.reader
    con = reader.con.cursor()
    try:
        ids = [r[0] for r in con.execute("SELECT award_id FROM serve_award").fetchall()]
        rows = AwardRows(keep=7)
        rng = random.Random(4)
        for _ in range(30):
            asked = rng.sample(ids, rng.randint(0, 12)) + [10**9]  # one id not there
            cur = con.execute(
                f"SELECT {COLUMNS} FROM serve_award WHERE award_id IN "
                "(SELECT unnest(?))",
                [asked],
            )
            names = [d[0] for d in cur.description]
            by_id = {
                r[0]: dict(zip(names[1:], r[1:], strict=True)) for r in cur.fetchall()
            }
            want = [by_id[i] for i in asked if i in by_id]
            assert rows.get(reader, asked) == want
            assert len(rows.rows) <= 7
    finally:
        con.close()
