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
    pg = watched_page(context)
    yield pg
    context.close()


def watched_page(context, timeout_ms: int = 15_000):
    """A new page of CONTEXT that lists its problems in `pg.problems`: console errors
    (CSP violations among them), page errors, answers of 400 and above, dialogs
    (alert() from a payload)."""
    pg = context.new_page()
    pg.set_default_timeout(timeout_ms)
    pg.problems = []
    pg.on("console", lambda m: m.type == "error" and pg.problems.append(m.text))
    pg.on(
        "response",
        lambda r: r.status >= 400 and pg.problems.append(f"{r.status} {r.url}"),
    )
    pg.on("pageerror", lambda e: pg.problems.append(str(e)))
    pg.on("dialog", lambda d: (pg.problems.append("dialog: " + d.message), d.dismiss()))
    return pg


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


def view_shot(pg, name: str) -> None:
    """The visible part only: the explorer's page goes on with its long tables."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def open_explorer(pg, fragment: str = "") -> None:
    pg.goto("/dataweb" + fragment)
    pg.wait_for_selector("#graph[data-ready=true]")


def test_dataweb_explorer_selecting_a_node_shows_its_sources(page):
    """Focus a node the ways a person does (pointer, the focus box, the keyboard):
    its neighbours alone in layered columns, and a table of its connections with
    each edge's meaning and citations (the non-visual equivalent of the drawing)."""
    open_explorer(page)
    assert page.evaluate("window.custodesExplorer.state().mode") == "overview"
    columns = page.evaluate(
        "window.custodesGraph.nodes('.header').map(n => n.data('label'))"
    )
    assert columns == [
        "Data sources",
        "Companies and other bodies",
        "Systems",
        "Agencies",
    ]
    # each column stands left of the next: the layered layout
    xs = page.evaluate(
        "window.custodesGraph.nodes('.header').map(n => n.position('x'))"
    )
    assert xs == sorted(xs) and len(set(xs)) == 4
    view_shot(page, "07-dataweb-overview")
    # pointer: tap a system, the way a click does
    page.evaluate("window.custodesGraph.$id('sys.leids_accurint').emit('tap')")
    page.wait_for_selector("#graph[data-focus='sys.leids_accurint']")
    assert page.url.endswith("#focus=sys.leids_accurint")
    shown = set(
        page.evaluate("window.custodesGraph.nodes(':selectable').map(n => n.id())")
    )
    assert {"sys.leids_accurint", "org.ice", "ds.lexisnexis_records"} <= shown
    assert "org.dhs" not in shown  # not a neighbour: the focus shows neighbours only
    assert page.locator("#focus-label").inner_text().startswith("LexisNexis Accurint")
    status = page.locator("#focus-status").inner_text()
    assert "Status reported as of" in status and "the evidence ends 2026-02" in status
    rows = page.locator("#focus-edges tr")
    assert rows.count() == page.evaluate(
        """() => window.custodesGraph.edges().filter(e =>
            e.source().id() === 'sys.leids_accurint' ||
            e.target().id() === 'sys.leids_accurint').length"""
    )
    assert page.locator("#focus-edges a.citation").count() >= rows.count()
    view_shot(page, "08-dataweb-focus")
    # the table's "other end" focuses that node, by keyboard too
    page.locator("#focus-edges button[data-focus='org.ice']").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#graph[data-focus='org.ice']")
    # the focus box finds a node by name
    page.fill("#focus-name", "Zignal Labs platform")
    page.get_by_role("button", name="Focus", exact=True).click()
    page.wait_for_selector("#graph[data-focus='sys.zignal']")
    # keyboard in the drawing: arrows move the selection, Enter focuses it
    page.locator("#graph").focus()
    page.keyboard.press("ArrowRight")
    first = page.evaluate("window.custodesGraph.$('node:selected').id()")
    page.keyboard.press("ArrowRight")
    second = page.evaluate("window.custodesGraph.$('node:selected').id()")
    assert first != second
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#graph[data-focus='{second}']")
    assert "Focused on" in page.locator("#explorer-status").inner_text()
    assert_clean(page)


