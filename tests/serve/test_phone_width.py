"""At a phone's width (390 px) no page is wider than the screen: a vendor page's
facts (a bold label such as "Of which counted as surveillance" beside a dollar
figure), an award page's heading (an unbreakable PIID at heading size), its
permalink, and the search page (the facets and results stacked) scrolled sideways
as a whole; wide tables scroll inside their own frame. On the store the real stages
write (tests/real_store.py), in real Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from custodes.store.duckdb import connect
from tests.serve.conftest import live_server
from tests.serve.test_browser import ARGS, CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTH = 390


def _pages(db: Path) -> list[str]:
    con = connect(db, read_only=True)
    try:
        vendor = con.execute(
            "SELECT tv.vendor_id FROM transaction_vendor tv "
            'JOIN "transaction" t USING (transaction_key) '
            "GROUP BY 1 ORDER BY sum(t.obligation_usd) DESC, 1 LIMIT 1"
        ).fetchone()[0]
        award = con.execute(
            'SELECT award_key FROM "transaction" '
            "ORDER BY length(award_key) DESC, award_key LIMIT 1"
        ).fetchone()[0]
    finally:
        con.close()
    return ["/", f"/vendor/{vendor}", f"/award/{award}", "/search", "/methodology"]


def test_no_page_is_wider_than_a_phone(real_copy: Path) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    pages = _pages(real_copy)
    with live_server(real_copy) as url, playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(
                base_url=url, viewport={"width": WIDTH, "height": 900}
            )
            wide = {}
            for path in pages:
                answer = page.goto(path)
                assert answer is not None and answer.status == 200, path
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > WIDTH:
                    wide[path] = width
            assert wide == {}, f"wider than {WIDTH} px: {wide}"
        finally:
            browser.close()
