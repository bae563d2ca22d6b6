"""The dashboard's vendor table (`by_vendor`, ?agency= and ?fy=): what each vendor
was paid for surveillance by one agency in one fiscal year, the table `custodes
analyse totals --by vendor --agency A --fy Y` prints, which the web app lacked. On
the store the real stages write (tests/real_store.py), as HTML, .json and .csv, and
in real Chromium: figures equal the stage tables' and the command's, vendor names
link to their pages, a natural person's name is withheld, and the definition and
coverage lines stand above it as above every table."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from custodes.figures.recipients import WITHHELD
from custodes.store.duckdb import connect
from tests.serve.conftest import app_rows, live_server
from tests.serve.test_browser import ARGS, CHROMIUM

# Written from the definition's documentation (docs/analyse.md, --by vendor), on the
# stage tables only: each transaction under its own vendor, a person under none.
EXPECTED = """
    SELECT CASE WHEN coalesce(t.recipient_is_individual, FALSE) THEN NULL
                ELSE coalesce(
                    tv.vendor_id,
                    'recipient-' || substr(md5(upper(t.recipient_name)), 1, 12))
           END AS vendor_id,
           sum(t.obligation_usd) AS usd, count(*) AS n,
           count(DISTINCT t.award_key) AS awards
    FROM "transaction" t
    LEFT JOIN transaction_vendor tv USING (transaction_key)
    JOIN classification c USING (award_key)
    WHERE c.category <> 'none' AND t.awarding_sub_agency_code = '{code}'
      AND t.fiscal_year = {fy}
    GROUP BY 1"""
YEARS = """
    SELECT t.awarding_sub_agency_code AS code, t.fiscal_year AS fy,
           count(DISTINCT tv.vendor_id) AS vendors
    FROM "transaction" t JOIN transaction_vendor tv USING (transaction_key)
    JOIN classification c USING (award_key) WHERE c.category <> 'none'
    GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2"""


def _shown(body: dict) -> dict:
    return {
        r["vendor_id"]: (Decimal(r["obligation_usd"]), r["transactions"], r["awards"])
        for r in body["tables"]["by_vendor"]
    }


def _expected(client: TestClient, code: str, fy: int) -> dict:
    return {
        r["vendor_id"]: (Decimal(r["usd"]), r["n"], r["awards"])
        for r in app_rows(client, EXPECTED.format(code=code, fy=int(fy)))
    }


def test_vendor_table_equals_the_stage_tables_and_the_command(real_web, real_copy):
    years = app_rows(real_web, YEARS)
    assert years, "the fixture store has no surveillance vendor"
    agencies = {"7012": "ICE", "7014": "CBP"}
    for row in years:
        body = real_web.get(
            "/dashboard.json",
            params={"agency": agencies[row["code"]], "fy": row["fy"]},
        ).json()
        assert _shown(body) == _expected(real_web, row["code"], row["fy"])
        assert body["data"]["by_vendor"]["fiscal_year"] == row["fy"]
        assert body["data"]["by_vendor"]["coverage"].startswith(f"FY{row['fy']}:")
    code, fy = years[0]["code"], years[0]["fy"]
    params = {"agency": agencies[code], "fy": fy}
    body = real_web.get("/dashboard.json", params=params).json()
    # the command gives the same rows (another process, reading the same file)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run(
        [sys.executable, "-m", "custodes", "analyse", "totals", "--by", "vendor",
         "--agency", agencies[code], "--fy", str(fy), "--db", str(real_copy),
         "--json"],
        capture_output=True, text=True, env=env, check=True,
    ).stdout  # fmt: skip
    command = {
        r["vendor_id"]: (
            Decimal(r["obligation_usd"]), r["transactions"], r["awards"],
            r["vendor_label"], Decimal(r["reviewed_usd"]),
        )
        for r in json.loads(out)
    }  # fmt: skip
    assert command == {
        r["vendor_id"]: (
            Decimal(r["obligation_usd"]), r["transactions"], r["awards"],
            r["vendor_name"], Decimal(r["reviewed_usd"]),
        )
        for r in body["tables"]["by_vendor"]
    }  # fmt: skip
    # every year together, as the command without --fy
    all_years = real_web.get("/dashboard.json", params={"agency": "ICE"}).json()
    assert all_years["data"]["by_vendor"]["fiscal_year"] is None
    assert sum(r["awards"] for r in all_years["tables"]["by_vendor"]) > 0
    # the CSV: the same rows, each with the definition; its sidecar the coverage
    text = real_web.get("/dashboard.csv", params={**params, "table": "by_vendor"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["vendor_id"]: Decimal(r["obligation_usd"]) for r in rows} == {
        k: v[0] for k, v in _shown(body).items()
    }
    assert all(r["definition"].startswith("surveillance") for r in rows)
    meta = real_web.get(
        "/dashboard.csv-metadata.json", params={**params, "table": "by_vendor"}
    ).json()
    assert meta["definition"]["short"] == rows[0]["definition"]
    assert meta["coverage"]["fiscal_years"]
    # a year the store holds for another agency only is an empty table that says
    # so, not an error (the menus keep the year when the agency changes); a year it
    # does not hold at all is a 400 (tests/serve/test_dashboard_year_param.py)
    none = real_web.get("/dashboard.json", params={"agency": "CBP", "fy": 2018})
    assert none.status_code == 200
    assert none.json()["tables"]["by_vendor"] == []
    assert "no data" in none.json()["data"]["by_vendor"]["coverage"]
    gone = real_web.get("/dashboard.json", params={"agency": "ICE", "fy": 2019})
    assert gone.status_code == 400


def _as_person(db: Path) -> tuple[str, int, dict, str]:
    """In DB, flag the transactions of one vendor of the agency and year with the most
    vendors as a natural person's: (agency code, year, the vendors expected there,
    a name of the vendor now withheld)."""
    con = connect(db, read_only=False)
    try:
        code, fy, _ = con.execute(YEARS).fetchone()
        found = con.execute(EXPECTED.format(code=code, fy=fy)).fetchall()
        shown = {r[0]: r for r in found}
        person = [v for v in shown if v and not v.startswith("recipient-")][-1]
        name = con.execute(
            'SELECT min(t.recipient_name) FROM "transaction" t '
            "JOIN transaction_vendor tv USING (transaction_key) WHERE tv.vendor_id = ?",
            [person],
        ).fetchone()[0]
        con.execute(
            'UPDATE "transaction" SET recipient_is_individual = TRUE '
            "WHERE transaction_key IN (SELECT transaction_key FROM transaction_vendor "
            "WHERE vendor_id = ?)",
            [person],
        )
    finally:
        con.close()
    # the vendor table reads the derived tables (serve_vendor_award): built again
    # from the store as changed by hand, as `custodes refresh` would after a delivery
    subprocess.run(
        [sys.executable, "-m", "custodes", "--db", str(db), "serve", "--prepare"],
        capture_output=True,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
        check=True,
    )
    return code, fy, shown, str(name)


@pytest.mark.browser
@pytest.mark.slow
def test_vendor_table_in_chromium(real_copy: Path) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    code, fy, shown, name = _as_person(real_copy)
    agency = {"7012": "ICE", "7014": "CBP"}[code]
    with live_server(real_copy) as url, playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(base_url=url)
            page.goto("/dashboard")
            page.select_option("#agency", code)
            page.select_option("#fy", str(fy))
            page.click("form.filters button[type=submit]")
            page.wait_for_selector("#table-by_vendor")
            assert f"fy={fy}" in page.url and f"agency={code}" in page.url
            caption = page.inner_text("#caption-by_vendor")
            assert f"{agency}, FY{fy}" in caption
            assert page.is_visible("#definition") and page.is_visible("#coverage")
            rows = page.locator("#table-by_vendor tbody tr")
            # the person's vendor is one row (withheld) beside the others
            assert rows.count() == len(shown) - (None in shown)
            table = page.inner_text("#table-by_vendor")
            assert name not in table and WITHHELD in table
            withheld = page.locator("#table-by_vendor tbody tr", has_text=WITHHELD)
            assert withheld.locator("a").count() == 0
            first = rows.nth(0).locator("td").nth(0)
            href = first.locator("a").get_attribute("href")
            assert href is not None and href.startswith("/vendor/")
            vendor_name = first.inner_text()
            first.locator("a").click()
            page.wait_for_selector("h1")
            assert page.url.endswith(href)
            assert vendor_name in page.inner_text("h1")
            csv_text = page.request.get(
                f"/dashboard.csv?agency={code}&fy={fy}&table=by_vendor"
            ).text()
            assert name not in csv_text and WITHHELD in csv_text
        finally:
            browser.close()


def test_vendor_table_states_its_own_years_not_counted_line(real_web, real_copy):
    """The vendor table of one fiscal year states the awards that year leaves out
    (surveillance components inside a larger purchase) as `custodes analyse totals
    --by vendor --agency A --fy Y` does, not the agency's line over every year (shared
    data: ICE FY2024 1 award, $19,157,400.26, under a page line of 2 and $70.1M)."""
    agencies = {"7012": "ICE", "7014": "CBP"}
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    differs = 0
    for row in app_rows(real_web, YEARS):
        params = {"agency": agencies[row["code"]], "fy": row["fy"]}
        body = real_web.get("/dashboard.json", params=params).json()
        out = subprocess.run(
            [sys.executable, "-m", "custodes", "analyse", "totals", "--by", "vendor",
             "--agency", params["agency"], "--fy", str(row["fy"]),
             "--db", str(real_copy), "--json"],
            capture_output=True, text=True, env=env, check=True,
        ).stdout  # fmt: skip
        first = json.loads(out)[0]
        mine = body["data"]["by_vendor"]["not_counted"]
        assert (mine["awards"], Decimal(mine["obligation_usd"])) == (
            first["scope_not_counted_awards"],
            Decimal(first["scope_not_counted_usd"]),
        ), params
        page = body["data"]["not_counted"]
        differs += (page["awards"], page["obligation_usd"]) != (
            mine["awards"],
            mine["obligation_usd"],
        )
        html = real_web.get("/dashboard", params=params).text
        if mine["awards"]:
            assert f"In this table (FY{row['fy']}): {mine['line']}." in html
        else:
            assert 'id="vendor-not-counted"' not in html
    assert differs, "no year's line differs from the agency's: the test shows nothing"
    # every year: the page's own line
    body = real_web.get("/dashboard.json", params={"agency": "CBP"}).json()
    assert body["data"]["by_vendor"]["not_counted"] == body["data"]["not_counted"]


@pytest.mark.browser
@pytest.mark.slow
def test_the_year_menu_keeps_a_year_the_new_agency_lacks(real_copy: Path) -> None:
    """Changing the agency keeps the fiscal year chosen; when the new agency holds no
    data for it, the year menu still shows that year (the table below is that year's,
    empty, and says so), so a second "Show" keeps it, instead of reading "All fiscal
    years" over an FY table (fixture store: ICE holds FY2018, CBP does not)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    con = connect(real_copy, read_only=True)
    try:
        held = {
            code: {fy for (fy,) in con.execute(
                'SELECT DISTINCT fiscal_year FROM "transaction" '
                "WHERE awarding_sub_agency_code = ?", [code]).fetchall()}
            for code in ("7012", "7014")
        }  # fmt: skip
    finally:
        con.close()
    only_ice = sorted(held["7012"] - held["7014"])
    assert only_ice, "the fixture store has no year of ICE alone"
    fy = str(only_ice[0])
    with live_server(real_copy) as url, playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(base_url=url)
            page.goto(f"/dashboard?agency=ICE&fy={fy}")
            assert page.input_value("#fy") == fy
            page.select_option("#agency", "7014")
            page.click("form.filters button[type=submit]")
            page.wait_for_selector("#table-by_vendor")
            assert f"fy={fy}" in page.url and "agency=7014" in page.url
            assert page.input_value("#fy") == fy
            assert "no data" in page.inner_text("#caption-by_vendor")
            page.click("form.filters button[type=submit]")
            page.wait_for_selector("#table-by_vendor")
            assert f"fy={fy}" in page.url and page.input_value("#fy") == fy
        finally:
            browser.close()
