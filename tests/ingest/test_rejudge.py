"""`custodes persons rejudge` on a store an older detector judged (invented names)."""

from __future__ import annotations

import json

import duckdb

from custodes.model import persons
from tests.conftest import store_rows as q
from tests.ingest.test_minimisation import BULK, INDIVIDUALS, write_bulk

PHONE_AT = "list_position(f.header, 'recipient_phone_number')"


def make_old_store(tmp_path, cli, db_path):
    """Ingest today, then turn the store into one an older detector judged: a company
    withheld, a person shown with their phone number kept, another version recorded."""
    cli("ingest", str(write_bulk(tmp_path / "bulk.csv", BULK)))
    con = duckdb.connect(str(db_path))
    con.execute(
        'UPDATE "transaction" SET recipient_is_individual = '
        "(recipient_name = 'KESTREL HOLDINGS LLC')"
    )
    con.execute(
        'UPDATE "transaction" t SET raw_values = to_json(list_transform('
        "from_json(t.raw_values, '[\"VARCHAR\"]'), lambda v, i: CASE WHEN i = "
        f"{PHONE_AT} THEN '5550100199' ELSE v END))::VARCHAR FROM source_file f "
        "WHERE f.display = t.source_file AND t.recipient_name = 'ODALRIC M FENWORTHY'"
    )
    con.execute(
        "INSERT INTO transaction_revision VALUES ('k', 1, now(), 1, 'h', ?)",
        [
            json.dumps(
                {"recipient_name": "ODALRIC M FENWORTHY", "recipient_fax_number": "1"}
            )
        ],
    )
    con.execute("UPDATE meta SET value = 'persons-0' WHERE key = 'person_detector'")
    con.close()


def state(db_path):
    individuals = {
        n
        for (n,) in q(
            db_path,
            'SELECT recipient_name FROM "transaction" WHERE recipient_is_individual',
        )
    }
    phone = dict(
        q(
            db_path,
            "SELECT t.recipient_name, json_extract_string(s.raw_json, "
            "'$.recipient_phone_number') FROM \"transaction\" t "
            "JOIN source_row s USING (transaction_key)",
        )
    )
    return individuals, phone


def test_rejudge_sets_judgements_both_ways_and_drops_contacts(tmp_path, cli, db_path):
    make_old_store(tmp_path, cli, db_path)
    before = state(db_path)
    assert before[0] == {"KESTREL HOLDINGS LLC"}
    assert before[1]["ODALRIC M FENWORTHY"] == "5550100199"

    dry = json.loads(cli("persons", "rejudge", "--dry-run", "--json").output)
    assert dry["dry_run"] and dry["previous"] == "persons-0"
    assert dry["rows_now_individual"] == 2  # QUARRINGTON, FENWORTHY
    assert dry["rows_no_longer_individual"] == 1  # KESTREL
    assert state(db_path) == before

    r = json.loads(cli("persons", "rejudge", "--json").output)
    assert r["detector"] == persons.DETECTOR_VERSION
    assert (r["rows_now_individual"], r["rows_no_longer_individual"]) == (2, 1)
    assert r["rows_contacts_dropped"] == 1
    individuals, phone = state(db_path)
    expected = INDIVIDUALS - {"FENWORTHY, ODALRIC"}  # that one is an api-search row
    assert individuals == expected
    assert phone["ODALRIC M FENWORTHY"] is None
    assert phone["KESTREL HOLDINGS LLC"] == "5550100199"  # a company keeps its own
    assert phone["MORROW VALLEY GUNS"] is None  # dropped at ingest, never restored
    revision = q(db_path, "SELECT raw_json FROM transaction_revision")[0][0]
    assert "recipient_fax_number" not in json.loads(revision)
    assert q(db_path, "SELECT value FROM meta WHERE key = 'person_detector'") == [
        (persons.DETECTOR_VERSION,)
    ]
    again = json.loads(cli("persons", "rejudge", "--json").output)
    assert (again["rows_now_individual"], again["rows_no_longer_individual"]) == (0, 0)
    assert again["rows_contacts_dropped"] == 0


def test_ingest_says_when_the_store_needs_rejudging(tmp_path, cli, db_path):
    make_old_store(tmp_path, cli, db_path)
    more = write_bulk(tmp_path / "more.csv", [{"recipient_name": "BRIXLEY COMPANY"}])
    # other PIIDs than the first file's rows
    more.write_text(more.read_text().replace("70CMSW18P9999", "70CMSW18P8888"))
    r = cli("ingest", str(more))
    assert "custodes persons rejudge" in r.output
    report = json.loads(cli("ingest", str(more), "--json").output)
    assert report["person_detector_stale"] is True
    cli("persons", "rejudge")
    report = json.loads(cli("ingest", str(more), "--json").output)
    assert report["person_detector_stale"] is False
