"""Rules 2.1: vendor names as a later year spells them, vendor lines scoped by the words
they are bought under or by the office that buys them, Penlink's products, and the terms
that the census holdout half and the reported FY2025 purchases taught."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from custodes.classify.decide import decide
from custodes.classify.evidence import Matcher
from custodes.classify.names import literal_names, normal_name, normal_name_sql
from custodes.classify.rules import FIELDS, RuleSet, load_rules
from custodes.classify.taxonomy import load_taxonomy
from custodes.errors import ConfigError
from tests.classify.conftest import run

VSS = "video_sensor_surveillance"
CI = "communications_intercept"


def classify(
    rules: RuleSet,
    text: str,
    recipient: str = "",
    psc: str = "",
    office: str = "",
):
    """The decision for one invented award, matched by DuckDB as the pipeline does."""
    m = Matcher(rules)
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE a AS SELECT 'k' AS award_key, ? AS text, ? AS recipient, "
        "? AS psc, '' AS naics",
        [text.upper(), f"|{normal_name(recipient)}|#{office}|", psc.upper()],
    )
    row = con.execute(m.hits_sql("a")).fetchone()
    return decide(
        m.fired(dict(zip(FIELDS, row[1:], strict=True))), rules, load_taxonomy()
    )


# ----------------------------------------------------------------- recipient names


@pytest.mark.parametrize(
    ("name", "spelling", "matches"),
    [
        ("PEN-LINK, LTD.", "PENLINK LIMITED", True),
        ("PEN-LINK, LTD.", "PEN-LINK, LTD.", True),
        ("VENNTEL INC", "VENNTEL, INC.", True),
        ("THE KACE COMPANY, LLC.", "KACE CO", True),
        ("B.I. INCORPORATED", "BI INC", True),
        ("PARAGON SOLUTIONS (US) INC", "PARAGON SOLUTIONS (US), INC.", True),
        # other companies stay other companies
        ("PARAGON SOLUTIONS (US) INC", "PARAGON SYSTEMS, INC.", False),
        ("VENNTEL INC", "VENNTEL HOLDINGS INC", False),
        ("VIGILANT SOLUTIONS, LLC", "EVIGILANT SECURITY", False),
        (
            "ADVANCED TECHNOLOGY SYSTEMS COMPANY, INC. (OF VIRGINIA)",
            "ADVANCED TECHNOLOGY SYSTEMS INC",
            False,
        ),
    ],
)
def test_a_vendor_name_matches_its_spellings_and_nothing_else(name, spelling, matches):
    (pattern,) = literal_names([name])
    assert bool(re.search(pattern, f"|{normal_name(spelling)}|")) is matches


def test_the_normal_form_drops_punctuation_the_and_trailing_legal_forms_only():
    assert normal_name("THE KACE COMPANY, LLC.") == "KACE"
    assert normal_name("PEN-LINK, LIMITED") == "PEN LINK"
    # a legal form inside the name is part of it
    assert normal_name("ADVANCED TECHNOLOGY SYSTEMS COMPANY, INC. (OF VIRGINIA)") == (
        "ADVANCED TECHNOLOGY SYSTEMS COMPANY INC OF VIRGINIA"
    )


@pytest.mark.parametrize(
    "name",
    [
        "PEN-LINK, LTD.",
        "THE KACE COMPANY, LLC.",
        "B.I. INCORPORATED",
        "CROSS MATCH TECHNOLOGIES, INC.",
        "PARAGON SOLUTIONS (US) INC",
        "Müller & Co. GmbH",
        "THE",
        "  ",
    ],
)
def test_the_sql_and_python_normal_forms_agree(name):
    con = duckdb.connect()
    (got,) = con.execute(f"SELECT {normal_name_sql('?')}", [name]).fetchone()
    assert got == normal_name(name)


def test_every_recipient_name_of_an_award_can_match(tmp_path):
    """The recipient field separates names with `||`, so that a whole-name pattern
    finds the second name too (after a novation the maker may be the second)."""
    csv = tmp_path / "novation.csv"
    csv.write_text(
        "Agency,Award ID,Recipient Name,Federal Action Obligation,Action Date,"
        "Modification,Product/Service Description,NAICS Description,"
        "Transaction Description,Generated Award ID\n"
        "ICE,70CMSD25P99000101,AAA RESELLER LLC,1000.00,2025-01-10,0,"
        "IT SOFTWARE,SOFTWARE PUBLISHERS,OPTION YEAR 1,"
        "CONT_AWD_70CMSD25P99000101_7012_-NONE-_-NONE-\n"
        "ICE,70CMSD25P99000101,VENNTEL INC,1000.00,2025-03-10,P00001,"
        "IT SOFTWARE,SOFTWARE PUBLISHERS,OPTION YEAR 2,"
        "CONT_AWD_70CMSD25P99000101_7012_-NONE-_-NONE-\n"
    )
    db = tmp_path / "store.duckdb"
    run(db, "ingest", str(csv))
    run(db, "classify")
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute("SELECT category FROM classification").fetchone()
    assert got == ("location_data",)


# ----------------------------------------------------------------- scoped vendor lines


def test_an_office_scoped_line_decides_thin_text_at_that_office_only(rules):
    thin = "P00012-MODIFICATION TO EXERCISE OPTION AND ADD FUNDING."
    at = classify(rules, thin, "PERATON INC.", office="70B02C")
    assert at.category == VSS and at.profile_only
    assert "profile:peraton:line1" in at.evidence
    assert "PERATON (office 70B02C)" in at.evidence
    # elsewhere the vendor sells IT and biometrics too: its name decides nothing
    assert classify(rules, thin, "PERATON INC.", office="70CTD0").category == "none"


def test_a_scoped_line_silences_the_general_vote_where_it_fires(rules):
    d = classify(rules, "OPTION YEAR 2", "PERATON INC.", office="70B02C")
    assert '"rule": "profile:peraton:biometrics"' in d.evidence
    assert d.score == 1.0  # the scoped line alone: the general 0.5 did not count


def test_a_line_named_by_a_euphemism_decides(rules):
    d = classify(rules, "INVESTIGATIVE EQUIPMENT", "L3HARRIS TECHNOLOGIES, INC.")
    assert d.category == CI and d.profile_only
    # the same maker's radios stay none, whatever product code they come under
    d = classify(
        rules,
        "UPGRADE KITS FOR EXISTING RADIOS",
        "L3HARRIS TECHNOLOGIES, INC.",
        psc="5865 ELECTRONIC COUNTERMEASURES, COUNTER-COUNTERMEASURES AND QUICK "
        "REACTION CAPABILITY EQUIPMENT",
    )
    assert d.category == "none"
    # the euphemism from an unprofiled vendor decides nothing
    assert classify(rules, "INVESTIGATIVE EQUIPMENT", "ACME LLC").category == "none"


def _profiles(tmp: Path, line: str) -> Path:
    p = tmp / "profiles.yaml"
    p.write_text(
        "version: '1'\nvendors:\n  - id: acme\n    recipient_names: [ACME]\n"
        "    lines:\n" + line
    )
    return p


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "      - line: towers\n        category: video_sensor_surveillance\n"
            "        sources: [https://example.org]\n        when: ['X']\n"
            "        offices: [70B02C]\n",
            "both `when` and `offices`",
        ),
        (
            "      - line: towers\n        category: video_sensor_surveillance\n"
            "        sources: [https://example.org]\n        offices: [CBP]\n",
            "six-character code",
        ),
        (
            "      - line: radios\n        category: none\n"
            "        sources: [https://example.org]\n        when: ['RADIO']\n",
            "only a surveillance line",
        ),
        (
            "      - line: towers\n        category: video_sensor_surveillance\n"
            "        sources: [https://example.org]\n        when: '(UNCLOSED'\n",
            "list of strings",
        ),
    ],
)
def test_a_badly_scoped_line_is_refused(tmp_path, line, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_rules(load_taxonomy(), profiles=_profiles(tmp_path, line))


def test_a_when_pattern_that_does_not_compile_is_refused(tmp_path):
    line = (
        "      - line: towers\n        category: video_sensor_surveillance\n"
        "        sources: [https://example.org]\n        when: ['(UNCLOSED']\n"
    )
    with pytest.raises(ConfigError, match="does not compile"):
        load_rules(load_taxonomy(), profiles=_profiles(tmp_path, line))


# ----------------------------------------------------------------- Penlink's products


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PENLINK PLX LICENSE RENEWAL", CI),
        ("SOFTWARE LICENSES", CI),  # thin text: Penlink's line paid directly is PLX
        ("PENLINK WEBLOC SUBSCRIPTION", "location_data"),
        ("PEN-LINK TANGLES LICENSES", "social_media_monitoring"),
    ],
)
def test_penlink_is_read_by_the_product_named(rules, text, expected):
    assert classify(rules, text, "PEN-LINK, LTD.").category == expected


# ----------------------------------------------------------------- terms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "CRIMINAL ALIEN IDENTIFICATION INITIATIVES (CAII) AGILE SOFTWARE "
            "DEVELOPMENT AND TIER II SUPPORT SERVICES",
            "case_management_analytics",
        ),
        ("MINOTAUR RAPID REACTION AND PROTOTYPING ENGINEERING SUPPORT", VSS),
        ("MINOTAUR SERVER VIRTUALIZATION HARDWARE AND LICENSES", "none"),
        ("CELL SITE SIMULATOR (CSS) VEHICLES", CI),
        ("MOBILE FORTIFY APPLICATION SUPPORT", "face_recognition"),
        ("SKIP TRACING SERVICES - ENHANCED LOCATION RESEARCH", "data_brokers"),
        ("ERO TARGETING OPERATIONS SUPPORT", "case_management_analytics"),
        ("CARGO TARGETING SUPPORT", "none"),
        # analytical staffing named only by the unit it serves buys no surveillance
        ("HSI DATA AND ANALYTICAL SUPPORT SERVICES", "none"),
        ("PROFESSIONAL ANALYTICAL SUPPORT TO PERC IN LAGUNA NIGUEL, CA", "none"),
    ],
)
def test_terms_of_rules_2_1(rules, text, expected):
    assert classify(rules, text).category == expected


def test_electronic_control_weapons_from_a_camera_maker_are_none(rules):
    d = classify(
        rules, "ELECTRONIC CONTROL WEAPONS AND HOLSTERS", "AXON ENTERPRISE, INC."
    )
    assert d.category == "none"


def test_a_smart_wall_with_cameras_is_construction_with_a_component(rules):
    d = classify(
        rules,
        "SMART WALL CONSTRUCTION INCLUDING SURVEILLANCE CAMERAS AND GROUND DETECTION "
        "SYSTEM",
    )
    assert (d.category, d.component_category) == ("none", VSS)
