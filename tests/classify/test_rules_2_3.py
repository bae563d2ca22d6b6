"""Rules 2.3: recall that generalises, from the $25,000-$500,000 sample
(classify_small4.csv, tune half) and a store-wide read of near misses. Cameras kept
running (replacement with words in between, servers, power and recorders for them),
covert concealments, drones by product code, computer and vehicle forensics bought by
their parts, RAVEN by name, open-source monitoring in service language, cell-site
simulators by product name, a base-station maker's investigative euphemism; and the
guards that came with them (lifts bought for sensor work are vehicles, a forensic
unit's furniture, drives and workstations are infrastructure, counter-drone products
cancel)."""

from __future__ import annotations

import pytest

from tests.classify.test_rules_2_1 import classify

VSS = "video_sensor_surveillance"
PFS = "phone_forensics_spyware"
SMM = "social_media_monitoring"
CMA = "case_management_analytics"
INTERCEPT = "communications_intercept"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # cameras bought as work on them, with words between the verb and the cameras
        ("REPLACE OUTDATED/DAMAGED CAMERAS DUE TO LIGHTNING", VSS),
        ("REPLACE TWO NON-WORKING CAMERAS AND ELECTRICAL EQUIPMENT", VSS),
        ("UPDATE SERVER SOFTWARE FOR CAMERAS", VSS),
        ("REPLACE BOTH UPS TOWERS FOR THE NOGALES PERIMETER CAMERAS", VSS),
        ("DVR MAINTENANCE AGREEMENT", VSS),
        ("VIDEO MANAGEMENT HOST SERVER", VSS),
        # ... but not inspection cameras, webcams or conference cameras
        ("REPLACE SEWER CAMERA AND REEL", "none"),
        ("INSTALL WEBCAMS AND MONITORS", "none"),
        ("REPLACE CONFERENCE CAMERAS", "none"),
        # covert concealments of cameras
        ("PURCHASE ORDER FOR COVERT CONCEALMENT ITEMS", VSS),
        # computer and vehicle forensics bought by their parts
        ("ULTRAKIT FORENSIC IMAGER AND HARDWARE WRITE BLOCKER", PFS),
        ("CRASH DATA RECORDERS AND TOOL KITS FOR INVESTIGATIONS", PFS),
        ("BELKASOFT X LICENSE RENEWAL", PFS),
        # ... not the infrastructure of a computer-forensics unit
        ("OFFICE FURNITURE FOR COMPUTER FORENSICS", "none"),
        ("HARD DRIVES FOR THE COMPUTER FORENSICS PROGRAM", "none"),
        ("SUMURI TALINO FORENSIC WORKSTATIONS", "none"),
        ("SUMURI SOFTWARE", PFS),
        # HSI's RAVEN platform by name, and software bought for it
        ("ELASTIC (ELK) NODE SUBSCRIPTIONS FOR RAVEN", CMA),
        ("FURNITURE FOR THE RAVEN PROGRAM", "none"),
        # open-source and online monitoring in service language
        ("WEB INTELLIGENCE SERVICES", SMM),
        ("MANAGED ATTRIBUTION RESEARCH ENVIRONMENT", SMM),
        ("PEER-TO-PEER NETWORK MONITORING LICENSES", SMM),
        ("FLASHPOINT SOFTWARE RENEWAL", SMM),
        ("FLASHPOINT TESTER FOR FUEL", "none"),
        # cell-site simulators and intercept equipment by product name
        ("HAILSTORM UPGRADE AND TRAINING", INTERCEPT),
        ("REPAIR AND REPLACEMENT OF A DRT3300 RECEIVER", INTERCEPT),
        # drones by product; counter-drone products cancel
        ("DJI MATRICE 30T", VSS),
        ("DEDRONE SENSORS", "none"),
    ],
)
def test_terms_of_rules_2_3(rules, text, expected):
    assert classify(rules, text).category == expected


def test_the_drone_product_code_is_enough_alone(rules):
    uas = "1550 UNMANNED AIRCRAFT"
    assert classify(rules, "PARTS AND SPARES", psc=uas).category == VSS
    assert classify(rules, "D-FEND WARRANTY", psc=uas).category == "none"


def test_a_lift_bought_for_sensor_work_is_a_vehicle_with_a_component(rules):
    d = classify(rules, "US BORDER PATROL UGS BOOM LIFTS")
    assert (d.category, d.component_category) == ("none", VSS)
    assert classify(rules, "UGS REPLACEMENT PARTS").category == VSS


def test_a_base_station_maker_decides_only_under_the_investigative_euphemism(rules):
    d = classify(rules, "OPERATIONAL AND INVESTIGATIVE EQUIPMENT", "OCTASIC US INC.")
    assert d.category == INTERCEPT and d.profile_only
    assert "profile:octasic" in d.evidence
    assert classify(rules, "VOICE PROCESSOR BOARDS", "OCTASIC US INC.").category == (
        "none"
    )
