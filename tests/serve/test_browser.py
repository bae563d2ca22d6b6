"""Main journeys in real headless Chromium (Debian's, via Playwright), with screenshots
in tests/artifacts/serve/. Every page is checked for script execution from payloads,
CSP violations and console errors."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.serve.conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium") and not __import__("os").path.exists(CHROMIUM):
        pytest.skip(
            "Debian chromium is not installed (scripts/system-deps.sh installs it)"
        )
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_url):
    context = browser.new_context(
        base_url=live_url, viewport={"width": 1280, "height": 900}
    )
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    pg.problems = []  # console errors, page errors, dialogs (alert() from a payload)
    pg.on("console", lambda m: m.type == "error" and pg.problems.append(m.text))
    pg.on(
        "response",
        lambda r: r.status >= 400 and pg.problems.append(f"{r.status} {r.url}"),
    )
    pg.on("pageerror", lambda e: pg.problems.append(str(e)))
    pg.on("dialog", lambda d: (pg.problems.append("dialog: " + d.message), d.dismiss()))
    yield pg
    context.close()


def shot(pg, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(
        path=str(ARTIFACTS / f"{name}.png"),
        full_page=not name.startswith("07") and not name.startswith("08"),
    )


def assert_clean(pg) -> None:
    assert pg.evaluate("window.__xss === undefined"), "a payload ran in the page"
    assert pg.problems == [], pg.problems


def test_dashboard_to_category_to_award_to_vendor(page):
    page.goto("/")
    assert page.locator("h1").inner_text() == "Surveillance spending"
    assert page.locator("#chart-year svg title").count() == 1
    assert page.locator("#table-by_year tbody tr").count() >= 1
    shot(page, "01-dashboard")
    page.locator("#table-by_category a", has_text="Face recognition").first.click()
    page.wait_for_url("**/category/face_recognition")
    shot(page, "02-category")
    page.locator("#table-awards a[href^='/award/']").first.click()
    page.wait_for_url("**/award/**")
    assert "usaspending.gov/award/" in page.locator("a.external").get_attribute("href")
    assert page.locator("#table-evidence tbody tr").count() >= 1
    assert page.locator("#table-transactions tbody tr").count() >= 1
    shot(page, "03-award")
    page.locator("dl.facts a[href^='/vendor/']").first.click()
    page.wait_for_url("**/vendor/**")
    assert page.locator("#table-awards tbody tr").count() >= 1
    shot(page, "04-vendor")
    assert_clean(page)


def test_search_with_facets(page):
    page.goto("/search")
    page.fill("#q", "software")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=software")
    total = int(page.locator(".results .lead").inner_text().split()[0].replace(",", ""))
    page.locator("#facet-agency a").first.click()
    page.wait_for_url("**agency=**")
    narrowed = int(
        page.locator(".results .lead").inner_text().split()[0].replace(",", "")
    )
    assert 0 < narrowed <= total
    page.locator("#facet-fy a").first.click()
    page.wait_for_url("**fy=**")
    assert page.locator("ul.chosen li").count() == 2
    shot(page, "05-search-facets")
    csv_link = page.locator(".export a", has_text="CSV").first.get_attribute("href")
    assert csv_link.startswith("/search.csv?") and "fy=" in csv_link
    assert_clean(page)


def test_payloads_are_inert_in_a_real_browser(page):
    for path in [
        "/search?q=payloadmarker",
        "/award/CONT_AWD_70CMSD99XSS000001_7012_-NONE-_-NONE-",
        "/award/CONT_AWD_70CMSD99XSS000002_7012_-NONE-_-NONE-",
        "/award/CONT_AWD_70B03C99XSS000003_7014_-NONE-_-NONE-",
        "/award/CONT_AWD_70B03C99XSS000004_7014_-NONE-_-NONE-",
    ]:
        page.goto(path)
        assert page.locator("body").is_visible()  # the injected <style> did not apply
        assert (
            page.locator("img[src='x'], svg[onload], a[href^='javascript:']").count()
            == 0
        )
        assert page.locator("text=PAYLOADMARKER").count() >= 1
    shot(page, "06-payloads-escaped")
    page.goto("/award/CONT_AWD_70CMSD99XSS000001_7012_-NONE-_-NONE-")
    text = page.locator("dd.description").inner_text()
    assert text.startswith("<script>window.__xss")  # shown as text, exactly
    assert_clean(page)


def test_dataweb_explorer_selecting_a_node_shows_its_sources(page):
    page.goto("/dataweb")
    if page.locator("#graph").count() == 0:
        pytest.skip("the data web is not built")
    page.wait_for_function(
        "window.custodesGraph && window.custodesGraph.nodes().length > 0"
    )
    # select a node the way a pointer does (tap event on the graph element)
    node_id = page.evaluate("""() => {
        const n = window.custodesGraph.nodes()
            .filter(n => n.data('item').sources.length)[0];
        n.emit('tap'); return n.id(); }""")
    assert page.locator("#detail-body").is_visible()
    assert page.locator("#detail-sources li").count() >= 1
    assert page.locator("#detail-link").get_attribute("href").endswith(node_id)
    shot(page, "07-dataweb-node")
    # keyboard: focus the graph, move with the arrow keys
    page.locator("#graph").focus()
    page.keyboard.press("ArrowRight")
    first = page.evaluate("window.custodesGraph.$('node:selected').id()")
    page.keyboard.press("ArrowRight")
    second = page.evaluate("window.custodesGraph.$('node:selected').id()")
    assert first != second
    page.keyboard.press("Enter")
    expected = page.evaluate("window.custodesGraph.$('node:selected').data('label')")
    assert page.locator("#detail-label").inner_text() == expected
    edge = page.evaluate("""() => { const e = window.custodesGraph.edges()[0];
        e.emit('tap'); return e.data('item').sources.length; }""")
    assert page.locator("#detail-sources li").count() == max(edge, 1)
    shot(page, "08-dataweb-edge")
    assert_clean(page)


def test_who_can_reach_this_data(page):
    page.goto("/reach")
    options = page.locator("#category option").all_inner_texts()
    if len(options) < 2:
        pytest.skip("the data web has no data categories")
    page.select_option("#category", "address")
    page.get_by_role("button", name="Show who can reach it").click()
    page.wait_for_url("**/reach?category=address")
    assert page.locator("ol.paths > li").count() >= 1
    assert page.locator("ul.citations li").count() >= 1
    shot(page, "09-reach")
    assert_clean(page)


def test_keyboard_skip_link_and_focus(page):
    page.goto("/methodology")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    shot(page, "10-methodology")
    assert_clean(page)
