"""The dashboard answers the reporter's first question, this year against last: its
table by fiscal year gives each year's change from the year before in dollars and
per cent, the figures of `custodes analyse yoy --json` (all agencies, ICE, CBP), and
says when a change compares incomplete years (a sample or partial year) or has no
year before. On the store the real stages write (tests/real_store.py), and in real
Chromium at 1280 and 390 px."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from custodes.figures.spending import INCOMPLETE, INCOMPLETE_NOTE, year_changes
from tests.serve.conftest import live_server
from tests.serve.test_browser import ARGS, CHROMIUM


def test_year_changes_mark_incomplete_and_missing_years() -> None:
    """The rule on its own (the real test store's years are all complete): a change
    from or to a sample or partial year is marked, a year after a missing one has
    no change, a change from a zero year no per cent."""
    rows = [
        {"fiscal_year": 2017, "obligation_usd": Decimal("100.00")},
        {"fiscal_year": 2018, "obligation_usd": Decimal("150.00")},
        {"fiscal_year": 2021, "obligation_usd": Decimal("0.00")},
        {"fiscal_year": 2022, "obligation_usd": Decimal("40.00")},
        {"fiscal_year": 2023, "obligation_usd": Decimal("30.00")},
    ]
    statuses = {2017: "sample", 2018: "partial", 2021: "complete"}
    statuses |= {2022: "complete", 2023: "complete"}
    year_changes(rows, statuses)
    got = [(r["change_usd"], r["change_pct"], r["change_note"]) for r in rows]
    assert got == [
        (None, None, "no data for FY2016"),
        (Decimal("50.00"), Decimal("50.0"), INCOMPLETE),
        (None, None, "no data for FY2020"),
        (Decimal("40.00"), None, ""),
        (Decimal("-10.00"), Decimal("-25.0"), ""),
    ]


def _yoy(db: Path, agency: str | None) -> list[dict]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    args = ["--agency", agency] if agency else []
    out = subprocess.run(
        [sys.executable, "-m", "custodes", "--db", str(db), "analyse", "yoy",
         "--json", *args],
        capture_output=True, text=True, env=env, check=True,
    ).stdout  # fmt: skip
    return json.loads(out)


def _money(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def test_the_year_table_gives_the_change_as_analyse_yoy(real_web, real_copy) -> None:
    compared = 0
    for agency in (None, "ICE", "CBP"):
        params = {"agency": agency} if agency else {}
        rows = real_web.get("/dashboard.json", params=params).json()["tables"]
        shown = {
            r["fiscal_year"]: (
                _money(r["change_usd"]),
                _money(r["change_pct"]),
                r["change_note"],
            )
            for r in rows["by_year"]
        }
        yoy = _yoy(real_copy, agency)
        assert set(shown) == {r["fiscal_year"] for r in yoy}, agency
        for r in yoy:
            usd, pct, note = shown[r["fiscal_year"]]
            assert (usd, pct) == (_money(r["change_usd"]), _money(r["change_pct"]))
            complete = {x["fiscal_year"] for x in yoy if x["coverage"] == "complete"}
            if r["change_usd"] is None:
                assert note == f"no data for FY{r['fiscal_year'] - 1}"
            elif {r["fiscal_year"], r["fiscal_year"] - 1} <= complete:
                assert note == ""
            else:
                assert note == INCOMPLETE
            compared += r["change_usd"] is not None
    assert compared, "no year with a year before it: the test shows nothing"


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 390])
def test_the_change_reads_in_chromium(real_copy: Path, width: int) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with live_server(real_copy) as url, playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(
                base_url=url, viewport={"width": width, "height": 900}
            )
            rows = page.request.get("/dashboard.json?agency=ICE").json()["tables"]
            page.goto("/dashboard?agency=ICE")
            table = page.locator("#table-by_year")
            heads = [h.strip() for h in table.locator("thead th").all_inner_texts()]
            at = {
                h: heads.index(h) for h in ("Change from the year before", "Change %")
            }
            body = table.locator("tbody tr")
            seen = 0
            for i, r in enumerate(rows["by_year"]):
                cells = body.nth(i).locator("td")
                usd = cells.nth(at["Change from the year before"]).inner_text()
                pct = cells.nth(at["Change %"]).inner_text()
                if r["change_pct"] is None:
                    assert pct.strip() == ""
                    continue
                change = Decimal(r["change_usd"])
                sign = "-" if change < 0 else ""
                assert usd.strip() == f"{sign}${abs(change):,.2f}"
                assert pct.strip() == f"{Decimal(r['change_pct']):+,.1f}%"
                seen += 1
            assert seen
            # what an incomplete change compares, said under the table, readable
            note = page.locator("#year-change-note")
            if any(r["change_note"] == INCOMPLETE for r in rows["by_year"]):
                assert INCOMPLETE_NOTE in note.inner_text()
                box = note.bounding_box()
                assert box is not None and box["x"] + box["width"] <= width
            else:
                assert note.count() == 0
            # the page is no wider than the screen: the table scrolls in its frame
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        finally:
            browser.close()


def test_the_total_says_its_years_and_a_chosen_year_gets_its_own(
    real_web, real_copy
) -> None:
    """The dashboard's total is every fiscal year's; with a fiscal year chosen (the
    menu sets the vendor table's year) it read '$X in net obligations' alone, and
    a reporter took the total of every year for the chosen year's. It names the
    years it covers, and gives the chosen year's own figure and change, as `analyse
    yoy` does."""
    import html
    import re

    for agency in ("ICE", "CBP"):
        yoy = {r["fiscal_year"]: r for r in _yoy(real_copy, agency)}
        for fy, row in yoy.items():
            params = {"agency": agency, "fy": str(fy)}
            data = real_web.get("/dashboard.json", params=params).json()["data"]
            assert data["year_total"]["fiscal_year"] == fy
            assert _money(data["year_total"]["obligation_usd"]) == _money(
                row["obligation_usd"]
            )
            assert _money(data["year_total"]["change_usd"]) == _money(row["change_usd"])
            page = real_web.get("/dashboard", params=params).text
            lead = re.search(r'<p class="lead" id="total">(.*?)</p>', page, re.S)
            text = html.unescape(re.sub(r"<[^>]+>", "", lead.group(1)))
            usd = Decimal(row["obligation_usd"])
            money = f"-${-usd:,.2f}" if usd < 0 else f"${usd:,.2f}"
            assert f"FY{fy} alone: {money}" in text, text
            assert data["total_years"] and data["total_years"] in text, text
    everything = real_web.get("/dashboard.json").json()["data"]
    assert everything["year_total"] is None
