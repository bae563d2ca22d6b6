"""?agency= naming a sub-agency the store holds no award of (a four-digit code such
as 9999) is a clear 400 naming the agencies it holds, on the dashboard, /categories
and a category page, as ICE, CBP and their codes are pages; it was a 200 page of
empty tables. On the store the real stages write (tests/real_store.py)."""

from __future__ import annotations

from tests.serve.conftest import app_rows


def test_an_agency_the_store_lacks_is_a_400(real_web) -> None:
    held = {
        r["code"]
        for r in app_rows(
            real_web,
            'SELECT DISTINCT awarding_sub_agency_code AS code FROM "transaction"',
        )
    }
    assert held == {"7012", "7014"}
    category = app_rows(
        real_web,
        "SELECT min(category) AS c FROM classification WHERE category <> 'none'",
    )[0]["c"]
    for path in ("/dashboard", "/categories", f"/category/{category}"):
        for suffix in ("", ".json"):
            answer = real_web.get(path + suffix, params={"agency": "9999"})
            assert answer.status_code == 400, (path + suffix, answer.text[:300])
            assert "9999" in answer.text and "7012 (ICE)" in answer.text
            assert "Traceback" not in answer.text
            for agency in ("ICE", "CBP", "7012", "7014"):
                ok = real_web.get(path + suffix, params={"agency": agency})
                assert ok.status_code == 200, (path, agency)


def test_search_review_and_new_refuse_what_the_store_lacks(real_web) -> None:
    """/search, /review and /new (and their .json and .csv, and the Atom feeds of
    what's new, a category and a search) take ?agency= (and /search, /review and
    a search's feed ?fy=) by the dashboard's rule: an agency or a fiscal year the
    store holds no data for is a 400 naming those it holds; they answered an empty
    200."""
    years = {
        r["fy"]
        for r in app_rows(
            real_web, 'SELECT DISTINCT fiscal_year AS fy FROM "transaction"'
        )
    }
    held, lacked = min(years), next(y for y in range(2000, 2100) if y not in years)
    category = app_rows(
        real_web,
        "SELECT min(category) AS c FROM classification WHERE category <> 'none'",
    )[0]["c"]
    pages = ["/search", "/review", "/new"]
    paths = [p + s for p in pages for s in ("", ".json", ".csv")] + [
        "/feeds/new.atom",
        "/feeds/search.atom",
        f"/feeds/category/{category}.atom",
    ]
    takes_fy = ("/search", "/review", "/feeds/search")
    for path in paths:
        answer = real_web.get(path, params={"agency": "9999"})
        assert answer.status_code == 400, (path, answer.text[:300])
        assert "9999" in answer.text and "7012 (ICE)" in answer.text, path
        assert "Traceback" not in answer.text
        ok = real_web.get(path, params={"agency": "ICE"})
        assert ok.status_code == 200, (path, ok.text[:300])
        if path.startswith(takes_fy):
            answer = real_web.get(path, params={"fy": str(lacked)})
            assert answer.status_code == 400, (path, answer.text[:300])
            assert f"FY{lacked}" in answer.text and f"FY{held}" in answer.text, path
            ok = real_web.get(path, params={"fy": str(held)})
            assert ok.status_code == 200, (path, ok.text[:300])
