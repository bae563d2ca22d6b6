"""Rules 2.7: a recall pass on mid-size awards (docs/classify.md, "Rules 2.7").
The Visa Security Program Tracking System, which records ICE's screening of visa
applicants, is an enforcement and vetting system: its operation is
`case_management_analytics`; support of the programme itself, and everything else
called a tracking system, is not."""

from __future__ import annotations

import pytest

from tests.classify.test_rules_2_1 import classify

CMA = "case_management_analytics"


def test_the_rules_are_version_2_7_or_later(rules):
    major, minor = (int(p) for p in rules.version.split("."))
    assert (major, minor) >= (2, 7)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PROVIDES INFORMATION TECHNOLOGY (IT) SERVICES FOR VSPTS O&M", CMA),
        ("EXERCISE OPTION PERIOD 2 TO PROVIDE IT SERVICES FOR VSPTS O&M", CMA),
        (
            "VISA SECURITY PROGRAM TRACKING SYSTEMS OPERATIONS AND MAINTENANCE "
            "SUPPORT SERVICES",
            CMA,
        ),
        ("VISA SECURITY PROGRAM TRACKING SYSTEM ENHANCEMENTS", CMA),
        # the programme's own support, other tracking systems, and the system's laptops
        ("INTERNATIONAL OPERATIONS VISA SECURITY PROGRAM SUPPORT SERVICES", "none"),
        ("DHS DOCS GOTS CORRESPONDENCE AND TASK TRACKING SYSTEM", "none"),
        ("LAPTOPS FOR VSPTS USERS", "none"),
    ],
)
def test_the_visa_security_tracking_system_is_a_vetting_system(rules, text, expected):
    assert classify(rules, text).category == expected
