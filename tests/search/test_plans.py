"""The engine reads a search's text once per open store (SearchEngine.plan): the kept
reading is the one read_query and order_plan give, for every sort, filter and page."""

from __future__ import annotations

from pathlib import Path

import custodes.search.engine as engine_module
from custodes.search.engine import SearchEngine, SearchOptions, order_plan
from custodes.search.query import Query
from custodes.search.terms import read_query
from custodes.search.tokens import load_token_counts
from custodes.store.reader import Reader


def test_a_text_is_read_once_and_as_read_query_reads_it(store_path: Path, monkeypatch):
    reader = Reader(store_path)
    try:
        engine = SearchEngine(reader, options=SearchOptions(index=False))
        counts = load_token_counts(reader)
        reads: list[str | None] = []

        def counted(text, *args, **kwargs):
            reads.append(text)
            return read_query(text, *args, **kwargs)

        monkeypatch.setattr(engine_module, "read_query", counted)
        texts = ["license plate", "licence plates", "camera", "ALPR", "", "&&&"]
        for text in texts:
            for extra in ({}, {"sort": "newest"}, {"min": "100000"}, {"page": "2"}):
                found = engine.search(Query.from_params({"q": text, **extra}))
                assert found.plan == order_plan(read_query(text, counts), counts)
        # each text read once, whatever the sort, filter or page
        assert reads == [Query.from_params({"q": t}).text for t in texts]
        monkeypatch.setattr(engine_module, "PLANS_KEPT", 2)
        for text in ("one", "two", "three"):
            engine.plan(text, counts)
        assert list(engine._plans) == ["two", "three"]  # the oldest went
    finally:
        reader.close()
