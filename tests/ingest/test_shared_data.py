"""Ingest of the real USAspending files in ../shared, checked against independent
counts.

The expected figures are computed here with Python's csv module and Decimal, not with
custodes, so the two implementations check each other.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from custodes.cli import main
from custodes.ingest.fields import EMAIL_RE, PHONE_RE
from custodes.model import persons
from tests.conftest import API_SEARCH, BULK, SHARED_DATA, need_shared
from tests.conftest import store_rows as q
from tests.model.test_persons_labels import load_labels as load_person_labels

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def real_store(tmp_path_factory) -> tuple[Path, dict]:
    need_shared()
    db = tmp_path_factory.mktemp("real") / "store.duckdb"
    result = CliRunner().invoke(
        main, ["--db", str(db), "ingest", str(SHARED_DATA / "usaspending"), "--json"]
    )
    assert result.exit_code == 0, result.output
    return db, json.loads(result.output)


def iter_files():
    for path in sorted(API_SEARCH.glob("*.csv")):
        yield path, "Federal Action Obligation"
    for path in sorted(BULK.glob("*.csv")):
        yield path, "federal_action_obligation"


def test_every_row_is_read_and_accounted_for(real_store):
    db, report = real_store
    expected_rows = 0
    for path, _ in iter_files():
        with open(path, encoding="utf-8", newline="") as fh:
            expected_rows += sum(1 for _ in csv.DictReader(fh))
    assert report["rows_read"] == expected_rows == 50_639
    stored = q(db, 'SELECT count(*) FROM "transaction"')[0][0]
    assert stored + report["duplicates"] + report["quarantined"] == expected_rows


def test_money_is_conserved_per_file_to_the_cent(real_store):
    """stored + quarantined == the file's sum after dropping exact duplicate rows."""
    db, _ = real_store
    seen: set[tuple] = set()
    for path, amount_col in iter_files():
        expected = Decimal(0)
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                key = tuple(row.values())
                if key in seen:
                    continue
                seen.add(key)
                expected += Decimal(row[amount_col])
        stored = q(
            db,
            'SELECT coalesce(sum(obligation_usd), 0) FROM "transaction" '
            "WHERE source_file = ?",
            [str(path)],
        )[0][0]
        quarantined = sum(
            (
                Decimal(json.loads(raw)[amount_col])
                for (raw,) in q(
                    db,
                    "SELECT raw_text FROM quarantine WHERE source_file = ?",
                    [str(path)],
                )
            ),
            Decimal(0),
        )
        assert stored + quarantined == expected, path.name


def test_api_search_totals_match_an_independent_sum(real_store):
    """One transaction = (award, modification); the first row of each counts once.

    A few FY2023 rows appear twice under a renamed recipient (two snapshots merged);
    they are the same transaction and must not be counted twice.
    """
    db, _ = real_store
    seen: set[tuple] = set()
    by_fy: dict[int, Decimal] = defaultdict(Decimal)
    for path in sorted(API_SEARCH.glob("*.csv")):
        fy = int(re.search(r"FY(\d{4})", path.name).group(1))
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                award = row["Generated Award ID"] or (row["Agency"], row["Award ID"])
                if (award, row["Modification"]) not in seen:
                    seen.add((award, row["Modification"]))
                    by_fy[fy] += Decimal(row["Federal Action Obligation"])
    got = dict(
        q(
            db,
            'SELECT fiscal_year, sum(obligation_usd) FROM "transaction" '
            "WHERE source_format = 'api_search' GROUP BY 1",
        )
    )
    assert got == dict(by_fy)


