"""Rules 2.2: recall on service language without losing precision. Cameras bought as
installation or repair work, perimeter intrusion sensors, the TARS radar, handset
location equipment, analytical services for a targeting centre, covert audio/video
equipment from its maker's profile; and the precision guards that came with them
(mobile forensic labs are vehicles, management consulting around a programme buys none
of it, plate-reader cameras stay plate readers)."""

from __future__ import annotations

import pytest

from tests.classify.test_rules_2_1 import classify

VSS = "video_sensor_surveillance"
CMA = "case_management_analytics"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # cameras bought as a service: installation, repair, a camera system
        ("CAMERA INSTALLATION", VSS),
        ("REPAIR CAMERAS AT THE STATION", VSS),
        ("INSTALLATION OF NEW SECURITY CAMERAS", VSS),
        ("CAMERA SYSTEM MAINTENANCE", VSS),
        # ... but the interview room, the polygraph and the conference room stay none
        ("INTERVIEW ROOM CAMERA SYSTEM", "none"),
        ("POLYGRAPH SERVICE AND MAINTENANCE FOR DVR/CAMERA SYSTEM", "none"),
        ("VIDEO TELECONFERENCE CAMERA INSTALLATION", "none"),
        # plate-reader cameras stay plate readers
        ("LPR CAMERA SYSTEMS", "license_plate_readers"),
        # perimeter intrusion sensors; a building's alarm is not named
        ("PIDS EQUIPMENT", VSS),
        ("PERIMETER FENCE INTRUSION DETECTION SYSTEM AT THE DETENTION CENTER", VSS),
        ("INTRUSION DETECTION SYSTEM UPGRADE", "none"),
        ("ALARM SYSTEM MAINTENANCE", "none"),
        # the radar of the Tethered Aerostat Radar System
        ("L88 REPAIR MATERIALS", VSS),
        # handset location equipment, however it is worded
        (
            "EQUIPMENT FOR IDENTIFYING AND LOCATING MOBILE HANDSETS",
            "communications_intercept",
        ),
        # analytical services for a targeting centre, not for a broad unit
        ("NTC AVENGERS | TECHNOLOGY & ANALYTICS SUPPORT", CMA),
        ("ANALYTICAL SUPPORT SERVICES FOR THE NATIONAL TARGETING CENTER", CMA),
        (
            "ANALYTICAL SUPPORT SERVICES FOR THE NATIONAL TARGETING CENTER - CARGO",
            "none",
        ),
        ("CABLE TV SERVICE - CBP NATIONAL TARGETING CENTER", "none"),
        ("LAPTOPS FOR THE HSI NATIONAL TARGETING CENTER (NTC)", "none"),
        ("HSI DATA AND ANALYTICAL SUPPORT SERVICES", "none"),
        ("PROFESSIONAL ANALYTICAL SUPPORT TO PERC IN LAGUNA NIGUEL, CA", "none"),
        # a supervision programme by its name, whoever runs it
        ("INTENSIVE SUPERVISION APPEARANCE PROGRAM (ISAP V)", "electronic_monitoring"),
        # open-source monitoring bought as research or analysis services
        ("OPEN SOURCE RESEARCH AND ANALYSIS SERVICES", "social_media_monitoring"),
        ("SOCIAL MEDIA SCREENING SUPPORT", "social_media_monitoring"),
        ("OPEN SOURCE SOFTWARE LICENSES", "none"),
        ("CBP SOCIAL MEDIA CAMPAIGN", "none"),
        # a mobile forensic lab is a vehicle, not a phone-forensics tool
        ("MOBILE FORENSIC LAB", "none"),
        ("MOBILE FORENSICS LAB SPRINTER VANS", "none"),
        ("MOBILE DEVICE FORENSICS LICENSES", "phone_forensics_spyware"),
    ],
)
def test_terms_of_rules_2_2(rules, text, expected):
    assert classify(rules, text).category == expected


def test_a_camera_installation_inside_construction_is_a_component(rules):
    d = classify(
        rules, "CONSTRUCTION OF A NEW BORDER PATROL STATION, CAMERA INSTALLATION"
    )
    assert (d.category, d.component_category) == ("none", VSS)


def test_management_consulting_around_a_camera_programme_buys_none_of_it(rules):
    financial = "R710 SUPPORT- MANAGEMENT: FINANCIAL"
    d = classify(
        rules, "INCIDENT-DRIVEN VIDEO RECORDING SYSTEMS (IDVRS) SUPPORT", psc=financial
    )
    assert d.category == "none"
    # the same words under an equipment code are the programme itself
    d = classify(
        rules,
        "INCIDENT-DRIVEN VIDEO RECORDING SYSTEMS (IDVRS) SUPPORT",
        psc="5836 VIDEO RECORDING AND REPRODUCING EQUIPMENT",
    )
    assert d.category == VSS


def test_covert_equipment_from_its_maker_decides_thin_text(rules):
    d = classify(
        rules,
        "MISSION CRITICAL PURCHASE OF EQUIPMENT FOR HSI'S CRIMINAL INVESTIGATIONS",
        "DTC COMMUNICATIONS, INC.",
    )
    assert d.category == VSS and d.profile_only
    assert "profile:dtc_communications" in d.evidence
    # trackers and vehicle-disabling kits from the same maker are not that line
    for text in ("GPS TRACKERS", "REMOTE CAR DISABLING KIT"):
        assert classify(rules, text, "DTC COMMUNICATIONS, INC.").category == "none"


def test_the_tars_radar_vendor_is_scoped_to_air_and_marine(rules):
    thin = "P00003-MODIFICATION TO PROVIDE ADDITIONAL FUNDING."
    at = classify(rules, thin, "C SPEED LLC", office="70B02C")
    assert at.category == VSS and at.profile_only
    assert classify(rules, thin, "C SPEED LLC", office="70CTD0").category == "none"
