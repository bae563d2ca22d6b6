"""The reporter query set (queries.yaml) on the real data: recall@20 >= 0.95 and
MRR >= 0.8 for the expected awards, in the part the synonyms were tuned on and in the
part they were not; and every query answered the same by every way of the engine."""

from __future__ import annotations

import json

import pytest

from custodes.search.engine import SearchEngine, SearchOptions
from custodes.search.query import Query
from custodes.store.reader import Reader
from tests.conftest import SHARED_DATA, need_shared
from tests.search.queryset import load_queries, score, summary

pytestmark = [pytest.mark.shared, pytest.mark.slow]


@pytest.fixture(scope="module")
def real_store(tmp_path_factory: pytest.TempPathFactory):
    """The shared data ingested, resolved, classified and prepared for the web app."""
    need_shared()
    from click.testing import CliRunner

    from custodes.cli import main

    db = tmp_path_factory.mktemp("real") / "store.duckdb"
    for args in (
        ["ingest", str(SHARED_DATA / "usaspending")],
        ["resolve"],
        ["classify"],
        ["serve", "--prepare"],
    ):
        result = CliRunner().invoke(main, ["--db", str(db), *args])
        assert result.exit_code == 0, result.output
    return db


@pytest.fixture(scope="module")
def engine(real_store):
    reader = Reader(real_store)
    found = SearchEngine(reader).start()
    assert found.wait(60) and found.index is not None
    yield found
    reader.close()


def test_reporter_queries_find_their_awards(engine):
    queries = load_queries()
    assert len(queries) >= 80
    assert {q["part"] for q in queries} == {"tune", "holdout"}

    def ranked(text: str) -> list[str]:
        return [a["award_key"] for a in engine.search(Query(text=text, size=20)).awards]

    scored = score(queries, ranked)
    figures = summary(scored)
    missed = [(s.q, s.part, s.ranks) for s in scored if s.recall < 1]
    print(json.dumps(figures, indent=1), "\nmissed:", missed)
    for part in ("tune", "holdout"):
        assert figures[part]["recall_at_20"] >= 0.95, (part, figures, missed)
        assert figures[part]["mrr"] >= 0.8, (part, figures)


def test_every_query_is_answered_the_same_every_way(engine):
    """The index, the SQL paths and the Python counts give the same totals, facets
    and pages for every reporter query, in every order and with ranges."""
    ways = {
        "index": engine,
        "sql": engine.with_options(SearchOptions(index=False, small=-1)),
        "python": engine.with_options(SearchOptions(index=False)),
    }
    extras = [
        {},
        {"sort": "newest"},
        {"sort": "smallest", "page": "2", "size": "5"},
        {"min": "100000", "sort": "oldest"},
        {"from": "2022-01-01", "to": "2023-06-30", "agency": "ICE"},
    ]
    answered = {name: set() for name in ways}
    for entry in load_queries():
        for extra in extras:
            query = Query.from_params({"q": entry["q"], **extra})
            answers = {}
            for name, way in ways.items():
                found = way.search(query)
                answered[name].add(found.answered_by)
                answers[name] = (
                    found.total,
                    found.obligation_usd,
                    found.facets,
                    [a["award_key"] for a in found.awards],
                )
            assert answers["index"] == answers["sql"] == answers["python"], (
                entry["q"],
                extra,
            )
    assert "index" in answered["index"] and "sql" in answered["sql"]
    assert "python" in answered["python"]
