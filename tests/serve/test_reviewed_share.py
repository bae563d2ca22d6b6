"""The dashboard's tables state the share of dollars a person reviewed as a share,
with its meaning ("Share of its dollars reviewed by a person": 12.3%), as the CLI's
line does ("Reviewed by a person: 12.3% of these dollars"); the cells read a bare
number ("0", "0.41"). The .json and .csv keep the number (`reviewed_share`, 0.4123).
In real Chromium at 1280 and 390 px, on the serve fixture store with one award
decided by a person."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from custodes.serve.pages.dashboard import REVIEWED_SHARE
from custodes.serve.prepare import build_serve_tables
from custodes.serve.templating import percent
from custodes.settings import Settings
from custodes.store import open_store
from tests.serve.conftest import live_server
from tests.serve.test_browser import ARGS, CHROMIUM


@pytest.fixture(scope="module")
def reviewed_db(store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture store with its largest surveillance award decided by a person."""
    db = tmp_path_factory.mktemp("reviewed") / "store.duckdb"
    shutil.copy(store_path, db)
    with open_store(Settings(db=db), write=True, command="test") as store:
        store.execute(
            "UPDATE classification SET method = 'review' WHERE award_key = ("
            'SELECT t.award_key FROM "transaction" t JOIN classification c '
            "USING (award_key) WHERE c.category <> 'none' "
            "GROUP BY 1 ORDER BY sum(t.obligation_usd) DESC, 1 LIMIT 1)"
        )
        build_serve_tables(store)
    return db


def test_percent_reads_as_a_share() -> None:
    assert percent(0.0) == "0.0%"
    assert percent(0.4123) == "41.2%"
    assert percent(1.0) == "100.0%"
    assert percent(0.0001) == "<0.1%"


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 390])
def test_dashboard_tables_state_the_reviewed_share(
    reviewed_db: Path, width: int
) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with live_server(reviewed_db) as url, playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(
                base_url=url, viewport={"width": width, "height": 900}
            )
            body = page.request.get("/dashboard.json").json()
            page.goto("/dashboard")
            shares = set()
            for name in ("by_year", "by_category"):
                rows = body["tables"][name]
                table = page.locator(f"#table-{name}")
                headings = [
                    h.strip() for h in table.locator("thead th").all_inner_texts()
                ]
                column = headings.index(REVIEWED_SHARE)
                cells = table.locator("tbody tr")
                assert cells.count() == len(rows)
                for i, row in enumerate(rows):
                    text = cells.nth(i).locator("td").nth(column).inner_text().strip()
                    share = row["reviewed_share"]
                    assert isinstance(share, float | None), row  # the number stays
                    expected = "" if share is None else f"{100 * share:.1f}%"
                    if share is not None and 0 < share < 0.0005:
                        expected = "<0.1%"
                    assert text == expected, (name, row, text)
                    shares.add(text)
            # some figure is partly reviewed, some not at all: both read as shares
            assert "0.0%" in shares and shares - {"0.0%", ""}, shares
            csv_text = page.request.get("/dashboard.csv?table=by_year").text()
            assert "reviewed_share" in csv_text.splitlines()[0]
            assert "%" not in csv_text
        finally:
            browser.close()


def test_confidence_reads_as_the_command_line_prints_it(real_web) -> None:
    """The review queue's and an award page's confidence read to two decimals, as
    `custodes review` prints it (0.64); they read three significant digits
    (0.635) beside the command line's 0.64."""
    import html
    import re

    queue = real_web.get("/review.json", params={"size": "50"}).json()
    rows = queue["tables"]["queue"]
    odd = [
        r
        for r in rows
        if r["confidence"] is not None and len(repr(r["confidence"])) > 4
    ]
    assert odd, "no confidence with more than two decimals: the test shows nothing"
    page = html.unescape(real_web.get("/review", params={"size": "50"}).text)
    cells = re.findall(r"<td>(\d\.\d+)</td>", page)
    assert cells and all(len(c) == 4 for c in cells), cells
    for r in odd[:5]:
        assert f"<td>{r['confidence']:.2f}</td>" in page
        award = html.unescape(real_web.get(f"/award/{r['award_key']}").text)
        assert f"confidence {r['confidence']:.2f};" in award
