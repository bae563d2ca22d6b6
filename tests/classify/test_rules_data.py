"""The taxonomy, rules and gazetteer are data: they load, they are consistent, RE2
accepts them.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from custodes.classify.decide import decide
from custodes.classify.evidence import Matcher
from custodes.classify.names import normal_name
from custodes.classify.rules import FIELDS, load_rules
from custodes.classify.taxonomy import NONE, load_taxonomy
from custodes.errors import ConfigError
from tests.conftest import SHARED


def test_taxonomy_has_versioned_categories_with_notes():
    tax = load_taxonomy()
    assert tax.version
    assert tax.ids[-1] == NONE
    for c in tax.categories:
        assert c.definition and c.label
        if c.id != NONE:
            assert c.includes and c.excludes, c.id


def test_taxonomy_matches_the_research_table():
    path = SHARED / "research" / "taxonomy.md"
    if not path.exists():
        pytest.skip(f"{path} not found")
    ids = set(re.findall(r"^\| `([a-z_]+)` \|", path.read_text(), flags=re.M))
    assert ids == set(load_taxonomy().ids)


def test_every_pattern_runs_in_duckdb_re2():
    rules = load_rules(load_taxonomy())
    con = duckdb.connect()
    for rule in rules.rules:
        for p in rule.patterns + rule.unless:
            con.execute("SELECT regexp_matches('X', ?)", [p]).fetchone()


def test_gazetteer_products_become_rules_with_their_traps():
    rules = load_rules(load_taxonomy())
    clearview = rules.by_id("gazetteer:clearview_ai")
    assert (
        clearview.category == "face_recognition" and clearview.maker == "Clearview AI"
    )
    assert any("KHARON" in u for u in clearview.unless)
    assert rules.by_id("gazetteer:kharon_clearview").negative


def _fired_category(text: str, recipient: str = "||") -> str:
    tax = load_taxonomy()
    rules = load_rules(tax)
    m = Matcher(rules)
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE a AS SELECT 'k' AS award_key, ? AS text, ? AS recipient, "
        "'' AS psc, '' AS naics",
        [
            text,
            "|"
            + "||".join(normal_name(r) for r in recipient.strip("|").split("|"))
            + "|",
        ],
    )
    row = con.execute(m.hits_sql("a")).fetchone()
    pieces = dict(zip(FIELDS, row[1:], strict=True))
    return decide(m.fired(pieces), rules, tax).category


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CELLEBRITE UFED LICENSE RENEWAL", "phone_forensics_spyware"),
        ("LPR CAMERA REAPER HD2", "license_plate_readers"),
        ("LPR STATUS VERIFICATION FOR LAWFUL PERMANENT RESIDENT", "none"),
        ("SMALL UNMANNED AIRCRAFT SYSTEMS FOR USBP", "video_sensor_surveillance"),
        ("COUNTER-UAS DETECTION KIT", "none"),
        ("INDEPENDENT ASSESSMENT OF THE BODY WORN CAMERA PILOT", "none"),
        ("HIDTA OFFICE TELEPHONE SYSTEM", "none"),
        (
            "TITLE III MONITORING, TRANSLATION AND TRANSCRIPTION",
            "communications_intercept",
        ),
        ("TRANSLATION AND INTERPRETATION SERVICES", "none"),
        ("BIOMETRIC ENCRYPTED FLASH DRIVES", "none"),
        ("RAPID DNA TESTING CHIPS", "biometrics"),
        ("CISCO WEBEX KIT EQ PTZ 4K VIDEO TELE-CONFERENCING EQUIPMENT", "none"),
        ("PTZ IP COLOR CAMERA ON A MAST", "video_sensor_surveillance"),
        ("INTERVIEW ROOM CAMERAS", "none"),
        ("UPGRADE CLOSED-CIRCUIT TELEVISION SYSTEM", "video_sensor_surveillance"),
    ],
)
def test_terms(text, expected):
    assert _fired_category(text) == expected


def test_maker_alone_decides_only_for_single_line_makers():
    assert (
        _fired_category("FAR 4.804, CONTRACT CLOSEOUT", "|CELLEBRITE INC|")
        == "phone_forensics_spyware"
    )
    # LexisNexis sells law libraries too: its name alone decides nothing
    assert _fired_category("FAR 4.804, CONTRACT CLOSEOUT", "|RELX INC.|") == "none"


def _write(tmp: Path, name: str, text: str) -> Path:
    p = tmp / name
    p.write_text(text)
    return p


def test_unknown_category_is_a_config_error(tmp_path):
    bad = _write(
        tmp_path,
        "rules.yaml",
        "version: x\nrules:\n  - id: r\n    category: spying\n    patterns: ['X']\n",
    )
    with pytest.raises(ConfigError, match="not in the taxonomy"):
        load_rules(load_taxonomy(), bad)


def test_lookaround_is_refused(tmp_path):
    bad = _write(
        tmp_path,
        "rules.yaml",
        "version: x\nrules:\n  - id: r\n    category: biometrics\n"
        "    patterns: ['(?<!E)VIGILANT']\n",
    )
    with pytest.raises(ConfigError, match="look-around"):
        load_rules(load_taxonomy(), bad)


def test_broken_regex_is_refused(tmp_path):
    bad = _write(
        tmp_path,
        "rules.yaml",
        "version: x\nrules:\n  - id: r\n    category: biometrics\n"
        "    patterns: ['(UNCLOSED']\n",
    )
    with pytest.raises(ConfigError, match="does not compile"):
        load_rules(load_taxonomy(), bad)
