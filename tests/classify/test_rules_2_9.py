"""Rules 2.9: thin text read through the product and the system (docs/classify.md,
"Rules 2.9").

On the two newest samples the misses were purchases whose text names only a product
("... software renewal") or the IT side of a surveillance system ("storage system
support" under the video-recording product code), and one false positive was an
equipment programme's support services bought from a management consultant. Each kind
is written here as invented awards in our own words, with a case on the other side of
each line. Every case of `CHANGED` fails with rules 2.8; `KEPT` holds on both.
"""

from __future__ import annotations

import pytest

from tests.classify.test_taxonomy_rules import case, classify

VSS = "video_sensor_surveillance"
LPR = "license_plate_readers"
NONE = "none"

VIDEO_PSC = "5836 VIDEO RECORDING AND REPRODUCING EQUIPMENT"
MOTION_CAMERAS_PSC = "6710 CAMERAS, MOTION PICTURE"
IT_PSC = "7J20 IT AND TELECOM - DATA CENTER PRODUCTS"
PROFESSIONAL_PSC = "R499 SUPPORT- PROFESSIONAL: OTHER"
CONSULTING = "541618 OTHER MANAGEMENT CONSULTING SERVICES"
ENGINEERING = "541330 ENGINEERING SERVICES"
RESELLER = "ACME FEDERAL RESELLER LLC"


# Cases 2.8 decided otherwise: each is a kind of purchase, not an award's words.
CHANGED = [
    # ---- a plate-reader platform named alone, through any reseller
    case(
        "product", "ANNUAL LEARN SOFTWARE RENEWAL", LPR, recipient=RESELLER, psc=IT_PSC
    ),
    case("product", "LEARN LICENSES FOR THE FIELD OFFICES", LPR, recipient=RESELLER),
    case(
        "product",
        "SUBSCRIPTION TO THE LAW ENFORCEMENT ARCHIVAL AND REPORTING NETWORK",
        LPR,
    ),
    # ---- upkeep of a video system in IT words, under the video product codes
    case("system-support", "IT STORAGE SYSTEM SUPPORT", VSS, psc=VIDEO_PSC),
    case("system-support", "STORAGE EXPANSION AND MAINTENANCE", VSS, psc=VIDEO_PSC),
    case(
        "system-support",
        "VIDEO SYSTEM MAINTENANCE AND UPGRADE",
        VSS,
        psc=MOTION_CAMERAS_PSC,
    ),
    # ---- the recording half of a camera system
    case("recorder", "NETWORK VIDEO RECORDER", VSS),
    case("recorder", "TWO NVRS FOR THE PORT OF ENTRY", VSS),
    # ---- sustainment of the airborne sensor-fusion system stays surveillance even
    #      when a modification names the aircraft it is tested on
    case(
        "system-sustainment",
        "MISSION SYSTEM SOFTWARE SUSTAINMENT FOR MINOTAUR | ADDITIONAL FUNDING TO TEST "
        "A SATELLITE LINK ON THE MULTI-ROLE ENFORCEMENT AIRCRAFT",
        VSS,
        naics=ENGINEERING,
    ),
    # ---- vendors whose every named order is a camera or covert video system
    case(
        "profile",
        "INFORMATION TECHNOLOGY SUPPORT",
        VSS,
        recipient="JDL DIGITAL SYSTEMS INC",
    ),
    case(
        "profile",
        "EQUIPMENT FOR INVESTIGATIVE PROGRAMS",
        VSS,
        recipient="GANS & PUGH ASSOCIATES, INC.",
    ),
    case(
        "profile",
        "RAPTOR SYSTEM",
        VSS,
        recipient="SANDOVAL CUSTOM CREATIONS, INC.",
    ),
    # ---- office equipment for a surveillance programme's office
    case(
        "programme-office-equipment",
        "LAPTOPS FOR THE BIOMETRIC IDENTIFICATION PROGRAM MANAGEMENT OFFICE",
        NONE,
    ),
    case(
        "programme-office-equipment",
        "TABLETS FOR THE LICENSE PLATE READER PMO",
        NONE,
    ),
    # ---- support services of an equipment programme from a management consultant
    case(
        "programme-consulting",
        "BODY WORN CAMERA SUPPORT SERVICES",
        NONE,
        psc=PROFESSIONAL_PSC,
        naics=CONSULTING,
    ),
    case(
        "programme-consulting",
        "UAS SUPPORT SERVICES FOR AIR AND MARINE",
        NONE,
        naics=CONSULTING,
    ),
]

