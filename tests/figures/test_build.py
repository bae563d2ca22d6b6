"""`figures build`: every derived table in one transaction, and one staleness check."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from custodes.errors import BackendError
from custodes.figures.build import build, stale
from custodes.search.tables import SEARCH_TABLES, search_tables_sql
from custodes.settings import Settings
from custodes.store import open_store
from custodes.store.duckdb import Store
from tests.analyse.conftest import build_fixture_store


@pytest.fixture
def db(tmp_path):
    return build_fixture_store(tmp_path / "store.duckdb")


@contextmanager
def real_store_copy(real_store_path, tmp_path) -> Iterator[Store]:
    """A copy of the real fixture store, open for writing; it has natural persons."""
    db = tmp_path / "store.duckdb"
    shutil.copyfile(real_store_path, db)
    with open_store(Settings(db=db), write=True, command="test") as store:
        assert store.scalar(
            'SELECT count(*) FROM "transaction" WHERE recipient_is_individual'
        ), "the fixture store has no natural person"
        yield store


def test_build_makes_every_family_current_and_a_new_run_makes_it_stale(db):
    with open_store(Settings(db=db), write=True, command="test") as store:
        assert all(stale(store, serve_extra=SEARCH_TABLES).values())
        rows = build(store, serve_after_awards=search_tables_sql(1000))
        assert set(rows) == {"analyse", "serve"}
        assert stale(store, serve_extra=SEARCH_TABLES) == {
            "analyse": None,
            "serve": None,
        }
        store.execute(
            "INSERT INTO classification_run VALUES (now()::TIMESTAMP + INTERVAL 1 "
            "DAY, 't', 'r', 0, 4)"
        )
        reasons = stale(store, serve_extra=SEARCH_TABLES)
        assert "classify" in reasons["analyse"] and "classification" in reasons["serve"]


def test_a_failed_build_leaves_every_table_as_it_was(db):
    with open_store(Settings(db=db), write=True, command="test") as store:
        first = build(store, serve_after_awards=search_tables_sql(1000))
        with pytest.raises(BackendError):
            build(store, serve_after_awards=["SELECT * FROM no_such_table"])
        assert (
            store.scalar("SELECT built_at FROM serve_build")
            == first["serve"]["built_at"]
        )
        assert (
            store.scalar("SELECT built_at FROM analyse_build")
            == first["analyse"]["built_at"]
        )


def test_figures_commands(db, tmp_path):
    from click.testing import CliRunner

    from custodes.cli import main

    def run(*args):
        result = CliRunner().invoke(main, ["--db", str(db), *args])
        assert result.exit_code == 0, result.output
        return result.output

    before = json.loads(run("figures", "status", "--json"))
    assert before["serve"]["current"] is False
    built = json.loads(run("figures", "build", "--only", "serve", "--json"))
    assert built["rebuilt"] == ["serve"]
    after = json.loads(run("figures", "status", "--json"))
    assert after["serve"]["current"] and not after["analyse"]["current"]
    again = json.loads(run("figures", "build", "--json"))
    assert again["rebuilt"] == ["analyse"]
    assert "nothing to do" in run("figures", "build")


def test_word_table_is_stored_in_word_order_and_the_old_table_is_a_view(db):
    """serve_word holds each (word, award) once, stored by word then award (the
    in-memory index reads its ids in that order); serve_token, deprecated, is a view
    that gives each of its rows the award's columns from serve_award, as the table of
    SERVE_FORMAT 17 held them. A store that still holds serve_token as a table gets
    the view on its next build."""
    from custodes.search import tables

    with open_store(Settings(db=db), write=True, command="test") as store:
        store.execute("DROP VIEW IF EXISTS serve_token")
        store.execute("CREATE TABLE serve_token AS SELECT 1 AS old")  # as format 17
        assert tables.tables_stored(store) == ["serve_token"]
        build(store, serve_after_awards=tables.store_search_tables_sql(store, 1000))
        assert tables.tables_stored(store) == []
        stored = store.execute("SELECT token, award_id, joined FROM serve_word")
        ordered = store.execute(
            "SELECT token, award_id, joined FROM serve_word ORDER BY token, award_id"
        )
        assert stored == ordered and len(stored) > 20
        assert len({(t, a) for t, a, _ in stored}) == len(stored)
        facets = ", ".join(tables.TOKEN_FACETS)
        viewed = store.execute(
            f"SELECT token, award_id, {facets}, joined FROM serve_token"
        )
        awards = {
            r[0]: r[1:]
            for r in store.execute(f"SELECT award_id, {facets} FROM serve_award")
        }
    assert sorted(viewed, key=repr) == sorted(
        ((t, a, *awards[a], j) for t, a, j in stored), key=repr
    )
    # the columns vary across the rows (the comparison is not of empty columns)
    assert len({repr(row[2:8]) for row in viewed}) > 3


def test_web_tables_are_the_same_with_vendor_links_from_the_aliases_or_not(
    real_store_path, tmp_path
):
    """After resolve's full run, each transaction's vendor read from vendor_alias by
    its recipient record (write_serve_tables(linked=True), as `custodes refresh` does
    after resolving from scratch) gives every web table the rows that reading
    transaction_vendor by the transaction's key gives, records without a UEI or DUNS
    and natural persons included."""
    from custodes.figures import serve_tables

    with real_store_copy(real_store_path, tmp_path) as store:
        assert store.scalar(
            "SELECT count(*) FROM vendor_alias WHERE recipient_uei IS NULL "
            "OR recipient_duns IS NULL"
        ), "the fixture store has no recipient without a UEI or DUNS"
        built = {}
        for linked in (False, True):
            with store.transaction():
                serve_tables.write_serve_tables(store, linked=linked)
            built[linked] = {
                t: sorted(map(repr, store.execute(f"SELECT * FROM {t}")))
                for t in serve_tables.SERVE_TABLES
                if t != "serve_build"
            }
    assert built[True] == built[False]
    assert len(built[True]["serve_award"]) > 20


def test_transaction_table_is_the_same_with_its_columns_coded_or_not(
    real_store_path, tmp_path, monkeypatch
):
    """serve_transaction's sort carries the source file and action type as their
    place in the list of values (serve_tables.CODED_TRANSACTION) when there are few,
    else the values: both give the same rows in the same stored order (by award, then
    date)."""
    from custodes.figures import serve_tables

    stored = "SELECT * FROM serve_transaction ORDER BY rowid"
    with real_store_copy(real_store_path, tmp_path) as store:
        for column in serve_tables.CODED_TRANSACTION:
            assert (
                store.scalar(f'SELECT count(DISTINCT {column}) FROM "transaction"') > 1
            )
        serve_tables.write_serve_transaction(store)
        coded = store.execute(stored)
        monkeypatch.setattr(serve_tables, "CODED_MAX", 0)
        serve_tables.write_serve_transaction(store)
        assert store.execute(stored) == coded
        ordered = store.execute(
            "SELECT * FROM serve_transaction ORDER BY award_id, action_date, rowid"
        )
    assert [r[:3] for r in coded] == [r[:3] for r in ordered] and len(coded) > 20


def test_an_award_description_is_its_longest_and_null_only_when_all_are(db):
    """serve_award's description (serve_tables.LONGEST_SQL): the longest of the
    award's descriptions, the last in sort order among those as long, a missing one
    never chosen over one that is there; NULL only when every one is missing."""
    with open_store(Settings(db=db), write=True, command="test") as store:
        several = store.scalar("""
            SELECT award_key FROM "transaction" GROUP BY award_key
            HAVING count(*) >= 3 ORDER BY award_key LIMIT 1""")
        other = store.scalar(
            'SELECT min(award_key) FROM "transaction" WHERE award_key <> ?', [several]
        )
        keys = [
            r[0]
            for r in store.execute(
                'SELECT transaction_key FROM "transaction" WHERE award_key = ? '
                "ORDER BY transaction_key",
                [several],
            )
        ]
        texts = [None, "LONGEST A", "LONGEST B", "SHORT"]
        for i, key in enumerate(keys):
            store.execute(
                'UPDATE "transaction" SET description = ? WHERE transaction_key = ?',
                [texts[i % len(texts)], key],
            )
        store.execute(
            'UPDATE "transaction" SET description = NULL WHERE award_key = ?',
            [other],
        )
        build(store)
        got = dict(
            store.execute(
                "SELECT award_key, description FROM serve_award "
                "WHERE award_key IN (?, ?)",
                [several, other],
            )
        )
    assert got == {several: "LONGEST B", other: None}


def test_frame_equals_its_rows_computed_by_award(db):
    """The full build sorts the narrow keys first (fiscal year, award, then
    transaction_key) and takes each group's first as its least row id; a refresh's
    rows (frame_rows_sql, the same SQL Spark runs) take it by transaction_key. With
    the transactions stored in the reverse of their keys' order, both give the same
    rows (analyse_frame is written in the order its rows come). Each transaction is
    stored three more times (under other keys, as modifications and a deobligation,
    without resolve's vendor), so that awards have several transactions in a year, of
    several kinds and vendors."""
    from custodes.figures import analyse_tables, award_numbers

    columns = "fiscal_year, award_no, transaction_key"
    with open_store(Settings(db=db), write=True, command="test") as store:
        store.execute(
            'CREATE TEMP TABLE tx AS SELECT * FROM "transaction" UNION ALL '
            "SELECT t.* REPLACE (c || '-' || transaction_key AS transaction_key, "
            "c AS modification_number, obligation_usd * (2 - c) AS obligation_usd) "
            'FROM "transaction" t, (VALUES (1), (2), (3)) v(c)'
        )
        store.execute('DELETE FROM "transaction"')
        store.execute(
            'INSERT INTO "transaction" SELECT * FROM tx ORDER BY transaction_key DESC'
        )
        assert (
            store.scalar(
                "SELECT count(*) FROM (SELECT award_key, fiscal_year "
                'FROM "transaction" GROUP BY ALL HAVING count(*) > 1)'
            )
            >= 5
        ), "the fixture store has too few awards of several transactions in a year"
        award_numbers.number_new(store, award_numbers.STORE_AWARDS)
        analyse_tables.write_analysis_tables(store, numbered=True)
        stored = store.execute(f"SELECT * FROM analyse_frame ORDER BY {columns}")
        rows = analyse_tables.frame_rows_sql(analyse_tables._present(store))
        by_award = store.execute(f"SELECT * FROM ({rows}) ORDER BY {columns}")
    assert stored == by_award and len(stored) > 20


def test_frame_is_the_same_with_vendor_links_from_the_aliases_or_not(
    real_store_path, tmp_path
):
    """After resolve's full run, the analysis frame built with each transaction's
    vendor read from vendor_alias by its recipient record (linked=True, as `custodes
    refresh` does after resolving from scratch) equals the frame built from
    transaction_vendor by the transaction's key, row for row."""
    from custodes.figures import analyse_tables

    with real_store_copy(real_store_path, tmp_path) as store:
        built = {}
        for linked in (False, True):
            with store.transaction():
                analyse_tables.write_analysis_tables(store, linked=linked)
            built[linked] = store.execute("SELECT * FROM analyse_frame ORDER BY ALL")
        resolved = store.scalar(
            "SELECT count(DISTINCT vendor_id) FROM analyse_frame "
            "WHERE vendor_id NOT LIKE 'recipient-%'"
        )
    assert built[True] == built[False]
    assert len(built[True]) > 20 and resolved > 5


def test_word_and_pair_tables_equal_the_per_award_split(real_store_path, tmp_path):
    """The full build splits each distinct text once, for every award that has it
    (search/tables.py FULL_WORDS_SQL), and numbers the words before making them
    distinct: serve_word holds the rows the refresh's per-award SQL gives
    (SEARCH_WORDS_SQL, PAIRS_SQL, token_rows_sql: every word, and every pair whose
    word is in the vocabulary); serve_token_pair_short every pair with a word of one
    character as often as it occurs, in the order of its first three letters; and
    the deprecated view serve_token_pair every pair as often as it occurs."""
    from custodes.search import tables

    with real_store_copy(real_store_path, tmp_path) as store:
        build(store, serve_after_awards=search_tables_sql(1000))
        words = store.execute(
            "SELECT token, award_id, joined FROM serve_word ORDER BY rowid"
        )
        short = store.execute("SELECT token, award_id FROM serve_token_pair_short")
        keys = [
            k
            for (k,) in store.execute(
                f"SELECT {tables.PAIR_ORDER} FROM serve_token_pair_short ORDER BY rowid"
            )
        ]
        viewed = store.execute("SELECT token, award_id FROM serve_token_pair")
        store.execute(tables.category_words_sql())
        store.execute(tables.funding_words_sql())
        store.execute(tables.search_text_sql(store.has_table("award_maker")))
        shared = store.scalar(
            "SELECT count(*) FROM (SELECT text FROM search_text GROUP BY text "
            "HAVING count(DISTINCT award_id) > 1)"
        )
        for sql in tables.SEARCH_WORDS_SQL:
            store.execute(sql)
        expected_pairs = store.execute(
            f"SELECT token, award_id, short FROM ({tables.PAIRS_SQL})"
        )
        store.execute(f"CREATE TEMP TABLE search_pair AS {tables.PAIRS_SQL}")
        vocabulary = "(SELECT DISTINCT token FROM search_plain)"
        expected = store.execute(
            f"SELECT * FROM ({tables.token_rows_sql(vocabulary)}) "
            "ORDER BY token, award_id"
        )
    assert shared > 0, "the fixture store has no text shared by two awards"
    assert any(joined for _, _, joined in expected), "no word from a pair"
    assert words == expected
    every = sorted((t, a) for t, a, _ in expected_pairs)
    assert sorted(viewed) == every and len(viewed) > len(set(viewed))
    expected_short = sorted((t, a) for t, a, s in expected_pairs if s)
    assert sorted(short) == expected_short
    assert 0 < len(short) < len(every) / 4
    assert keys == sorted(keys)
