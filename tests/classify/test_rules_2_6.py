"""Rules 2.6: recall that holds on a later fiscal year (docs/classify.md, "Rules 2.6").
Product lines of vendors expected in a later year's buying decide their thin texts; a
profile never beats text that says otherwise; the biometric terms found in the
store-wide read decide what they name and nothing else."""

from __future__ import annotations

import json

import pytest

from tests.classify.test_rules_2_1 import classify

VSS = "video_sensor_surveillance"


def test_the_rules_are_version_2_6_or_later(rules):
    major, minor = (int(p) for p in rules.version.split("."))
    assert (major, minor) >= (2, 6)


@pytest.mark.parametrize(
    ("text", "recipient", "expected"),
    [
        # thin text of a later year, decided by the vendor's one line
        ("DATA SERVICES SUBSCRIPTION", "FOG DATA SCIENCE, LLC", "location_data"),
        ("OPTION YEAR 1", "ANOMALY SIX LLC", "location_data"),
        ("SUBSCRIPTION RENEWAL", "APPRISS INSIGHTS, LLC", "data_brokers"),
        ("OPTION YEAR 2", "TRACERS INFORMATION SPECIALISTS, INC.", "data_brokers"),
        ("DATA ACCESS", "DIGITAL RECOGNITION NETWORK, INC.", "license_plate_readers"),
        ("MAINTENANCE", "PERCEPTICS, LLC", "license_plate_readers"),
        (
            "SOFTWARE MAINTENANCE AND SUPPORT",
            "SS8 NETWORKS, INC.",
            "communications_intercept",
        ),
        ("LICENSES", "HAWK ANALYTICS, INC.", "communications_intercept"),
        ("ELLIPTIC SOFTWARE", "ELLIPTIC INC", "case_management_analytics"),
        ("DETECTION SOFTWARE", "BRIEFCAM LTD", VSS),
        ("LICENSES AND DOCKS", "SKYDIO, INC.", VSS),
        ("OPTION YEAR 1", "ECHODYNE CORP", VSS),
        ("SOFTWARE LICENSES", "RANK ONE COMPUTING CORPORATION", "face_recognition"),
        ("SCANNERS", "INTEGRATED BIOMETRICS, LLC", "biometrics"),
        ("MONITORING SERVICES", "TRACK GROUP AMERICAS, INC.", "electronic_monitoring"),
        ("RENEWAL", "PARABEN CORPORATION", "phone_forensics_spyware"),
        ("SOFTWARE LICENSES", "VOYAGER LABS LTD", "social_media_monitoring"),
        ("JUSTICEXCHANGE SUBSCRIPTION", "ACME RESELLER LLC", "data_brokers"),
        (
            "SEMANTICA LICENSES RENEWAL",
            "ACME RESELLER LLC",
            "case_management_analytics",
        ),
        # the same thin text from anyone else stays none
        ("DATA SERVICES SUBSCRIPTION", "FOG CONSTRUCTION LLC", "none"),
        ("SOFTWARE MAINTENANCE AND SUPPORT", "SS8 SUPPLY LLC", "none"),
        ("DETECTION SOFTWARE", "ACME SYSTEMS, INC.", "none"),
        # a profile never beats text that says otherwise
        ("COUNTER-UAS RADAR SYSTEMS", "ECHODYNE CORP", "none"),
        ("BODY WORN CAMERAS", "TRACK GROUP AMERICAS, INC.", VSS),
        (
            "ONLINE LAW LIBRARY FOR DETAINEES",
            "TRACERS INFORMATION SPECIALISTS, INC.",
            "none",
        ),
    ],
)
def test_a_new_profile_decides_thin_text_only(rules, text, recipient, expected):
    assert classify(rules, text, recipient).category == expected


def test_a_new_profile_alone_is_marked_as_resting_on_the_vendor(rules):
    d = classify(rules, "DATA SERVICES SUBSCRIPTION", "FOG DATA SCIENCE LLC")
    assert d.profile_only
    assert [e["rule"] for e in json.loads(d.evidence)] == ["profile:fog_data_science"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MULTIPLE FINGER READERS", "biometrics"),
        ("FINGER READER", "biometrics"),
        ("BITMAP DEVICES-KENYA", "biometrics"),
        ("RENEWALS OF SOFTWARE LICENSES IN SUPPORT OF BITMAP.", "biometrics"),
        ("TRANSLATION OF INTERCEPTED COMMUNICATIONS", "communications_intercept"),
        ("CELLULAR TOWER EMULATOR", "communications_intercept"),
        ("DIRTBOX", "communications_intercept"),
        ("TELEPHONE TOLL ANALYSIS SOFTWARE", "communications_intercept"),
        (
            "DIRECTION FINDING EQUIPMENT FOR CELLULAR DEVICES",
            "communications_intercept",
        ),
        ("LOCATION VERIFICATION SERVICES", "data_brokers"),
        ("ALIEN LOCATION SERVICES", "data_brokers"),
        ("LIVENESS DETECTION SOFTWARE", "face_recognition"),
        ("TOWER CAMERAS AND THEIR INSTALLATION", "video_sensor_surveillance"),
        # what the new terms must not take
        ("CONVERT BITMAP IMAGES TO PDF", "none"),
        ("READER FOR PIV CARDS", "none"),
        ("SEMANTIC SEARCH SOFTWARE", "none"),
        ("INTERCEPTOR BOAT ENGINES", "none"),
        ("DIRECTION FINDING EQUIPMENT FOR AIRCRAFT BEACONS", "none"),
        ("EMPLOYEE RELOCATION SERVICES", "none"),
        ("TERMINAL EMULATOR SOFTWARE", "none"),
        ("BORDER WALL CONSTRUCTION WITH TOWER CAMERAS", "none"),
    ],
)
def test_the_new_terms(rules, text, expected):
    assert classify(rules, text).category == expected


def test_bitmap_inside_construction_is_a_component(rules):
    d = classify(rules, "BORDER WALL CONSTRUCTION WITH BITMAP STATIONS")
    assert d.category == "none"
    assert d.component_category == "biometrics"