# The other side of each line: these hold with 2.8 and must hold with 2.9.
KEPT = [
    # the word learn in other senses, or learning software
    case("product", "E-LEARNING SOFTWARE RENEWAL", NONE, recipient=RESELLER),
    case("product", "LEARN HOW TO USE THE NEW TIMEKEEPING SOFTWARE", NONE),
    case("product", "MACHINE LEARNING PLATFORM LICENSES", NONE),
    case("product", "COURSE FOR ANALYSTS TO LEARN DATA VISUALISATION SOFTWARE", NONE),
    # the same IT words under an IT product code: no camera system is named
    case("system-support", "IT STORAGE SYSTEM SUPPORT", NONE, psc=IT_PSC),
    # interview-room, polygraph, conference and studio recording are not surveillance
    case(
        "system-support", "INTERVIEW RECORDING SYSTEM MAINTENANCE", NONE, psc=VIDEO_PSC
    ),
    case(
        "system-support", "VTC SYSTEM UPGRADE FOR THE FIELD OFFICE", NONE, psc=VIDEO_PSC
    ),
    case("system-support", "VIDEO WALL SYSTEM REFRESH", NONE, psc=VIDEO_PSC),
    case("recorder", "NVR FOR THE POLYGRAPH SUITE", NONE),
    # a security system that does not say it holds cameras is left to a reader
    case(
        "system-support",
        "SECURITY SYSTEM MAINTENANCE AND UPGRADE",
        NONE,
        psc=VIDEO_PSC,
    ),
    # an aircraft bought with the mission system is still the larger purchase
    case(
        "system-sustainment",
        "MULTI-ROLE ENFORCEMENT AIRCRAFT WITH MINOTAUR INSTALLED",
        NONE,
    ),
    # drones bought for a programme office are drones; biometric tablets at the ports
    # are not office equipment
    case(
        "programme-office-equipment", "SMALL UAS FOR THE INNOVATION PROGRAM OFFICE", VSS
    ),
    case(
        "programme-office-equipment",
        "BIOMETRIC CAPTURE TABLETS FOR THE PORTS",
        "biometrics",
    ),
    # a profile never beats text that says otherwise
    case(
        "profile",
        "OFFICE FURNITURE",
        NONE,
        recipient="JDL DIGITAL SYSTEMS INC",
    ),
    # the same thin text from another vendor stays none
    case("profile", "INFORMATION TECHNOLOGY SUPPORT", NONE, recipient="JDL FARMS LLC"),
    # a consultant's support services for a monitoring service itself name no
    # equipment; and an integrator's camera support services stay surveillance
    case(
        "programme-consulting",
        "SOCIAL MEDIA VETTING INITIATIVE SUPPORT SERVICES",
        "social_media_monitoring",
        naics=CONSULTING,
    ),
    case(
        "programme-consulting",
        "UAS SUPPORT SERVICES",
        VSS,
        psc="R425 SUPPORT- PROFESSIONAL: ENGINEERING/TECHNICAL",
        naics=CONSULTING,
    ),
    case(
        "programme-consulting",
        "SURVEILLANCE CAMERA SUPPORT SERVICES AT THE STATIONS",
        VSS,
        naics="561621 SECURITY SYSTEMS SERVICES (EXCEPT LOCKSMITHS)",
    ),
]


def test_the_rules_are_version_2_9_or_later(rules):
    major, minor = (int(p) for p in rules.version.split("."))
    assert (major, minor) >= (2, 9)


@pytest.mark.parametrize(("text", "fields", "expected"), CHANGED)
def test_a_kind_that_rules_2_9_decide(rules, matcher, text, fields, expected):
    got = classify(rules, matcher, text, **fields)
    assert got.category == expected, got.evidence


@pytest.mark.parametrize(("text", "fields", "expected"), KEPT)
def test_the_other_side_of_each_line(rules, matcher, text, fields, expected):
    got = classify(rules, matcher, text, **fields)
    assert got.category == expected, got.evidence


def test_a_profile_alone_is_shown_as_resting_on_the_vendor(rules, matcher):
    got = classify(
        rules,
        matcher,
        "INFORMATION TECHNOLOGY SUPPORT",
        recipient="JDL DIGITAL SYSTEMS INC",
    )
    assert got.profile_only
