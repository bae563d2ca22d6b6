"""The dashboard's ?fy= for a fiscal year the store holds no data for at all (say
1999) is a clear 400 naming the years it holds, as ?fy=abc is, not a page of empty
tables; a year held for one agency but not another stays a page whose caption says
so (the menus keep the year when the agency changes). On the store the real stages
write (tests/real_store.py)."""

from __future__ import annotations

from tests.serve.conftest import app_rows


def test_a_year_the_store_does_not_hold_is_a_400(real_web):
    held = sorted(
        r["fy"]
        for r in app_rows(
            real_web, 'SELECT DISTINCT fiscal_year AS fy FROM "transaction"'
        )
    )
    assert held and 1999 not in held
    for path in ("/dashboard", "/dashboard.json", "/dashboard.csv"):
        params = {"fy": "1999", "table": "by_vendor"}
        answer = real_web.get(path, params=params)
        assert answer.status_code == 400, (path, answer.text[:300])
        text = answer.text
        assert "FY1999" in text and f"FY{held[0]}" in text, text[:500]
        assert "Traceback" not in text
    # a year the store holds is still a page, with that year's vendors
    ok = real_web.get("/dashboard.json", params={"fy": held[-1]})
    assert ok.status_code == 200
    assert ok.json()["data"]["by_vendor"]["fiscal_year"] == held[-1]
