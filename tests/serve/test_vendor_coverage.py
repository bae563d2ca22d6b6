"""A vendor page's spending by fiscal year says what it covers, as the dashboard and
the category pages do: a year of sample rows is marked a sample, a year whose data stop
early partial, a year the store has no data for is drawn as "no data" (a gap, not a
zero), and the page states the store's coverage. On the store the real stages write
(tests/real_store.py: FY2018 is a sample of bulk rows that stop in June, FY2019 and
FY2020 are missing). Before, the vendor chart called every year complete and left the
missing years out."""

from __future__ import annotations


def test_vendor_chart_marks_samples_partial_and_missing_years(real_web) -> None:
    data = real_web.get("/vendor/bi.json").json()["data"]
    html = real_web.get("/vendor/bi").text
    bars = {b["label"]: b for b in data["chart"]["bars"]}
    assert "sample" in bars["FY2018"]["status"], bars["FY2018"]
    assert "partial" in bars["FY2018"]["status"], bars["FY2018"]
    assert "(sample, partial year)" in bars["FY2018"]["text"]
    for year in ("FY2019", "FY2020"):
        assert bars[year]["missing"] and bars[year]["text"] == "no data", bars[year]
    assert bars["FY2021"]["status"] == "complete"
    assert "Missing (no data): FY2019–FY2020" in data["coverage"]["text"]
    assert 'id="coverage"' in html
    assert "Missing (no data): FY2019–FY2020" in html
