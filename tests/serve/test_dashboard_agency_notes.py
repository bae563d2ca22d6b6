"""The dashboard's caveats are about the agency shown: a fiscal year whose data stop
early for ICE is no caveat on the CBP dashboard, which has no data for that year. On
the store the real stages write (tests/real_store.py: FY2018 holds only ICE's bulk
rows, which stop in June 2018; CBP's data start in FY2021)."""

from __future__ import annotations

PARTIAL = "Some fiscal years stop before their end on 30 September: FY2018"


def test_partial_year_caveat_follows_the_agency_shown(real_web) -> None:
    notices = {
        agency: " ".join(
            real_web.get("/dashboard.json", params=params).json()["notices"]
        )
        for agency, params in (
            ("all", {}),
            ("ICE", {"agency": "ICE"}),
            ("CBP", {"agency": "CBP"}),
        )
    }
    cbp_html = real_web.get("/dashboard", params={"agency": "CBP"}).text
    assert PARTIAL in notices["all"], notices["all"]
    assert PARTIAL in notices["ICE"], notices["ICE"]
    assert "FY2018" not in notices["CBP"], notices["CBP"]
    assert PARTIAL not in cbp_html
