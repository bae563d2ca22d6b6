"""Rules 2.8: the classifier follows every hard-case rule of the taxonomy
(../shared/research/taxonomy.md, "Rules for hard cases") and every judgement call of
custodes/data/labels/README.md.

Each rule is written here as invented awards, in our own words (never an award's text):
one or more that the rule puts in a category and, where the rule draws a line, one
on the other side of it. A case fails as soon as the rules stop following its rule.

Rules that need an award's transactions rather than its text (the reseller's maker is
recorded; an administrative modification inherits the award's category; one small
modification of a large unrelated contract is a component) are tested on a store in
tests/classify/test_hard_cases.py and test_components_profiles.py; the text half of them
is here.
"""

from __future__ import annotations

import duckdb
import pytest

from custodes.classify.decide import decide
from custodes.classify.evidence import Matcher
from custodes.classify.names import normal_name
from custodes.classify.rules import FIELDS, RuleSet
from custodes.classify.taxonomy import load_taxonomy

FR = "face_recognition"
BIO = "biometrics"
DB = "data_brokers"
SMM = "social_media_monitoring"
PF = "phone_forensics_spyware"
CI = "communications_intercept"
CMA = "case_management_analytics"
VSS = "video_sensor_surveillance"
NONE = "none"

CONSULTING = "541618 OTHER MANAGEMENT CONSULTING SERVICES"
NIGHT_VISION_PSC = "5855 NIGHT VISION EQUIPMENT, EMITTED AND REFLECTED RADIATION"


