"""Searches counted in Python (custodes/search/facets.py) give the same answer as the
SQL statements they replace: every search runs with an engine that counts in Python,
then with one that never does (small below any count), and the JSON answers must be
equal."""

from __future__ import annotations

import json
import shutil

import pytest
from starlette.testclient import TestClient

from custodes.search.engine import Results, SearchEngine, SearchOptions
from custodes.search.facets import SMALL
from custodes.search.query import Query
from custodes.serve.pages import Ctx
from custodes.serve.pages.search import search
from custodes.serve.views import render_json
from tests.conftest import SHARED_DATA, need_shared
from tests.serve.conftest import prepared_client


class Recording(SearchEngine):
    """An engine that notes which way answered each search."""

    def search(self, query: Query) -> Results:
        found = super().search(query)
        self.taken = [*getattr(self, "taken", []), found.answered_by]
        return found


def engine(client: TestClient, **options: object) -> Recording:
    """An engine on the client's store, without the in-memory index unless asked."""
    options.setdefault("index", False)
    return Recording(client.app.state.reader, options=SearchOptions(**options))  # type: ignore[arg-type]


def _answer(
    client: TestClient, params: dict, with_engine: SearchEngine | None = None
) -> dict:
    """The /search.json answer: through the app, or built by the search page with
    WITH_ENGINE."""
    if with_engine is None:
        got = client.get("/search.json", params=params)
        assert got.status_code == 200, got.text
        return got.json()
    ctx = Ctx(
        client.app.state.reader,
        {k: str(v) for k, v in params.items()},
        client.app.state.app.dataweb,
        path="/search",
        search=with_engine,
    )
    return json.loads(render_json(search(ctx)))


def _compare(client: TestClient, queries: list[str], filters: list[dict]) -> int:
    """How many searches with matches gave equal answers both ways (fails if any
    differ); both Python paths (live and common word) must have been taken. The
    in-memory index is off: it answers before these paths (test_index.py compares it
    with them)."""
    python, sql = engine(client), engine(client, small=-1)
    compared = 0
    for q in queries:
        for extra in filters:
            for page in (1, 2):
                params = {"q": q, "page": page, "size": 10, **extra}
                counted = _answer(client, params, python)
                assert counted == _answer(client, params, sql), params
                compared += counted["data"]["total"] > 0
    assert {"python", "prepared"} <= set(python.taken), set(python.taken)
    assert not {"python", "prepared"} & set(sql.taken), set(sql.taken)
    return compared


def _queries(client: TestClient) -> list[str]:
    """Common words, rare words, prefixes and two-word searches from the store."""
    con = client.app.state.reader.con.cursor()
    try:
        counts = con.execute(
            "SELECT token, count(*) AS n FROM serve_word WHERE length(token) >= 3 "
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
        con = client.app.state.reader.con.cursor()
        # common words of a few hundred awards: few stored combinations, counted in
        # Python (the sampled words hold one common word only, of 25,000 awards)
        common = con.execute(
            "SELECT token FROM serve_popular WHERE awards < 400 ORDER BY token LIMIT 4"
        ).fetchall()
        con.close()
        queries = _queries(client) + [w for (w,) in common]
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
                "SELECT count(*) FROM serve_word WHERE starts_with(token, ?)", [prefix]
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


@pytest.mark.parametrize("by_rowid", [True, False])
def test_award_rows_kept_in_memory_are_the_rows_of_the_table(
    store_path, by_rowid, monkeypatch
):
    """custodes/search/awardrows.py: rows read, kept and evicted give the same answer
    as reading the award table, in the order asked for, whether they are read by
    their rowid (the award ids' places held for the open store) or by award id."""
    import random

    from custodes.search import awardrows
    from custodes.search.awardrows import COLUMNS, AwardRows, load_positions
    from custodes.store.reader import Reader

    if not by_rowid:  # ids too sparse for an array: the filter on award_id
        monkeypatch.setattr(awardrows, "MAX_SLOTS_PER_AWARD", -(10**6))
    reader = Reader(store_path, cache_size=0)
    assert (load_positions(reader) is not None) == by_rowid
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
        run = sorted(ids)[3:9]  # one run of ids, as a vendor's page asks
        assert [r["award_key"] for r in AwardRows().get(reader, run)] == [
            r[0]
            for r in con.execute(
                "SELECT award_key FROM serve_award WHERE award_id IN (SELECT unnest(?))"
                " ORDER BY award_id",
                [run],
            ).fetchall()
        ]
    finally:
        con.close()
        reader.close()
