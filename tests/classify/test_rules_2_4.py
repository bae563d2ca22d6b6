"""Rules 2.4: recall that generalises, written from each category's vocabulary (device
and product types, sensor modalities, software classes, data-access and service
phrasings, abbreviations, misspellings) rather than from a labelled sample; and the
words the store-wide read rejected, which must stay `none` (docs/classify.md, "Rules
2.4: vocabulary from the categories")."""

from __future__ import annotations

import pytest

from tests.classify.test_rules_2_1 import classify

FACE = "face_recognition"
BIO = "biometrics"
LPR = "license_plate_readers"
DB = "data_brokers"
LOC = "location_data"
SMM = "social_media_monitoring"
PFS = "phone_forensics_spyware"
INTERCEPT = "communications_intercept"
CMA = "case_management_analytics"
EM = "electronic_monitoring"
VSS = "video_sensor_surveillance"


def test_the_rules_are_version_2_4_or_later(rules):
    major, minor = (int(p) for p in rules.version.split("."))
    assert (major, minor) >= (2, 4)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # face recognition, misspelt or named by its parts
        ("FACIAL RECOGITION SOFTWARE LICENSES", FACE),
        ("FACE RECONGITION SUBSCRIPTION", FACE),
        ("FACIAL IMAGE COMPARISON SERVICE", FACE),
        ("FACIAL TISSUES FOR DETENTION FACILITY", "none"),
        # biometric devices named with a space, a model number or a maker
        ("FINGER PRINT SCANNERS", BIO),
        ("FINGERPRINT SCANNERS273.", BIO),
        ("MOBILE FINGERPRINT COLLECTION DEVICE", BIO),
        ("EXTENDED WARRANTY ON 5 FINGERPRINT EQUIPMENT", BIO),
        ("CROSSMATCH SCANNERS", BIO),
        ("IRIS CAPTURE DEVICES", BIO),
        ("RAPIDHIT ID CARTRIDGES", BIO),
        # ... not applicant fingerprinting services or software named DNA
        ("ELECTRONIC FINGERPRINTING SERVICES FOR THE HIRING CENTER", "none"),
        ("BUSINESS DNA (BDNA) SOFTWARE MAINTENANCE", "none"),
        # plate readers misspelt, hyphenated, or bought as data
        ("LISENCE PLATE READER SUBSCRIPTION", LPR),
        ("LICENSE-PLATE RECOGNITION CAMERAS", LPR),
        ("ANPR CAMERAS", LPR),
        ("LICENSE PLATE DATA QUERIES", LPR),
        ("SUPPLY OF LICENSE PLATES AND REGISTRATIONS", "none"),
        # people data bought as access, reports or by a short name
        ("PEOPLE FINDER SUBSCRIPTION", DB),
        ("PUBLIC RECORDS ACCESS LICENSES", DB),
        ("TLO SUBSCRIPTION RENEWAL", DB),
        ("COMMERCIALLY AVAILABLE INFORMATION FOR INVESTIGATIONS", DB),
        ("D&B DATABASE ACCESS", "none"),
        ("ACCESS TO THE HEIN ONLINE LEGAL DATABASE", "none"),
        # location data in the trade's words
        ("LOCATION-BASED DATA SUBSCRIPTION", LOC),
        ("ADVERTISING ID DATA ACCESS", LOC),
        ("GEOFENCE SEARCH LICENSES", LOC),
        ("GPS TRACKERS AND CHARGERS", "none"),
        # open-source and social-media monitoring by abbreviation or misspelling
        ("SOCMINT PLATFORM LICENSES", SMM),
        ("SOCIAL MEDIA MONITERING TOOL", SMM),
        ("OPENSOURCE INTELLIGENCE SUBSCRIPTION", SMM),
        ("SOCIAL MEDIA MANAGEMENT PLATFORM AND SUPPORT SERVICES", "none"),
        ("DAILY MEDIA MONITORING SERVICES", "none"),
        # extraction by its techniques, unlocking, data recovery, misspelt makers
        ("CHIP OFF TOOL KIT.", PFS),
        ("JTAG KITS FOR THE FORENSIC LAB", PFS),
        ("PC-3000 DATA RECOVERY DEVICE", PFS),
        ("CELL PHONE UNLOCKING TOOLS", PFS),
        ("GREYKEY SOFTWARE RENEWAL", PFS),
        ("CELEBRITE LICENSES", PFS),
        ("FURNITURE FOR COMPUTER FORENSICS", "none"),
        # interception in its other wordings
        ("WIRETAPPING EQUIPMENT MAINTENANCE", INTERCEPT),
        ("PEN/TRAP SERVICES", INTERCEPT),
        ("TOWER DUMP ANALYSIS", INTERCEPT),
        ("WIRE MONITORING AND TRANSCRIPTION", INTERCEPT),
        ("38' ALL WEATHER INTERCEPTOR AND TRAILERS", "none"),
        ("FURNITURE FOR HSI WIRE ROOM", "none"),
        # investigative analytics by product class
        ("CRIME ANALYSIS SOFTWARE LICENSES", CMA),
        ("CRYPTOCURRENCY TRACING SUBSCRIPTION", CMA),
        ("IBM COGNOS BUSINESS INTELLIGENCE ANALYTICS SOFTWARE", "none"),
        ("WORKERS COMPENSATION MEDICAL CASE MANAGEMENT SERVICES", "none"),
        # supervision devices
        ("ANKLE UNITS AND CHARGERS", EM),
        ("GPS BRACELETS FOR PARTICIPANTS", EM),
        ("ELECTRONIC MONITERING SERVICES", EM),
        ("WRISTBANDS", "none"),
        # sensors and cameras by their kinds and misspellings
        ("SURVEILANCE CAMERAS FOR THE PORT", VSS),
        ("SURVIELLANCE SYSTEM UPGRADE", VSS),
        ("UAV PURCHASE", VSS),
        ("SEISMIC SENSORS AND RELAYS", VSS),
        ("MOBILE SENSOR KITS FOR THE INTELLIGENCE DIVISION", VSS),
        ("PAN-TILT-ZOOM UNITS", VSS),
        ("CAMERA TRAILERS", VSS),
        ("COUNTER UAV SYSTEM", "none"),
        ("ROBOTIC PROCESS AUTOMATION (RPA) SUPPORT", "none"),
        ("WEATHER SENSORS", "none"),
    ],
)
def test_vocabulary_of_rules_2_4(rules, text, expected):
    assert classify(rules, text).category == expected


