"""The reporter's workbench in real headless Chromium (issue 17 items 2-4, item 6):
subscribe to a vendor's feed from its page and open it, what's new with a threshold,
a maker's total across channels, an award page with its ceiling, period and timeline
chart. Screenshots go to tests/artifacts/serve/ (committed); every page is checked
for script errors, failed requests and CSP violations, and is used by keyboard."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.serve.fixture_store import vendor_id
from tests.serve.test_browser import assert_clean, browser, page, shot  # noqa: F401
from tests.sync.atom_rules import atom_problems

pytestmark = [pytest.mark.browser, pytest.mark.slow]
feedparser = pytest.importorskip("feedparser")

BABEL = vendor_id("BABEL STREET, INC.")


def amount(text: str) -> Decimal:
    return Decimal(text.replace("$", "").replace(",", "").strip() or "0")


def test_subscribe_to_a_vendor_feed_from_its_page(page):  # noqa: F811
    page.goto(f"/vendor/{BABEL}")
    link = page.locator("#vendor-feed")
    assert "Subscribe" in link.inner_text()
    # feed readers find it in the page head too
    head = page.locator("link[rel=alternate][type='application/atom+xml']")
    assert head.get_attribute("href") == link.get_attribute("href")
    link.focus()  # by keyboard, as a person without a mouse does
    with page.expect_response(lambda r: "/feeds/vendor/" in r.url) as answer:
        page.keyboard.press("Enter")
    response = answer.value
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    assert atom_problems(response.text()) == []
    parsed = feedparser.parse(response.text())
    assert not parsed.bozo and parsed.entries
    assert any("through reseller" in e.summary for e in parsed.entries)
    page.wait_for_load_state()
    shot(page, "14-vendor-feed")
    page.problems.clear()  # the feed itself is not a page of the site


def test_whats_new_with_a_threshold(page):  # noqa: F811
    page.goto("/new?from=1990-01-01")
    assert page.locator("h1").inner_text() == "What's new"
    everything = page.locator("#table-actions tbody tr").count()
    page.select_option("#min", "1000000")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**min=1000000**")
    rows = page.locator("#table-actions tbody tr")
    assert 0 < rows.count() < everything
    column = [
        h.strip() for h in page.locator("#table-actions thead th").all_inner_texts()
    ]
    at = column.index("This action")
    cells = page.locator(f"#table-actions tbody tr td:nth-child({at + 1})")
    assert all(abs(amount(t)) >= 1_000_000 for t in cells.all_inner_texts())
    dates = page.locator("#table-actions tbody tr td:nth-child(1)").all_inner_texts()
    assert dates == sorted(dates, reverse=True)
    assert "of at least $1,000,000.00" in page.locator("#news-summary").inner_text()
    assert "What counts" in page.locator("#definition").inner_text()
    feed = page.locator(".subscribe a").get_attribute("href")
    assert feed.startswith("/feeds/new.atom?") and "min=1000000" in feed
    shot(page, "15-whats-new-threshold")
    assert_clean(page)


def test_a_makers_total_across_channels(page):  # noqa: F811
    page.goto(f"/vendor/{BABEL}")
    channels = page.request.get(f"/vendor/{BABEL}.json").json()["data"]["channels"]
    total = page.locator("#channels-total").inner_text()
    assert f"${Decimal(channels['total']['obligation_usd']):,.2f}" in total
    rows = page.locator("#table-channels tbody tr")
    assert rows.count() == 1 + len(channels["resellers"])
    assert "direct" in rows.nth(0).inner_text()
    assert "PANAMERICA COMPUTERS, INC." in page.locator("#table-channels").inner_text()
    page.locator("#channels-heading").scroll_into_view_if_needed()
    shot(page, "16-maker-across-channels")
    assert_clean(page)


def test_award_page_with_the_whole_contract(page):  # noqa: F811
    # a bulk award whose rows carry the ceiling and the period of performance
    found = page.request.get("/search.json?q=HSCEDM17J00026").json()
    key = found["tables"]["awards"][0]["award_key"]
    page.goto(f"/award/{key}")
    facts = page.locator("#contract-facts")
    assert facts.locator("dd[data-detail=ceiling_usd]").inner_text().startswith("$")
    assert facts.locator("dd[data-detail=extent_competed]").inner_text()
    assert facts.locator("dd[data-detail=period_potential_end_date]").inner_text()
    assert facts.locator("dd[data-detail=parent_award_piid] a").count() == 1
    assert page.locator("#contract-lacks").count() == 0
    chart = page.locator("#chart-timeline svg")
    assert chart.get_attribute("role") == "img"
    assert "Modification timeline" in chart.locator("title").first.text_content()
    assert "action(s)" in chart.locator("desc").text_content()  # its text alternative
    points = chart.locator("circle.action").count()
    assert points == page.locator("#table-transactions tbody tr").count() >= 1
    assert chart.locator("path.ceiling").count() == 1
    assert "usaspending.gov/award/" in page.locator("a.external").get_attribute("href")
    # the chart's data table is one keyboard step away
    page.locator("#chart-timeline figcaption a").focus()
    page.keyboard.press("Enter")
    # the jump to the fragment lands a moment after the key press: wait for it (fails
    # after the timeout if the link does not lead there)
    page.wait_for_url("**#table-transactions", timeout=5000)
    shot(page, "17-award-contract")
    # an API-search award says which details its source lacks
    api = page.request.get("/search.json?q=70B03C23F00001053").json()
    page.goto(f"/award/{api['tables']['awards'][0]['award_key']}")
    lacks = page.locator("#contract-lacks").inner_text()
    assert "api_search" in lacks and "Ceiling" in lacks
    assert page.locator("#chart-timeline svg circle.action").count() == 2
    assert_clean(page)
