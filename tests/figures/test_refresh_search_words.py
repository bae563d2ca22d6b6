"""The common words a refresh works out whole read serve_word by one range per word
(custodes/search/refresh.py `_hits_of_words`), not by a join over the whole table:
the same hits as the join, for words at the edges of the alphabet, with quotes and
outside ASCII, on a word table stored in word order with rows appended after it (as a
refresh appends them)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import custodes.search.refresh as search_refresh
import custodes.search.tables as search_tables
from custodes.search.refresh import (
    RANGE_WORDS,
    _hits_of,
    _hits_of_words,
    _prefix_end,
)
from custodes.store.duckdb import Store
from tests.figures import test_refresh_equal
from tests.figures.refresh_compare import differences
from tests.figures.test_refresh_equal import run_sequence

TOKENS = [
    "A", "AB", "ABC", "ABZ", "AC", "B", "CAMERA", "CAMERAS", "CAMERB", "CAMERZ",
    "CAMER", "Z", "ZZ", "ZZZ9", "9", "99", "9A", "O'BRIEN", "O'", "OB", "ÉCOLE",
    "ÉCOLES", "ÉD", "Ω", "ΩΩ", "\U0010ffff", "X\U0010ffffY", "CAMERA2",
]  # fmt: skip
WORDS = ["A", "AB", "CAMER", "CAMERA", "Z", "ZZ", "9", "O'", "ÉCOLE", "Ω", "ABZ", "Q"]


def _store(tmp_path: Path) -> Store:
    con = duckdb.connect(str(tmp_path / "words.duckdb"))
    con.execute(
        """CREATE TABLE serve_word AS
        SELECT token, award_id, award_id % 2 = 0 AS joined
        FROM (SELECT unnest(?) AS token), range(1, 40) r(award_id)
        ORDER BY token, award_id""",
        [TOKENS],
    )
    # a refresh's rows, appended after the sorted ones (another row group's range)
    con.execute(
        """INSERT INTO serve_word SELECT token, award_id + 1000, joined
        FROM serve_word WHERE award_id < 3 ORDER BY token"""
    )
    # the awards' columns the hits carry (serve_award's)
    con.execute(
        """CREATE TABLE serve_award AS
        SELECT award_id, 'ICE' AS agency_code, 'none' AS category,
               award_id % 3 AS vendor_id, NULL::VARCHAR AS maker,
               (award_id * 10)::DECIMAL(18, 2) AS obligation_usd,
               [2021]::SMALLINT[] AS fiscal_years
        FROM (SELECT DISTINCT award_id FROM serve_word)"""
    )
    return Store(con, tmp_path / "words.duckdb", False)


def _hits(store: Store, sql: str) -> list[tuple]:
    return store.execute(f"SELECT * FROM ({sql}) ORDER BY ALL")


def test_hits_by_ranges_equal_the_join(tmp_path):
    store = _store(tmp_path)
    store.execute("CREATE TEMP TABLE w AS SELECT unnest(?) AS token", [WORDS])
    by_ranges = _hits_of_words(WORDS)
    assert by_ranges is not None
    expected = _hits(store, _hits_of("(SELECT token FROM w)"))
    assert _hits(store, by_ranges) == expected
    # every word finds what starts with it, and nothing else
    found = {(t, a) for t, a, *_ in expected}
    assert ("CAMER", 1) in found and ("CAMERA", 1) in found
    assert ("Q", 1) not in {(t, a) for t, a, *_ in _hits(store, by_ranges)}


def test_prefix_end_bounds_every_word_that_starts_with_it():
    for word in WORDS:
        end = _prefix_end(word)
        assert end is not None
        for token in TOKENS:
            starts = token.startswith(word)
            inside = word.encode() <= token.encode() < end.encode()
            assert starts == inside, (word, token)
    assert _prefix_end("\U0010ffff") is None
    assert _prefix_end("") is None


def test_too_many_words_fall_back_to_the_join():
    assert _hits_of_words([f"W{i}" for i in range(RANGE_WORDS + 1)]) is None
    assert _hits_of_words([]) is None
    assert _hits_of_words(["A\U0010ffff"]) is None


# -- the common words' top lists, with lists short enough to be full on a small store


@pytest.fixture
def short_top_lists(monkeypatch):
    """Top lists of two awards (the full build and the refresh read TOP_AWARDS from
    their modules), so that a small store's common words have full lists: a refresh
    keeps some as they are, corrects others, and recounts the ones it cannot tell."""
    monkeypatch.setattr(search_tables, "TOP_AWARDS", 2)
    monkeypatch.setattr(search_refresh, "TOP_AWARDS", 2)


@pytest.mark.slow
def test_short_top_lists_equal_a_full_rebuild(tmp_path_factory, short_top_lists):
    """The property of tests/figures/test_refresh_equal.py (random sequences of
    ingests, overrides, stage runs and refreshes equal a full rebuild), with full
    top lists."""
    test_refresh_equal.test_refresh_equals_a_full_rebuild(tmp_path_factory)


def test_a_top_list_a_delivery_does_not_reach_stays(tmp_path, short_top_lists):
    """Awards of every size on common words, refreshed after deliveries: one that
    changes nothing at the top of a word's list (small amounts), one that enters it
    (large) and one that changes an award on a list; each equals a full rebuild."""
    sequence = [
        (0, 0, "1000000.00", "2021-02-03", 0, 0, "ICE", True),
        ("ingest", [(1, 0, "33333.33", "2021-02-03", 2, 0, "ICE", True),
                    (2, 0, "2500.50", "2022-01-15", 4, 1, "ICE", True),
                    (3, 0, "100.00", "2023-06-01", 3, 0, "CBP", True)]),
        ("refresh",),
        ("ingest", [(4, 0, "0.01", "2021-09-30", 1, 0, "ICE", True),
                    (5, 0, "0.01", "2021-09-30", 1, 1, "CBP", True)]),
        ("refresh",),
        ("ingest", [(6, 0, "1000000.00", "2022-01-15", 5, 0, "ICE", True)]),
        ("refresh",),
        ("ingest", [(1, 0, "-75.25", "2021-02-03", 2, 0, "ICE", True)]),
    ]  # fmt: skip
    full = run_sequence(tmp_path, sequence)
    diff = differences(tmp_path / "store.duckdb", full)
    assert not diff, "\n".join(f"{k}: {v}" for k, v in diff.items())
