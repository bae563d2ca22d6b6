"""Mixed purchases, vendor profiles and the review flags, on invented awards modelled on
real ones (tests/classify/fixtures/components.csv)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from custodes.classify.decide import decide
from custodes.classify.evidence import Matcher
from custodes.classify.rules import load_rules
from custodes.classify.taxonomy import load_taxonomy
from custodes.errors import ConfigError
from tests.classify.conftest import HERE, run

CSV = HERE / "fixtures" / "components.csv"
VSS = "video_sensor_surveillance"
WALL = "CONT_AWD_70B01C25F99000001_7014_70B01C24D99000001_7014"
TOWERS = "CONT_AWD_70B02C25C99000002_7014_-NONE-_-NONE-"
AIRCRAFT = "CONT_AWD_70B02C25C99000003_7014_-NONE-_-NONE-"
PHONES = "CONT_AWD_70CTD025F99000004_7012_70RTAC21D99000001_7001"
VENNTEL = "CONT_AWD_70CMSD25P99000005_7012_-NONE-_-NONE-"
LEGAL = "CONT_AWD_70CMSD25P99000006_7012_-NONE-_-NONE-"
OPTION = "CONT_AWD_70CMSD25P99000007_7012_-NONE-_-NONE-"
TWO = "CONT_AWD_70CMSD25F99000008_7012_HSHQDC13D99000001_7001"
THIN = "CONT_AWD_70B02C25F99000009_7014_70B02C23D99000026_7014"


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("components") / "store.duckdb"
    run(path, "ingest", str(CSV))
    run(path, "classify")
    return path


def row(db: Path, award: str) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        cur = con.execute("SELECT * FROM classification WHERE award_key = ?", [award])
        names = [d[0] for d in cur.description]
        return dict(zip(names, cur.fetchone(), strict=True))


def test_construction_with_cameras_and_sensors_is_none_with_a_component(db):
    r = row(db, WALL)
    assert (r["category"], r["component_category"]) == ("none", VSS)
    comp = json.loads(r["component_evidence"])
    assert {i["category"] for i in comp} == {VSS}
    assert any("GROUND DETECTION" in i["text"] for i in comp)
    carriers = [i for i in json.loads(r["evidence"]) if i["signal"] == "carrier"]
    assert carriers and carriers[0]["carries"] == "construction"
    assert r["rules_category"] == "none" and not r["profile_only"]
    assert 0.5 < r["confidence"] < 1.0


def test_surveillance_tower_operation_stays_surveillance(db):
    # the text also names site power and road grading: the towers are what was bought
    r = row(db, TOWERS)
    assert (r["category"], r["component_category"]) == (VSS, None)
    assert r["component_evidence"] is None


def test_manned_aircraft_with_a_surveillance_radar_is_a_component(db):
    r = row(db, AIRCRAFT)
    assert (r["category"], r["component_category"]) == ("none", VSS)


def test_a_surveillance_line_with_a_tiny_share_of_the_money_is_a_component(db):
    # $300 of $42,000,300 names body-worn cameras: a small part of a phone contract
    r = row(db, PHONES)
    assert (r["category"], r["component_category"]) == ("none", VSS)
    first = json.loads(r["evidence"])[0]
    assert first["signal"] == "minor_share" and "0.00%" in first["text"]
    assert r["rules_category"] == "none"


def test_a_profile_decides_thin_text_and_says_so(db):
    r = row(db, THIN)
    assert r["category"] == VSS and r["profile_only"]
    items = json.loads(r["evidence"])
    prof = [i for i in items if i["signal"] == "profile"]
    assert prof and prof[0]["sources"][0].startswith("https://")
    assert "Remote Video Surveillance" in prof[0]["line"]
    assert r["confidence"] < 0.75  # weaker than text


def test_a_maker_paid_directly_is_vendor_evidence_too(db):
    r = row(db, VENNTEL)
    assert r["category"] == "location_data" and r["profile_only"]


def test_a_profile_never_beats_text_that_says_otherwise(db):
    assert row(db, LEGAL)["category"] == "none"  # legal research from a data broker
    r = row(db, OPTION)  # "OPTION YEAR 2" from the same vendor: the profile decides
    assert r["category"] == "data_brokers" and r["profile_only"]


def test_evidence_for_two_categories_is_a_conflict(db):
    r = row(db, TWO)
    assert r["conflict"] and r["category"] == "face_recognition"
    assert not row(db, WALL)["conflict"]


def test_run_summary_counts_components_and_flags(db):
    out = json.loads(run(db, "classify", "--json").output)
    assert out["components"] == 3
    assert out["profile_only"] >= 3 and out["conflicts"] >= 1


def test_export_carries_components_and_flags(db, tmp_path):
    out = tmp_path / "export.csv"
    run(db, "classify", "--export", str(out))
    with out.open(newline="") as fh:
        rows = {r["generated_award_id"]: r for r in csv.DictReader(fh)}
    assert rows[WALL]["component_category"] == VSS
    assert json.loads(rows[WALL]["component_evidence"])
    assert rows[TOWERS]["component_category"] == ""
    assert rows[THIN]["profile_only"] == "True" and rows[TWO]["conflict"] == "True"


def test_explain_shows_the_component_and_the_profile(db):
    text = run(db, "classify", "--explain", WALL).output
    assert "larger purchase: carrier score" in text
    assert "component: video_sensor_surveillance" in text
    e = json.loads(run(db, "classify", "--explain", WALL, "--json").output)
    assert {i["carries"] for i in e["rules"]["evidence"] if "carries" in i} == {
        "construction"
    }
    text = run(db, "classify", "--explain", THIN).output
    assert "vendor profile profile:general_dynamics_one_source" in text
    assert "profile-only" in text
    e = json.loads(run(db, "classify", "--explain", PHONES, "--json").output)
    assert e["rules"]["minor_share"]["share"] < 0.01
    assert e["rules"]["component_category"] == VSS


def test_eval_scores_component_tags_and_dollars(db, tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "generated_award_id,label,component\n"
        f"{WALL},none,{VSS}\n"
        f"{TOWERS},{VSS},\n"
        f"{AIRCRAFT},none,\n"  # the rules tag a component here: an extra
        f"{PHONES},none,{VSS}\n"
        f"{LEGAL},data_brokers,\n"  # deliberately wrong: a $120,000 error
    )
    r = json.loads(
        run(
            db, "eval", "classify", str(labels), "--min-obligation", "0", "--json"
        ).output
    )
    c = r["components"]
    assert (c["labelled"], c["found"], c["extra"]) == (2, 2, [AIRCRAFT])
    m = r["materiality"]
    # dollars from the fixture: towers $42M is the only surveillance, found
    assert m["gold_surveillance_usd"] == 42_000_000 + 120_000
    assert m["binary"]["recall_usd"] == round(42_000_000 / 42_120_000, 4)
    assert m["binary"]["precision_usd"] == 1.0
    assert m["largest_errors"] == [
        {
            "award": LEGAL,
            "gold": "data_brokers",
            "predicted": "none",
            "usd": 120_000.0,
            "kind": "false_negative",
        }
    ]
    text = run(db, "eval", "classify", str(labels), "--min-obligation", "0").output
    assert "By dollars" in text and "Largest errors" in text and "Components" in text
    # the default threshold leaves out every award under $10M
    r = json.loads(run(db, "eval", "classify", str(labels), "--json").output)
    assert r["materiality"]["awards"] == 4


def _decide(text: str, psc: str = "", recipient: str = "||") -> object:
    tax = load_taxonomy()
    rules = load_rules(tax)
    m = Matcher(rules)
    pieces = {"text": [text], "recipient": [recipient], "psc": [psc], "naics": []}
    found = {}
    for f, values in pieces.items():
        fm = m.fields[f]
        found[f] = [
            x.group(0)
            for v in values
            for p in fm.narrow + fm.wide
            for x in [__import__("re").search(p, v)]
            if x
        ]
    return decide(m.fired(found), rules, tax)


def test_carriers_must_outweigh_the_named_surveillance_system():
    # a wall contract that also relocates RVSS towers: the wall weighs more
    d = _decide("BORDER WALL CONSTRUCTION INCLUDING RELOCATION OF RVSS EQUIPMENT")
    assert (d.category, d.component_category) == ("none", VSS)
    # a power upgrade for an RVSS room: construction words in passing, towers bought
    d = _decide("ELS-RVSS ROOM POWER UPGRADE", psc="REPAIR OR ALTERATION OF BUILDINGS")
    assert (d.category, d.component_category) == (VSS, None)
    # cameras installed at a detention centre are a camera purchase
    d = _decide("KROME DETENTION CENTER CCTV UPGRADE")
    assert (d.category, d.component_category) == (VSS, None)


def test_a_profile_file_without_sources_is_refused(tmp_path):
    bad = tmp_path / "profiles.yaml"
    bad.write_text(
        "version: '1'\nvendors:\n  - id: acme\n    recipient_names: [ACME]\n"
        "    lines:\n      - line: cameras\n"
        "        category: video_sensor_surveillance\n"
    )
    with pytest.raises(ConfigError, match="acme.*sources"):
        load_rules(load_taxonomy(), profiles=bad)
    bad.write_text(
        "version: '1'\nvendors:\n  - id: acme\n    recipient_names: [ACME]\n"
        "    lines:\n      - line: cameras\n        category: spyware\n"
        "        sources: [https://example.org]\n"
    )
    with pytest.raises(ConfigError, match="not in the taxonomy"):
        load_rules(load_taxonomy(), profiles=bad)


def test_a_mixed_vendor_votes_weakly():
    rules = load_rules(load_taxonomy())
    assert rules.by_id("profile:general_dynamics_one_source").weight == 1.0
    west = [r for r in rules.rules if r.id.startswith("profile:west_publishing")]
    assert {r.category for r in west} == {"data_brokers", "license_plate_readers"}
    assert {r.weight for r in west} == {0.5}
