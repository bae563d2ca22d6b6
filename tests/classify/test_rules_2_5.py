"""Rules 2.5: vendor knowledge for thin text, found from the store's whole recipient
list (docs/classify.md, "Rules 2.5: vendors found from the recipients"). Each new
profile decides a thin award of its vendor, and never beats text that says otherwise."""

from __future__ import annotations

import json

import pytest

from tests.classify.test_rules_2_1 import classify

VSS = "video_sensor_surveillance"


def test_the_rules_are_version_2_5_or_later(rules):
    major, minor = (int(p) for p in rules.version.split("."))
    assert (major, minor) >= (2, 5)


@pytest.mark.parametrize(
    ("text", "recipient", "expected"),
    [
        # thin text, decided by who sold it
        ("HARDWARE, INSTALLATION, AND SOFTWARE LICENSES", "MATROID, INC.", VSS),
        ("AUTONOMOUS OBJECT IDENTIFICATION", "Matroid Inc", VSS),
        ("SUPPLY OF A TACTICAL ROBOT", "RECONROBOTICS, INC", VSS),
        ("THROWBOTS 2 KITS FOR LAW ENFORCEMENT USE", "RECONROBOTICS, INC.", VSS),
        ("SUPPLY OF LICENSES", "HUBSTREAM INC", "case_management_analytics"),
        (
            "DEVELOPMENT AND TESTING TO ENHANCE CURRENT CAPABILITIES",
            "HUBSTREAM, INC",
            "case_management_analytics",
        ),
        ("BOSCH CDR TOOLS", "CRASH DATA GROUP INC", "phone_forensics_spyware"),
        # the same thin text from anyone else stays none
        ("HARDWARE, INSTALLATION, AND SOFTWARE LICENSES", "ACME SYSTEMS, INC.", "none"),
        ("SUPPLY OF A TACTICAL ROBOT", "ACME ROBOTS LLC", "none"),
        ("SUPPLY OF LICENSES", "HUBSPOT INC", "none"),
        # a profile never beats text that says otherwise
        ("BODY WORN CAMERAS", "CRASH DATA GROUP INC", VSS),
        ("FORENSIC IMAGERS", "MATROID, INC.", "phone_forensics_spyware"),
    ],
)
def test_a_new_profile_decides_thin_text_only(rules, text, recipient, expected):
    assert classify(rules, text, recipient).category == expected


def test_a_new_profile_alone_is_marked_as_resting_on_the_vendor(rules):
    d = classify(rules, "SUPPLY OF LICENSES", "HUBSTREAM INC")
    assert d.profile_only
    assert d.confidence < 1.0
    assert [e["rule"] for e in json.loads(d.evidence)] == ["profile:hubstream"]
