"""The in-memory search index (custodes/search/index.py) answers as the SQL paths do.

Every search runs with an engine without the index (the SQL and Python-count paths,
themselves compared in test_facets.py) and with it, with and without the common
words' arrays, and the JSON answers must be equal; the index must have answered most
of them. The array logic is also checked against the Python counts
(custodes/search/facets.py) on made-up awards with NULL values and ties, which the
stores do not have.
"""

from __future__ import annotations

import random
import shutil
from decimal import Decimal

import numpy as np
import pytest
from starlette.testclient import TestClient

from custodes.search.engine import SearchOptions
from custodes.search.facets import count_facets, count_years, top_ids
from custodes.search.index import Column, SearchIndex
from custodes.search.tokens import TokenCounts
from tests.conftest import SHARED_DATA, need_shared
from tests.serve.conftest import prepared_client
from tests.serve.test_facets import Recording, _answer, _queries


def _compare(
    client: TestClient, filters: list[dict], more: tuple[str, ...] = ()
) -> tuple[int, int, int]:
    """(searches with matches compared, searches the index answered, one-word
    searches its common-word arrays answered). Every search runs without the index,
    then with common words answered from their arrays, then from the index."""
    reader = client.app.state.reader
    indexed = Recording(reader).start()
    assert indexed.wait(60) and indexed.index is not None
    sql = indexed.with_options(SearchOptions(index=False))
    uncommon = indexed.with_options(SearchOptions(common=False))
    queries = _queries(client) + ["zzzzqq", "A", "CONT", *more]
    compared = 0
    for q in queries:
        for extra in filters:
            for page in (1, 3, 60):  # 60: past the 500 stored largest
                params = {"q": q, "page": page, "size": 10, **extra}
                want = _answer(client, params, sql)
                for engine in (indexed, uncommon):
                    assert _answer(client, params, engine) == want, (params, engine)
                compared += want["data"]["total"] > 0
    taken = indexed.taken + getattr(uncommon, "taken", [])
    assert not {"index", "common"} & set(getattr(sql, "taken", [])), sql
    return compared, taken.count("index"), taken.count("common")


def test_index_answers_match_sql_on_fixtures(store_path, tmp_path):
    db = tmp_path / "index.duckdb"
    shutil.copy(store_path, db)
    with prepared_client(db, popular_awards=3) as client:
        filters = [{}, {"agency": "ICE"}, {"fy": 2022}, {"category": "none"}]
        compared, answered, common = _compare(client, filters)
    assert compared >= 40
    assert answered >= compared
    assert common >= 20