def test_follow_a_path_hop_by_hop_and_open_a_citation(page):
    """The Zignal path: public posts pass through Zignal's platform to HSI; Carahsoft
    resold the licence and is drawn beside the hop, not as one. Step through the
    hops with the buttons, then open a citation of the current hop."""
    paths = page.request.get("/reach.json?category=social_media").json()["data"]
    number = next(
        i
        for i, p in enumerate(paths["paths"], 1)
        if [s["to"] for s in p["segments"]] == ["sys.zignal", "org.ice_hsi"]
    )
    open_explorer(page)
    page.select_option("#path-category", "social_media")
    page.fill("#path-number", str(number))
    page.get_by_role("button", name="Draw it hop by hop").click()
    page.wait_for_selector("#graph[data-mode=path][data-hop='1']")
    assert page.url.endswith(f"#path=social_media/{number}/1")
    hops = page.locator("#path-hops > li")
    assert hops.count() == 2
    assert page.locator("#path-hops > li[aria-current=step]").get_attribute("id") == (
        "hop-1"
    )
    assert "Zignal Labs platform" in hops.nth(0).locator(".meaning").inner_text()
    # the reseller: beside the second hop, drawn as a facilitator, never a hop
    assert "reseller Carahsoft" in hops.nth(1).locator(".facilitators").inner_text()
    drawn = page.evaluate(
        "window.custodesGraph.nodes('.facilitator').map(n => n.data('ref'))"
    )
    assert "org.carahsoft" in drawn
    hop_ends = page.evaluate(
        "window.custodesGraph.edges('.hop').map(e => e.source().data('ref') + '>' + "
        "e.target().data('ref'))"
    )
    assert hop_ends == ["ds.social_media>sys.zignal", "sys.zignal>org.ice_hsi"]
    assert page.get_by_role("button", name="Previous hop").is_disabled()
    view_shot(page, "11-dataweb-path-hop1")
    next_hop = page.get_by_role("button", name="Next hop")
    next_hop.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#graph[data-hop='2']")
    assert page.url.endswith(f"#path=social_media/{number}/2")
    assert page.locator("#path-hops > li[aria-current=step]").get_attribute("id") == (
        "hop-2"
    )
    current = page.evaluate("window.custodesGraph.edges('.current').map(e => e.id())")
    assert current == ["hop:1"]
    assert "Hop 2 of 2" in page.locator("#explorer-status").inner_text()
    assert next_hop.is_disabled()
    view_shot(page, "12-dataweb-path-hop2")
    # open the strongest citation of the current hop: its source page
    citation = page.locator("#hop-2 a.citation").first
    title = citation.inner_text()
    citation.click()
    page.wait_for_url("**/dataweb/node/src.*")
    assert page.locator("h1").inner_text() in title
    assert page.locator("dt", has_text="Address").count() == 1
    assert page.locator("table#table-cited_by tbody tr").count() >= 1
    shot(page, "13-dataweb-citation")
    assert_clean(page)


def test_who_can_reach_this_data(page):
    page.goto("/reach")
    options = page.locator("#category option").all_inner_texts()
    assert "address" in options, "the shipped data web lists its data categories"
    page.select_option("#category", "address")
    page.get_by_role("button", name="Show who can reach it").click()
    page.wait_for_url("**/reach?category=address")
    assert page.locator("ol.paths > li").count() >= 1
    assert page.locator("ul.citations li").count() >= 1
    assert page.locator("span.source-kind").first.is_visible()
    assert "Facilitated by (not a hop)" in page.locator("ol.paths").inner_text()
    shot(page, "09-reach")
    # each path opens in the explorer, drawn hop by hop
    page.locator("ol.paths > li").first.get_by_role(
        "link", name="Follow it hop by hop in the explorer"
    ).click()
    page.wait_for_selector("#graph[data-mode=path]")
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
