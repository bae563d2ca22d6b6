"""The summary tables: they conserve money and counts, follow the stage tables, and
know when they are stale."""

from __future__ import annotations

from contextlib import closing
from decimal import Decimal

from custodes.serve.prepare import build_serve_tables, serve_tables_stale
from custodes.settings import Settings
from custodes.store import open_store
from custodes.store.duckdb import Store


def test_summary_tables_conserve_the_transactions(client):
    # read through the app's own connection: DuckDB allows one configuration per file
    reader = client.app.state.reader
    with closing(Store(reader.con.cursor(), reader.path, read_only=True)) as store:
        total = store.scalar('SELECT sum(obligation_usd) FROM "transaction"')
        awards = store.scalar('SELECT count(DISTINCT award_key) FROM "transaction"')
        assert store.scalar("SELECT count(*) FROM serve_award") == awards
        for table in ("serve_award", "serve_award_year", "serve_spending"):
            assert store.scalar(f"SELECT sum(obligation_usd) FROM {table}") == total, (
                table
            )
        assert isinstance(total, Decimal)
        vendored = store.scalar(
            "SELECT sum(obligation_usd) FROM serve_award WHERE vendor_id IS NOT NULL"
        )
        assert store.scalar("SELECT sum(obligation_usd) FROM serve_vendor") == vendored
        assert (
            store.scalar("SELECT sum(obligation_usd) FROM serve_vendor_year")
            == vendored
        )
        # every award can be found by each word of its description
        missing = store.scalar("""
            SELECT count(*) FROM serve_award a WHERE NOT EXISTS (
              SELECT 1 FROM serve_token t WHERE t.award_id = a.award_id
              AND t.token = upper(a.piid))""")
        assert missing == 0
        assert serve_tables_stale(store) is None


def test_stale_after_a_new_stage_table(tmp_path):
    from tests.serve.fixture_store import build_fixture_store, write_classification

    db = build_fixture_store(tmp_path / "s.duckdb", stage_tables=False)
    with open_store(Settings(db=db), write=True) as store:
        assert serve_tables_stale(store) is None
        write_classification(store)
        assert "classification" in serve_tables_stale(store)
        built = build_serve_tables(store)
        assert built["categories_from"] == "classify"
        assert serve_tables_stale(store) is None
        assert (
            store.scalar(
                "SELECT count(*) FROM serve_award WHERE category = 'face_recognition'"
            )
            >= 1
        )


def test_search_matches_word_prefixes_not_inner_substrings(client):
    prefix = client.get("/search.json", params={"q": "clearvi"}).json()
    assert prefix["data"]["total"] >= 1
    inner = client.get("/search.json", params={"q": "earview"}).json()
    assert inner["data"]["total"] == 0
    both = client.get("/search.json", params={"q": "clearview facial"}).json()
    assert 1 <= both["data"]["total"] <= prefix["data"]["total"]


def test_serve_command_prepares_and_reports(cli, tmp_path):
    from tests.serve.fixture_store import FIXTURE_CSVS

    cli("ingest", str(FIXTURE_CSVS[0]))
    result = cli("serve", "--prepare")
    assert '"vendors_from": "recipient names"' in result.output
    assert '"categories_from": "none"' in result.output
