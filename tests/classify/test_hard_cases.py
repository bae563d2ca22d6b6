"""Read what was bought, not who sold it: hard cases on a small hand-picked store."""

from __future__ import annotations

import json

import duckdb
import pytest

from tests.classify.conftest import run

CASES = [
    # reseller: the product named decides, the maker is recorded
    ("CONT_AWD_70B06C21F00001052_7014_47QSWA18D008F_4732", "phone_forensics_spyware"),
    ("CONT_AWD_70B03C23F00001059_7014_HSHQDC13D00020_7001", "social_media_monitoring"),
    # Clearview AI vs Kharon's ClearView tool
    ("CONT_AWD_70CMSD21P00000127_7012_-NONE-_-NONE-", "face_recognition"),
    ("CONT_AWD_70B06C23P00000649_7014_-NONE-_-NONE-", "none"),
    # an award whose only description is a closeout follows its single-line maker
    ("CONT_AWD_70CMSD20P00000130_7012_-NONE-_-NONE-", "face_recognition"),
    # same-word traps
    ("CONT_AWD_70B03C19F00000993_7014_GS06F0817Z_4732", "none"),  # EVIGILANT
    ("CONT_AWD_70B01C24P00000169_7014_-NONE-_-NONE-", "none"),  # MAGNET YOUR EVENT
    (
        "CONT_AWD_70B03C21P00000315_7014_-NONE-_-NONE-",
        "phone_forensics_spyware",
    ),  # Magnet
    ("CONT_AWD_HSBP1016P00215_7014_-NONE-_-NONE-", "none"),  # AQUA CLEAR
    (
        "CONT_AWD_70CMSD21FC0000028_7012_70CMSD21A00000004_7012",
        "none",
    ),  # PARAGON SYSTEMS
    (
        "CONT_AWD_70CDCR23FR0000023_7012_70CDCR23D00000001_7012",
        "none",
    ),  # PARAGON PROFESSIONAL
    # West Publishing: plate-reader data and CLEAR
    ("CONT_AWD_70CDCR18P00000017_7012_-NONE-_-NONE-", "license_plate_readers"),
    ("CONT_AWD_70CMSD22FR0000187_7012_GS02F026DA_4732", "data_brokers"),
    # credit reports for vetting vs investigative public records; law library
    ("CONT_AWD_70CMSD20P00000187_7012_-NONE-_-NONE-", "none"),
    ("CONT_AWD_70CDCR20FR0000053_7012_03310319D0028_0300", "data_brokers"),
    ("CONT_AWD_70CDCR23P00000003_7012_-NONE-_-NONE-", "none"),
    # radios, tasers and counter-drone kit are none; body cameras are surveillance
    ("CONT_AWD_70B03C19F00001260_7014_70B04C19D00000035_7014", "none"),
    ("CONT_AWD_70CMSW23FR0000074_7012_70CMSW20D00000003_7012", "none"),
    (
        "CONT_AWD_70B02C23F00000828_7014_70B03C23D00000006_7014",
        "video_sensor_surveillance",
    ),
    ("CONT_AWD_70B02C21P00000573_7014_-NONE-_-NONE-", "none"),
    # rules 1.9: a forensic tool bought from a reseller, a cell-site simulator under a
    # euphemism, an anonymous-research browser, and two same-word traps
    ("CONT_AWD_70CMSD22FR0000156_7012_HSHQDC13D00020_7001", "phone_forensics_spyware"),
    (
        "CONT_AWD_70CMSD22FR0000167_7012_70B04C19D00000012_7014",
        "communications_intercept",
    ),
    ("CONT_AWD_70CMSD19FR0000072_7012_HSHQDC12D00013_7001", "social_media_monitoring"),
    ("CONT_AWD_70CMSD21FR0000182_7012_HSHQDC13D00017_7001", "none"),  # ISILON, not SILO
    ("CONT_AWD_70B02C23F00000871_7014_HSHQDC13D00023_7001", "none"),  # aircraft servers
]


def categories(db) -> dict[str, str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return dict(
            con.execute("SELECT award_key, category FROM classification").fetchall()
        )


@pytest.mark.parametrize(("award", "expected"), CASES)
def test_hard_case(fixture_db, award, expected):
    assert categories(fixture_db)[award] == expected


def test_reseller_purchase_records_the_maker(fixture_db):
    with duckdb.connect(str(fixture_db), read_only=True) as con:
        maker, recipient = con.execute(
            "SELECT maker, recipient FROM classification WHERE award_key = ?",
            ["CONT_AWD_70B06C21F00001052_7014_47QSWA18D008F_4732"],
        ).fetchone()
    assert (maker, recipient) == ("Cellebrite", "CARAHSOFT TECHNOLOGY CORP")


def test_one_row_per_award_and_transactions_inherit(fixture_db):
    with duckdb.connect(str(fixture_db), read_only=True) as con:
        awards = con.execute(
            'SELECT count(DISTINCT award_key) FROM "transaction"'
        ).fetchone()[0]
        rows = con.execute(
            "SELECT count(*), count(DISTINCT award_key) FROM classification"
        ).fetchone()
        closeout = con.execute(
            """SELECT c.category FROM "transaction" t
               JOIN classification c USING (award_key)
               WHERE t.description LIKE 'FAR 4.804%' AND t.piid = '70CMSD21P00000127'"""
        ).fetchone()[0]
    assert rows == (awards, awards)
    assert closeout == "face_recognition"


def test_evidence_names_rule_signal_and_text(fixture_db):
    with duckdb.connect(str(fixture_db), read_only=True) as con:
        ev = con.execute(
            "SELECT evidence FROM classification WHERE award_key = ?",
            ["CONT_AWD_70CMSD21P00000127_7012_-NONE-_-NONE-"],
        ).fetchone()[0]
    items = json.loads(ev)
    assert {"signal", "rule", "text"} <= set(items[0])
    assert any(
        i["text"] == "FACIAL RECOGNITION" and i["signal"] == "term" for i in items
    )
    # a recipient name is shown as the rules read it (names.py: no legal form)
    assert any(i["signal"] == "maker" and i["text"] == "CLEARVIEW AI" for i in items)


def test_igf_prefix_is_stripped_before_matching(fixture_db):
    out = run(fixture_db, "classify", "--explain", "70B03C23F00001059", "--json").output
    explained = json.loads(out)
    assert "IGF::" not in explained["text"]
    assert explained["text"].startswith("DATAMINR") or "| DATAMINR" in explained["text"]
    assert explained["final_category"] == "social_media_monitoring"


def test_run_is_logged_with_versions(fixture_db):
    with duckdb.connect(str(fixture_db), read_only=True) as con:
        runs = con.execute(
            "SELECT taxonomy_version, rules_version, awards FROM classification_run"
        ).fetchall()
        versions = con.execute(
            "SELECT DISTINCT taxonomy_version, rules_version FROM classification"
        ).fetchall()
    assert runs and runs[-1][2] == 27
    assert versions == [runs[-1][:2]]
