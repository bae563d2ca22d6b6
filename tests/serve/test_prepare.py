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
              SELECT 1 FROM serve_word t WHERE t.award_id = a.award_id
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


def test_an_award_takes_its_name_and_description_by_a_fixed_rule(store_path, tmp_path):
    """Transactions on the same day, descriptions of the same length: the award's
    recipient and vendor come from the largest transaction key, its description is
    the last of the longest in sort order, whatever order DuckDB reads them in."""
    import shutil

    db = tmp_path / "ties.duckdb"
    shutil.copy(store_path, db)
    with open_store(Settings(db=db), write=True, command="test") as store:
        award = store.scalar("""
            SELECT award_key FROM "transaction" GROUP BY award_key
            HAVING count(*) >= 3 AND NOT bool_or(recipient_is_individual)
            ORDER BY award_key LIMIT 1""")
        keys = [
            r["transaction_key"]
            for r in store.rows(
                'SELECT transaction_key FROM "transaction" WHERE award_key = ? '
                "ORDER BY transaction_key",
                [award],
            )
        ]
        for i, key in enumerate(keys):
            store.execute(
                """UPDATE "transaction" SET action_date = DATE '2030-01-02',
                   recipient_name = ?, description = ? WHERE transaction_key = ?""",
                [f"RECIPIENT {i}", f"SAME LENGTH {'BA'[i % 2]}{i % 2}", key],
            )
        # the rows' order on disk no longer follows the keys
        rows = store.rows('SELECT * FROM "transaction" ORDER BY random()')
        store.execute('DELETE FROM "transaction"')
        store.con.executemany(
            'INSERT INTO "transaction" VALUES (' + ", ".join("?" * len(rows[0])) + ")",
            [list(r.values()) for r in rows],
        )
        build_serve_tables(store)
        got = store.rows(
            "SELECT recipient_name, description, vendor_id FROM serve_award "
            "WHERE award_key = ?",
            [award],
        )[0]
        vendor = store.scalar(
            "SELECT vendor_id FROM transaction_vendor WHERE transaction_key = ?",
            [keys[-1]],
        )
    assert got["recipient_name"] == f"RECIPIENT {len(keys) - 1}"
    assert got["description"] == "SAME LENGTH B0"
    assert got["vendor_id"] == vendor