@pytest.mark.parametrize(
    "maker", ["LOGICUBE, INC.", "LOGICUBE CORPORATION", "GUIDANCE SOFTWARE, INC."]
)
def test_a_one_line_forensics_maker_paid_directly_decides_thin_text(rules, maker):
    assert classify(rules, "TRAINING", recipient=maker).category == PFS


def test_a_construction_order_with_sensor_towers_stays_none_with_a_component(rules):
    d = classify(
        rules,
        "DESIGN-BUILD OF BORDER WALL SYSTEM WITH CAMERA TOWERS AND SEISMIC SENSORS",
    )
    assert d.category == "none"
    assert d.component_category == VSS


def test_a_field_with_more_patterns_than_one_group_finds_every_hit():
    """Past NARROW_CHUNK patterns a field is matched as several alternations; a hit in
    any group is found, and overlapping matches of different groups are both kept."""
    import duckdb

    from custodes.classify.evidence import NARROW_CHUNK, FieldMatcher

    fm = FieldMatcher()
    words = [f"\\bWORD{i}\\b" for i in range(NARROW_CHUNK + 50)]
    for i, w in enumerate(words):
        fm.add(w, i, "hit")
    fm.add("\\bELECTRONIC SURVEILLANCE\\b", len(words), "hit")
    fm.add("\\bSURVEILLANCE EQUIPMENT\\b", len(words) + 1, "hit")
    assert len(fm.narrow) > NARROW_CHUNK
    text = f"WORD0 AND WORD{NARROW_CHUNK + 49} ELECTRONIC SURVEILLANCE EQUIPMENT"
    con = duckdb.connect()
    sql = f"SELECT {fm.extract_sql('t')} FROM (SELECT '{text}' AS t)"
    found = con.execute(sql).fetchone()[0]
    assert "WORD0" in found
    assert f"WORD{NARROW_CHUNK + 49}" in found
    assert "ELECTRONIC SURVEILLANCE" in found