@pytest.mark.shared
@pytest.mark.slow
def test_index_answers_match_sql_on_the_real_data(db_path, cli):
    need_shared()
    cli("ingest", str(SHARED_DATA / "usaspending"))
    with prepared_client(db_path, popular_awards=200) as client:
        con = client.app.state.reader.con.cursor()
        (vendor,) = con.execute(
            "SELECT vendor_id FROM serve_award WHERE vendor_id IS NOT NULL "
            "GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchone()
        common_words = con.execute(
            "SELECT token FROM serve_popular WHERE length(token) >= 3 "
            "ORDER BY awards DESC, token LIMIT 5"
        ).fetchall()
        con.close()
        filters = [{}, {"agency": "CBP"}, {"fy": 2016}, {"vendor": vendor},
                   {"category": "unclassified", "fy": 2022}]  # fmt: skip
        more = tuple(w for (w,) in common_words)
        compared, answered, common = _compare(client, filters, more)
    assert compared >= 100
    assert answered >= compared
    assert common >= 50


def _made_up(n: int, seed: int) -> tuple[SearchIndex, list[dict]]:
    """An index over N made-up awards (ids 1..N, all under one word) and the same
    awards as rows, with NULL values, repeated amounts and years."""
    rng = random.Random(seed)
    rows = []
    for i in range(1, n + 1):
        fixed = [None, Decimal("0.00"), Decimal("-12.50"), Decimal("99.99")]
        money = rng.choice(fixed + [Decimal(rng.randint(-(10**6), 10**9)) / 100] * 3)
        rows.append({
            "award_id": i,
            "agency_code": rng.choice(["7012", "7014", None]),
            "category": rng.choice(["a", "b", "none", None]),
            "vendor_id": rng.choice([f"v{k}" for k in range(40)] + [None]),
            "maker": rng.choice(["m1", "m2", None, None]),
            "obligation_usd": money,
            "fiscal_years": sorted(rng.sample(range(2013, 2025), rng.randint(1, 3))),
        })  # fmt: skip
    size = n + 1
    columns = {}
    for c in ("agency_code", "category", "vendor_id", "maker"):
        values = sorted({r[c] for r in rows if r[c] is not None})
        index = {v: k for k, v in enumerate(values)}
        codes = np.full(size, -1, dtype=np.int32)
        for r in rows:
            codes[r["award_id"]] = index.get(r[c], -1)
        columns[c] = Column(codes, values, index)
    cents, has = np.zeros(size), np.zeros(size)
    years = np.zeros(size, dtype=np.int64)
    for r in rows:
        if r["obligation_usd"] is not None:
            cents[r["award_id"]] = int(r["obligation_usd"] * 100)
            has[r["award_id"]] = 1
        for y in r["fiscal_years"]:
            years[r["award_id"]] |= 1 << (y - 2013)
    index = SearchIndex(
        counts=TokenCounts(("WORD",), (0, n)),
        ids=np.arange(1, n + 1, dtype=np.int32),
        columns=columns,
        cents=cents,
        has_money=has,
        all_priced=bool(has[1:].all()),
        years=years,
        first_year=2013,
        year_span=12,
        last_award=n,
    )
    return index, rows


def _keyed(facets: list[dict]) -> dict[tuple, tuple]:
    return {
        (r["g"], r["agency_code"], r["category"], r["vendor_id"], r["maker"]): (
            r["awards"],
            r["obligation_usd"],
        )
        for r in facets
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_index_counts_equal_python_counts_with_nulls_and_ties(seed):
    index, rows = _made_up(600, seed)
    for filters, fy in [({}, None), ({"agency_code": "7012"}, None),
                        ({"category": "none", "maker": "m1"}, 2020),
                        ({"vendor_id": "nobody"}, None)]:  # fmt: skip
        ids = index.matching(["WO"], filters, fy)
        chosen = [
            r for r in rows
            if all(r[c] == v for c, v in filters.items())
            and (fy is None or fy in r["fiscal_years"])
        ]  # fmt: skip
        assert ids.tolist() == [r["award_id"] for r in chosen]
        want, got = _keyed(count_facets(chosen)), _keyed(index.facets(ids))
        # the index leaves out values no facet can show; every value it gives is exact
        assert all(want[k] == v for k, v in got.items())
        for g in (7, 11, 13, 14):
            ranked = sorted((v[0] for k, v in want.items() if k[0] == g and any(
                x is not None for x in k[1:])), reverse=True)[:15]  # fmt: skip
            shown = sorted((v[0] for k, v in got.items() if k[0] == g and any(
                x is not None for x in k[1:])), reverse=True)[:15]  # fmt: skip
            assert shown == ranked, g
        assert got[(15, None, None, None, None)] == want[(15, None, None, None, None)]
        assert index.year_facet(ids) == count_years(chosen)
        for size, offset in [(10, 0), (25, 25), (7, 590), (1000, 0)]:
            assert index.top(ids, size, offset) == top_ids(chosen, size, offset)


def test_the_index_can_be_turned_off_and_searches_still_answer(store_path):
    from custodes.serve.app import build_app
    from custodes.settings import Settings

    settings = Settings.from_env({"CUSTODES_SERVE_SEARCH_INDEX": "0"}, db=store_path)
    assert settings.serve_search_index is False
    with TestClient(build_app(settings), raise_server_exceptions=False) as client:
        con = client.app.state.reader.con.cursor()
        (word,) = con.execute(
            "SELECT token FROM serve_word GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
        con.close()
        body = _answer(client, {"q": word})
        assert body["data"]["total"] > 0
        engine = client.app.state.app.search
        assert engine.wait(5) and engine.index is None
        assert client.get("/healthz").json()["search_index"]["state"] == "off"


def test_intersections_by_bisection_and_by_mask_agree():
    """_within looks a few ids up by bisection and checks many against a mask: both
    give the ids of the first array that the second holds, in order."""
    index, _ = _made_up(5000, 4)
    rng = np.random.default_rng(5)
    for _ in range(300):
        a = np.unique(rng.integers(1, 5001, rng.integers(0, 400))).astype(np.int32)
        b = np.unique(rng.integers(1, 5001, rng.integers(0, 3000))).astype(np.int32)
        want = a[np.isin(a, b)]
        assert index._within(a, b).tolist() == want.tolist()
        assert a[index._marked(b)[a]].tolist() == want.tolist()
    few, many = np.arange(1, 40, dtype=np.int32), np.arange(1, 4000, dtype=np.int32)
    assert len(few) * 64 < index.last_award <= len(many) * 64  # both ways are taken
    assert index._within(many, few).tolist() == few.tolist()
    assert index._within(few, many).tolist() == few.tolist()
