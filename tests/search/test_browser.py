"""A reporter's search journey in real headless Chromium (Debian's, via Playwright),
with screenshots in tests/artifacts/serve/search-*.png: a UK spelling, a category
word, sorting, an amount range and its permalink, a contract number, a search with
nothing to search for, and the keyboard; at 1280 px the obligations column stays on
screen."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.serve.test_browser import assert_clean, browser, page, shot

__all__ = ["browser", "page"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _search(pg, text: str) -> None:
    box = pg.get_by_label("Search awards, vendors and systems")
    box.fill(text)
    box.press("Enter")
    pg.wait_for_load_state()


def _money(text: str) -> Decimal:
    return Decimal(text.replace("$", "").replace(",", "") or "0")


def _column(pg, heading: str) -> list[str]:
    headings = pg.locator("#table-awards thead th").all_inner_texts()
    i = headings.index(heading) + 1
    return pg.locator(f"#table-awards tbody td:nth-child({i})").all_inner_texts()


def _obligations_on_screen(pg) -> None:
    """The Obligations heading is inside the 1280 px window and not scrolled out of
    its table's box."""
    th = pg.locator("#table-awards thead th", has_text="Obligations").first
    box = th.bounding_box()
    frame = pg.locator("#table-awards").locator("xpath=..").bounding_box()
    assert box is not None and frame is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, box
    assert box["x"] + box["width"] <= frame["x"] + frame["width"] + 1, (box, frame)


def test_a_reporters_search_journey(page):
    page.goto("/search")
    _search(page, "grey key")  # the data writes GRAY KEY and GRAYSHIFT
    lead = page.locator("p.lead").inner_text()
    assert "awards match" in lead and "obligated in all" in lead, lead
    descriptions = " ".join(_column(page, "Description"))
    assert "GRAY KEY" in descriptions, descriptions
    _obligations_on_screen(page)
    shot(page, "search-01-uk-spelling")

    _search(page, "spyware")  # the category label: Device forensics and spyware
    assert "CELLEBRITE" in " ".join(_column(page, "Description"))
    page.get_by_text("How the search was read").click()
    assert "also searched as" in page.locator("details.reading").inner_text()
    _obligations_on_screen(page)
    shot(page, "search-02-category-word")

    page.get_by_role("link", name="newest first action first").click()
    page.wait_for_url("**sort=newest**")
    days = [d for d in _column(page, "First action") if d]
    assert days == sorted(days, reverse=True), days
    shot(page, "search-03-newest-first")

    page.get_by_label("Obligations from $").fill("20000")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**min=20000**")
    amounts = [_money(a) for a in _column(page, "Obligations")]
    assert amounts and min(amounts) >= 20000, amounts
    assert "sort=newest" in page.url  # the order stays
    permalink = page.locator("p.permalink a").first.get_attribute("href")
    assert permalink and "min=20000" in permalink and "sort=newest" in permalink
    rows = _column(page, "Award")
    page.goto(permalink)
    assert _column(page, "Award") == rows  # the permalink shows the same state
    shot(page, "search-04-amount-range-permalink")
    assert_clean(page)


def test_a_contract_number_and_nothing_to_search(page):
    page.goto("/award/70cmsd21p00000127")  # a PIID, in lower case
    assert page.locator("h1").inner_text() == "Award 70CMSD21P00000127"
    shot(page, "search-05-award-by-piid")

    page.goto("/search")
    _search(page, "&&&")
    assert "Nothing was searched" in page.locator("p.notice").last.inner_text()
    assert page.locator("p.lead").inner_text().startswith("0 awards match")
    shot(page, "search-06-nothing-to-search")
    assert_clean(page)


def test_sorting_and_ranges_work_from_the_keyboard(page):
    page.goto("/search?q=licenses")
    label = "smallest obligations first"
    for _ in range(60):  # Tab through the page to the sort link
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == label:
            break
    else:
        pytest.fail(f"Tab never reached {label!r}")
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=smallest**")
    amounts = [_money(a) for a in _column(page, "Obligations") if a]
    assert amounts == sorted(amounts), amounts
    for name in ("Obligations from $", "to $", "Actions from", "to"):
        assert page.get_by_label(name, exact=True).count() == 1, name
    assert_clean(page)