def classify(
    rules: RuleSet,
    matcher: Matcher,
    text: str,
    recipient: str = "",
    psc: str = "",
    naics: str = "",
):
    """The decision for one invented award, matched by DuckDB as the pipeline does
    (descriptions joined with ' | ', recipient names normalised, no office)."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE a AS SELECT 'k' AS award_key, ? AS text, ? AS recipient, "
        "? AS psc, ? AS naics",
        [text.upper(), f"|{normal_name(recipient)}|#|", psc.upper(), naics.upper()],
    )
    row = con.execute(matcher.hits_sql("a")).fetchone()
    return decide(
        matcher.fired(dict(zip(FIELDS, row[1:], strict=True))), rules, load_taxonomy()
    )


def case(rule: str, text: str, expected: str, **fields: str):
    return pytest.param(text, fields, expected, id=f"{rule}: {text[:60]}")


# (rule, invented award, the category the rule gives)
CASES = [
    # ---- Resellers: a reseller's award takes the named product's category
    case(
        "resellers",
        "UFED 4PC ULTIMATE LICENSES, CELLEBRITE",
        PF,
        recipient="NORTHWIND IT RESELLERS LLC",
    ),
    case(
        "resellers",
        "GRAYKEY ADVANCED RENEWAL FOR FIELD OFFICE",
        PF,
        recipient="BLUE HARBOR SYSTEMS INC",
    ),
    # ---- Same-name companies: a guard company sharing a spyware maker's word
    case(
        "same-name",
        "ARMED GUARD SERVICES AT THE FIELD OFFICE",
        NONE,
        recipient="PARAGON SYSTEMS INC",
    ),
    case("same-name", "CLEAR BALLISTIC GELATIN BLOCKS FOR THE RANGE", NONE),
    # ---- Training, maintenance, renewals, closeouts follow the product
    case("follow-product", "TRAINING COURSE ON CELLEBRITE PHYSICAL ANALYZER", PF),
    case(
        "follow-product",
        "ANNUAL RENEWAL OF THE LICENSE PLATE READER DATA SERVICE",
        "license_plate_readers",
    ),
    case(
        "follow-product",
        "OPERATIONS AND MAINTENANCE OF THE TETHERED AEROSTAT RADAR SYSTEM",
        VSS,
    ),
    case(
        "follow-product",
        "IT SUPPORT SERVICES FOR THE INTEGRATED FIXED TOWER SYSTEM",
        VSS,
    ),
    case(
        "follow-product", "SOFTWARE MAINTENANCE FOR THE AUTOMATED TARGETING SYSTEM", CMA
    ),
    case(
        "follow-product",
        "OPERATIONS AND MAINTENANCE SUPPORT FOR THE TARGETING AND ANALYSIS SYSTEMS "
        "PROGRAM DIRECTORATE",
        CMA,
    ),
    case("follow-product", "TASPD O&M TASK ORDER, OPTION PERIOD 2", CMA),
    case(
        "follow-product",
        "SOFTWARE LICENSE MAINTENANCE FOR A PROGRAMMING LANGUAGE FOR TASPD",
        NONE,
    ),
    case(
        "follow-product",
        "SATELLITE CONNECTIVITY FOR REMOTE VIDEO SURVEILLANCE SYSTEM SITES",
        VSS,
    ),
    case(
        "follow-product", "NETWORK CIRCUITS FOR THE CAMERAS AT THE PORT OF ENTRY", VSS
    ),
    case("follow-product", "FLIR SIMULATION STATION TRAINER FOR AIRCREW", VSS),
    case(
        "follow-product",
        "EXTENDED ANNUAL MAINTENANCE OF LONGPORT DEVICES AT THE OPERATIONS CENTER",
        VSS,
    ),
    case("follow-product", "CLOSEOUT OF THE BODY WORN CAMERA ORDER", VSS),
    # ---- Administrative modifications: the award is read from all its descriptions
    case(
        "admin-modifications",
        "NO-COST EXTENSION | DEOBLIGATION OF REMAINING FUNDS | GRAYKEY LICENSES",
        PF,
    ),
    case(
        "admin-modifications",
        "NO-COST EXTENSION | DEOBLIGATION OF REMAINING FUNDS",
        NONE,
    ),
    # ---- Digital forensics beyond phones
    case(
        "forensics-beyond-phones", "COMPUTER FORENSIC EXTRACTION SOFTWARE LICENSES", PF
    ),
    case("forensics-beyond-phones", "VEHICLE INFOTAINMENT FORENSIC KIT", PF),
    case(
        "forensics-beyond-phones", "PASSWORD RECOVERY SOFTWARE FOR SEIZED LAPTOPS", PF
    ),
    case(
        "forensics-beyond-phones",
        "FORENSIC WORKSTATIONS FOR THE COMPUTER FORENSICS LAB",
        NONE,
    ),
    case(
        "forensics-beyond-phones",
        "SHIELDED ENCLOSURE FOR THE DIGITAL FORENSICS LAB",
        NONE,
    ),
    case("forensics-beyond-phones", "MOBILE FORENSIC LAB VAN", NONE),
    case("forensics-beyond-phones", "DIGITAL FORENSICS TRAINING COURSE TUITION", NONE),
    case("forensics-beyond-phones", "FORENSIC LICENSE SERVER", NONE),
    # ---- Cryptocurrency / blockchain tracing is case_management_analytics
    case("crypto-tracing", "CRYPTOCURRENCY TRACING SOFTWARE SUBSCRIPTION", CMA),
    case("crypto-tracing", "BLOCKCHAIN INVESTIGATIONS SOFTWARE LICENSES", CMA),
    case("crypto-tracing", "DIGITAL ASSET TRACING TOOL", CMA),
    case(
        "crypto-tracing",
        "SOFTWARE LICENSE- EXERCISE OPTION PERIOD 1",
        CMA,
        recipient="NAXO LABS LLC",
    ),
    # ---- Skip tracing and commercial people-locating services are data_brokers
    case("skip-tracing", "SKIP TRACING SERVICES FOR LOCATING ABSCONDERS", DB),
    case("skip-tracing", "PEOPLE LOCATING SERVICES FOR FUGITIVE OPERATIONS", DB),
    case("skip-tracing", "IN-PERSON ADDRESS VERIFICATION VISITS", NONE),
    # ---- Corporate/sanctions network data about people: data_brokers; trade data: none
    case(
        "corporate-network-data",
        "CORPORATE OWNERSHIP AND SANCTIONS NETWORK DATA SUBSCRIPTION "
        "FOR INVESTIGATIONS",
        DB,
    ),
    case("corporate-network-data", "BENEFICIAL OWNERSHIP DATA PLATFORM LICENSES", DB),
    case(
        "corporate-network-data", "SHIPMENT AND BILL OF LADING DATA SUBSCRIPTION", NONE
    ),
    case(
        "corporate-network-data",
        "BENEFICIAL OWNERSHIP DATA FOR SUPPLY CHAIN AND TRADE ANALYSIS",
        NONE,
    ),
    # ---- Wiretap monitoring, intercept transcription, call records: intercept
    case("intercept", "WIRETAP MONITORING SERVICES", CI),
    case(
        "intercept", "TRANSCRIPTION AND TRANSLATION OF INTERCEPTED COMMUNICATIONS", CI
    ),
    case("intercept", "CARRIER CALL RECORD ANALYSIS SOFTWARE", CI),
    case("intercept", "TRANSLATION SERVICES FOR DOCUMENTS", NONE),
    case("intercept", "INVESTIGATIVE EQUIPMENT", CI, recipient="OCTASIC INC"),
    # ---- Internet research, threat monitoring, dark-web search: monitoring
    case("osint", "DARK WEB SEARCH TOOL SUBSCRIPTION", SMM),
    case("osint", "WEB IMAGE SEARCH TOOL LICENSES", SMM),
    case("osint", "THREAT MONITORING AND MITIGATION SERVICES", SMM),
    case("osint", "UNDERGROUND FORUM INTELLIGENCE PLATFORM SUBSCRIPTION", SMM),
    case("osint", "QINTEL CROSSLINK SUBSCRIPTION ACCESS", SMM),
    case("osint", "INTELLIGENCE ANALYST SUPPORT SERVICES", NONE),
    case(
        "osint",
        "CYBER SECURITY THREAT MONITORING AND MITIGATION OF AGENCY NETWORKS",
        NONE,
    ),
    # ---- Cameras and sensors
    case("cameras-sensors", "FACILITY CCTV SYSTEM UPGRADE", VSS),
    case("cameras-sensors", "BODY WORN CAMERAS AND DOCKING STATIONS", VSS),
    case(
        "cameras-sensors",
        "LONG RANGE THERMAL DECTECTOR WITH EXTENDER LENS",
        VSS,
        psc=NIGHT_VISION_PSC,
    ),
    case("cameras-sensors", "PURCHASE OF THERMAL IMAGINING DEVICE", VSS),
    case("cameras-sensors", "HAND-HELD LONG RANGE INFRARED IMAGERS", VSS),
    case("cameras-sensors", "FIBER OPTIC INTRUSION SENSING ALONG THE BORDER", VSS),
    case("cameras-sensors", "TUNNEL DETECTION TECHNOLOGY", VSS),
    case("cameras-sensors", "THROUGH-WALL RADAR UNITS", VSS),
    case("cameras-sensors", "MARITIME SURVEILLANCE RADAR FOR COASTAL SITES", VSS),
    case("cameras-sensors", "TETHERED AEROSTAT SYSTEM OPERATIONS", VSS),
    case("cameras-sensors", "SMALL UNMANNED AIRCRAFT SYSTEMS FOR SURVEILLANCE", VSS),
    case("cameras-sensors", "DEPLOYABLE 360 DEGREE CAMERAS FOR TACTICAL TEAMS", VSS),
    case("cameras-sensors", "DOOR INTERCOM SYSTEM REPLACEMENT", NONE),
    case("cameras-sensors", "INTERVIEW ROOM RECORDING SYSTEM", NONE),
    case("cameras-sensors", "NIGHT VISION GOGGLES FOR TACTICAL TEAMS", NONE),
    case("cameras-sensors", "THERMAL WEAPON SIGHTS FOR RIFLES", NONE),
    case("cameras-sensors", "NIGHT VISION AND THERMAL IMAGING MONOCULAR DEVICES", NONE),
    case("cameras-sensors", "COUNTER-UAS DETECTION SYSTEM", NONE),
    case("cameras-sensors", "DRONE DETECTION AND MITIGATION SYSTEM", NONE),
    case(
        "cameras-sensors",
        "MULTI-ROLE ENFORCEMENT AIRCRAFT WITH SURVEILLANCE RADAR",
        NONE,
    ),
    case(
        "cameras-sensors",
        "BORDER WALL CONSTRUCTION INCLUDING FIBER OPTIC CONDUIT "
        "FOR DETECTION TECHNOLOGY",
        NONE,
    ),
    case(
        "cameras-sensors",
        "MIRRORLESS CAMERAS FOR EVIDENCE PHOTOGRAPHY",
        NONE,
        psc="6720 CAMERAS, STILL PICTURE",
    ),
    # ---- Biometrics
    case("biometrics", "RAPID DNA INSTRUMENTS AND CARTRIDGES", BIO),
    case("biometrics", "FORENSIC DNA CASEWORK ANALYSIS", BIO),
    case(
        "biometrics", "FINGERPRINT CAPTURE DEVICES FOR IDENTIFICATION OF DETAINEES", BIO
    ),
    case("biometrics", "LIVESCAN FINGERPRINTING FOR PERSONNEL SECURITY BADGES", NONE),
    case("biometrics", "APPLICANT FINGERPRINTING FOR BADGING", NONE),
    # ---- Resellers with no product named
    case(
        "reseller-no-product",
        "SOFTWARE LICENSES",
        NONE,
        recipient="NORTHWIND IT RESELLERS LLC",
    ),
    case(
        "reseller-no-product",
        "OPTION YEAR 2",
        NONE,
        recipient="BLUE HARBOR SYSTEMS INC",
    ),
]

# The labels README's judgement calls
JUDGEMENT_CALLS = [
    case("credit-vetting", "CREDIT REPORTS FOR BACKGROUND INVESTIGATIONS", NONE),
    case("credit-vetting", "FINGERPRINTING AND BACKGROUND CHECK SERVICES", NONE),
    case("clearview", "KHARON CLEARVIEW SUBSCRIPTION", NONE),
    case("clearview", "CLEARVIEW AI LICENSES", FR),
    case("forensic-dna", "KINSHIP DNA TESTING SERVICES", BIO),
    case("forensic-dna", "LASER SCANNER FOR CRIME SCENE DOCUMENTATION", NONE),
    case("forensic-dna", "FORENSIC LABORATORY FURNITURE", NONE),
    case("callyo", "COVERT PHONE SURVEILLANCE SYSTEM", CI),
    case(
        "callyo", "COVERT PHONE SURVEILLANCE SYSTEM", CI, recipient="CALLYO 2009 CORP"
    ),
    case(
        "p2p-monitoring",
        "PEER TO PEER NETWORK MONITORING FOR CHILD EXPLOITATION INVESTIGATIONS",
        SMM,
    ),
    case("title-iii", "TITLE III TRANSLATION AND TRANSCRIPTION", CI),
    case("booking-printers", "PRINTERS FOR BIOMETRIC BOOKING STATIONS", BIO),
    case("dominant-purchase", "DETENTION SERVICES INCLUDING CCTV MONITORING", NONE),
    case(
        "dominant-purchase",
        "BORDER BARRIER CONSTRUCTION WITH LIGHTING AND CAMERAS",
        NONE,
    ),
    case(
        "enforcement-systems",
        "HELP DESK SUPPORT FOR THE UNIFIED IMMIGRATION PORTAL",
        CMA,
    ),
    case("enforcement-systems", "TRAINING AND COMMUNICATIONS SUPPORT FOR EID", NONE),
    case("enforcement-systems", "SEVIS OPERATIONS AND MAINTENANCE", NONE),
    case("enforcement-systems", "TRADE EVASION CASE MANAGEMENT SYSTEM", NONE),
    case("visa-lifecycle-vetting", "VISA LIFECYCLE VETTING ANALYSTS", SMM),
    case("inspection-of-goods", "NON-INTRUSIVE INSPECTION X-RAY SCANNERS", NONE),
    case("covert-transmitters", "COVERT AUDIO VIDEO TRANSMITTERS AND RECEIVERS", VSS),
    case("perimeter-sensors", "PERIMETER INTRUSION DETECTION SYSTEM", VSS),
    case("perimeter-sensors", "FENCE SENSOR SYSTEM UPGRADE", VSS),
    case("perimeter-sensors", "BUILDING ACCESS CONTROL AND ALARM SYSTEM", NONE),
    case(
        "programme-office",
        "BODY WORN CAMERA PROGRAM SUPPORT SERVICES",
        NONE,
        psc="R499 SUPPORT- PROFESSIONAL: OTHER",
        naics=CONSULTING,
    ),
    case(
        "programme-office",
        "PROGRAM MANAGEMENT OFFICE SUPPORT FOR THE SURVEILLANCE TOWER PROGRAM",
        NONE,
        naics="541611 ADMINISTRATIVE MANAGEMENT AND GENERAL MANAGEMENT CONSULTING",
    ),
    case(
        "programme-office",
        "ENGINEERING SUPPORT SERVICES FOR THE UAS PROGRAM OFFICE",
        VSS,
        psc="R425 SUPPORT- PROFESSIONAL: ENGINEERING/TECHNICAL",
        naics="541330 ENGINEERING SERVICES",
    ),
    case("iproov", "IPROOV GENUINE PRESENCE ASSURANCE", FR),
    case("dark-web-support", "DARK WEB INVESTIGATIVE SUPPORT", SMM),
    case("sustainment-as-building-work", "HVAC REPLACEMENT AT AN RVSS SITE", VSS),
    case("sustainment-as-building-work", "UPS FOR THE PERIMETER CAMERAS", VSS),
    case("computer-vehicle-forensics", "X-WAYS FORENSICS LICENSE", PF),
    case(
        "computer-vehicle-forensics", "CRASH DATA RETRIEVAL KIT FOR INVESTIGATIONS", PF
    ),
    case("small-drones", "MAINTENANCE OF CBP UNMANNED AIRCRAFT", VSS),
    case(
        "tunnel-sensor",
        "ELECTRICAL RESISTIVITY TOMOGRAPHY EQUIPMENT FOR BORDER PATROL",
        VSS,
    ),
    case("arjis", "BORDER PATROL ACCESS TO ARJIS AND REGIONAL USERS NETWORK", CMA),
    case("not-surveillance", "ASSET TRACKING SOFTWARE LICENSES", NONE),
    case("not-surveillance", "FLEET TELEMATICS SERVICE", NONE),
    case("not-surveillance", "LONG RANGE BINOCULARS", NONE),
    case("legal-research", "SUBSCRIPTION TO THE LEXISNEXIS DIGITAL LIBRARY", NONE),
    case("legal-research", "LAW LIBRARY SUBSCRIPTION", NONE),
    case("internal-affairs", "JOINT INTEGRITY CASE MANAGEMENT SYSTEM SERVICES", CMA),
    case(
        "internal-affairs",
        "CASE MANAGEMENT SYSTEM FOR THE OFFICE OF PROFESSIONAL RESPONSIBILITY",
        CMA,
    ),
    case(
        "internal-affairs", "POLYGRAPH CASE MANAGEMENT SYSTEM SOFTWARE SERVICES", NONE
    ),
    case(
        "internal-affairs",
        "WORKERS COMPENSATION MEDICAL CASE MANAGEMENT SERVICES",
        NONE,
    ),
]


# The taxonomy table: each category's typical purchase and what does not belong to it
TAXONOMY_TABLE = [
    case("table", "FACE RECOGNITION SEARCH LICENSES", FR),
    case("table", "CAMERAS FOR TRAINING VIDEOS", NONE),
    case("table", "IRIS READERS FOR IDENTIFICATION", BIO),
    case("table", "DRUG TESTING SERVICES", NONE),
    case("table", "UTILITY DATA ACCESS FOR INVESTIGATIONS", DB),
    case(
        "table",
        "MOBILE ADVERTISING ID LOCATION DATA PORTAL SUBSCRIPTION",
        "location_data",
    ),
    case("table", "GPS UNITS FOR PATROL VEHICLES", NONE),
    case("table", "MAPPING SOFTWARE LICENSES", NONE),
    case("table", "ANTIVIRUS SOFTWARE RENEWAL", NONE),
    case("table", "E-DISCOVERY PLATFORM FOR CIVIL LITIGATION", NONE),
    case("table", "LAND MOBILE RADIOS AND ACCESSORIES", NONE),
    case("table", "CELLULAR PHONE SERVICE FOR AGENTS", NONE),
    case("table", "HUMAN RESOURCES CASE MANAGEMENT SYSTEM", NONE),
    case("table", "IT SERVICE MANAGEMENT TICKETING SOFTWARE", NONE),
    case("table", "TRADE ANALYTICS PLATFORM FOR CARGO", NONE),
    case("table", "GPS ANKLE MONITORS FOR PARTICIPANTS", "electronic_monitoring"),
    case("table", "NETWORK MONITORING SERVICES FOR THE DATA CENTER", NONE),
]


def test_the_rules_are_version_2_8_or_later(rules):
    major, minor = (int(p) for p in rules.version.split("."))
    assert (major, minor) >= (2, 8)


@pytest.mark.parametrize(("text", "fields", "expected"), CASES)
def test_a_hard_case_rule_of_the_taxonomy(rules, matcher, text, fields, expected):
    got = classify(rules, matcher, text, **fields)
    assert got.category == expected, got.evidence


@pytest.mark.parametrize(("text", "fields", "expected"), JUDGEMENT_CALLS)
def test_a_judgement_call_of_the_labels_readme(rules, matcher, text, fields, expected):
    got = classify(rules, matcher, text, **fields)
    assert got.category == expected, got.evidence


def test_a_construction_award_keeps_its_sensor_as_a_component(rules, matcher):
    got = classify(
        rules,
        matcher,
        "BORDER WALL CONSTRUCTION WITH UNATTENDED GROUND SENSORS AND LIGHTING",
    )
    assert (got.category, got.component_category) == (NONE, VSS)


@pytest.mark.parametrize(("text", "fields", "expected"), TAXONOMY_TABLE)
def test_the_taxonomy_table(rules, matcher, text, fields, expected):
    got = classify(rules, matcher, text, **fields)
    assert got.category == expected, got.evidence