def test_exact_duplicates_are_counted_and_stored_once(real_store):
    db, report = real_store
    rows = []
    for path in sorted(API_SEARCH.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            rows.extend(tuple(r.values()) for r in csv.DictReader(fh))
    assert report["duplicates"] == len(rows) - len(set(rows))
    dup_keys = q(
        db, 'SELECT transaction_key FROM "transaction" GROUP BY 1 HAVING count(*) > 1'
    )
    assert dup_keys == []


def test_rows_without_generated_award_id_get_built_keys_that_group(real_store):
    db, _ = real_store
    missing = 0
    piids = set()
    for path in sorted(API_SEARCH.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                if not r["Generated Award ID"]:
                    missing += 1
                    piids.add((r["Agency"], r["Award ID"]))
    assert missing == 2951
    built = q(
        db,
        'SELECT count(DISTINCT award_key), count(DISTINCT piid) FROM "transaction" '
        "WHERE source_format = 'api_search' AND award_key_source <> 'source'",
    )[0]
    assert built[0] == built[1] == len({p for _, p in piids})
    example = q(
        db,
        "SELECT award_key FROM \"transaction\" WHERE award_key_source = 'built' "
        "AND source_format = 'api_search' LIMIT 1",
    )[0][0]
    assert re.fullmatch(r"CONT_AWD_[A-Z0-9]+_70(12|14)_-UNKNOWN-_-UNKNOWN-", example)


def test_bulk_award_keys_are_built_the_way_usaspending_builds_them(real_store):
    """For PIIDs in both datasets, our key for the 2018 bulk rows equals the API's
    key."""
    db, _ = real_store
    pairs = q(
        db,
        """
        SELECT DISTINCT b.award_key, a.award_key FROM "transaction" b
        JOIN "transaction" a ON a.piid = b.piid AND a.source_format = 'api_search'
             AND a.award_key_source = 'source'
        WHERE b.source_format = 'bulk_contracts'""",
    )
    assert len(pairs) > 700
    assert all(b == a for b, a in pairs)


def test_bulk_dates_and_duns_are_cleaned(real_store):
    db, _ = real_store
    row = q(
        db,
        'SELECT action_date, fiscal_year, recipient_duns FROM "transaction" '
        "WHERE source_format = 'bulk_contracts' AND recipient_name LIKE 'G4S%' LIMIT 1",
    )
    assert row and len(row[0][2]) == 9 and row[0][2].startswith("00")
    assert q(
        db,
        'SELECT min(action_date), max(action_date) FROM "transaction" '
        "WHERE source_format = 'bulk_contracts'",
    )[0] == (
        __import__("datetime").date(2012, 10, 10),
        __import__("datetime").date(2018, 6, 30),
    )


def test_reingest_is_idempotent(real_store, tmp_path):
    db, report = real_store
    before = q(db, 'SELECT count(*), sum(obligation_usd) FROM "transaction"')[0]
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(db.read_bytes())
    result = CliRunner().invoke(
        main,
        [
            "--db",
            str(copy),
            "ingest",
            str(API_SEARCH / "CBP_ICE_FY2022_Contract_Obligations.csv"),
            str(SHARED_DATA / "usaspending"),
            "--json",
        ],
    )
    again = json.loads(result.output)
    assert again["stored"] == 0 and again["updated"] == 0
    assert (
        q(copy, 'SELECT count(*), sum(obligation_usd) FROM "transaction"')[0] == before
    )


def test_contacts_are_minimised_in_canonical_and_raw_rows(real_store):
    db, report = real_store
    pattern = f"{PHONE_RE}|{EMAIL_RE}"
    assert q(
        db,
        'SELECT count(*) FROM "transaction" WHERE regexp_matches(description, ?)',
        [pattern],
    ) == [(0,)]
    assert q(
        db,
        "SELECT count(*) FROM source_row WHERE regexp_matches(raw_json, ?) AND "
        "raw_json NOT LIKE '%recipient_phone_number%'",
        [pattern],
    ) == [(0,)]
    # Independent count of api-search descriptions that carry contacts.
    expected_text = 0
    for path in sorted(API_SEARCH.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            expected_text += sum(
                1
                for r in csv.DictReader(fh)
                if re.search(pattern, r["Transaction Description"])
            )
    assert report["minimised_description_contacts"] >= expected_text > 100


def test_individual_recipients_lose_address_phone_and_fax(real_store):
    """Rows of a sole proprietor (flag) or of a name judged a person's lose their
    contact columns; companies keep their registered business address."""
    db, report = real_store
    people = {r["name_sha256"] for r in load_person_labels() if r["label"] == "person"}
    minimised = 0
    for path in sorted(BULK.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            minimised += sum(
                1
                for r in csv.DictReader(fh)
                if (
                    r["sole_proprietorship"] == "t"
                    or persons.name_hash(r["recipient_name"]) in people
                )
                and (r["recipient_phone_number"] or r["recipient_address_line_1"])
            )
    assert report["minimised_individual_contacts"] >= minimised >= 13
    leaks = q(
        db,
        """
        SELECT count(*) FROM "transaction" t JOIN source_row s USING (transaction_key)
        WHERE (t.recipient_is_individual
               OR json_extract_string(s.raw_json, '$.sole_proprietorship') = 't')
          AND (
            json_extract_string(s.raw_json, '$.recipient_phone_number') IS NOT NULL OR
            json_extract_string(s.raw_json, '$.recipient_address_line_1') IS NOT NULL OR
            json_extract_string(s.raw_json, '$.recipient_fax_number') IS NOT NULL)""",
    )
    assert leaks == [(0,)]
    # Company recipients keep their registered business address.
    assert (
        q(
            db,
            """SELECT count(*) FROM "transaction" t
        JOIN source_row s USING (transaction_key)
        WHERE NOT t.recipient_is_individual AND t.source_format = 'bulk_contracts'
        AND json_extract_string(s.raw_json, '$.recipient_address_line_1')
            IS NOT NULL""",
        )[0][0]
        > 1000
    )


def test_ingest_withholds_the_hand_judged_persons_and_no_organisation(real_store):
    """recipient_is_individual in the store, name by name, against the hand-judged
    recipients (custodes/data/labels/persons_recipients.csv): the targets hold end
    to end, and ingest agrees with the detector run on the files directly."""
    db, report = real_store
    stored: dict[str, set[bool]] = {}
    for name, individual in q(
        db,
        'SELECT DISTINCT recipient_name, recipient_is_individual FROM "transaction" '
        "WHERE recipient_name IS NOT NULL",
    ):
        stored.setdefault(persons.name_hash(name), set()).add(bool(individual))
    assert all(len(v) == 1 for v in stored.values()), "a name judged two ways"
    labels = load_person_labels()
    people = [r for r in labels if r["label"] == "person"]
    orgs = [r for r in labels if r["label"] == "organisation"]
    shown = [r for r in people if stored[r["name_sha256"]] != {True}]
    withheld = [r["name"] for r in orgs if stored[r["name_sha256"]] == {True}]
    assert withheld == []
    assert 1 - len(shown) / len(people) >= 0.98
    assert report["recipient_names_persons"] >= len(people) - len(shown)
    assert report["person_detector"] == persons.DETECTOR_VERSION


def test_show_transaction_prints_canonical_and_raw(real_store):
    db, _ = real_store
    key = q(
        db,
        "SELECT transaction_key FROM \"transaction\" WHERE piid = '70CMSD21C00000001' "
        "AND modification_number = '0'",
    )[0][0]
    out = CliRunner().invoke(
        main, ["--db", str(db), "show", "transaction", key, "--json"]
    )
    data = json.loads(out.output)
    assert data["canonical"]["obligation_usd"] == "3168000.00"
    assert data["raw"]["Federal Action Obligation"] == "3168000.0"
    assert data["raw"]["Recipient Name"] == data["canonical"]["recipient_name"]
    human = (
        CliRunner().invoke(main, ["--db", str(db), "show", "transaction", key]).output
    )
    assert "usaspending.gov/award/CONT_AWD_70CMSD21C00000001" in human.replace("\n", "")


def test_stats_json(real_store):
    db, _ = real_store
    out = CliRunner().invoke(main, ["--db", str(db), "stats", "--json"])
    s = json.loads(out.output)
    assert s["transactions"] == q(db, 'SELECT count(*) FROM "transaction"')[0][0]
    assert {r["fiscal_year"] for r in s["by_fiscal_year"]} == {
        2013,
        2014,
        2015,
        2016,
        2017,
        2018,
        2021,
        2022,
        2023,
        2024,
    }
    assert sum(Decimal(r["obligation_usd"]) for r in s["by_sub_agency"]) == Decimal(
        s["total_obligation_usd"]
    )
