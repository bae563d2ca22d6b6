"""A category's page takes ?agency= as /categories and the dashboard do, and their
links carry it: from /categories?agency=ICE a category led to every agency's
figures (shared data: ICE's cameras and sensors, $54,013,265.20 on the list, opened
on a page of $1,210,605,283.02 and CBP's largest awards). On the store the real
stages write (tests/real_store.py), against the stage tables."""

from __future__ import annotations

from decimal import Decimal

from tests.serve.conftest import app_rows

# From the stage tables: per category and agency, the obligations and awards.
STORED = """
    SELECT c.category, t.awarding_sub_agency_code AS code,
           sum(t.obligation_usd) AS usd, count(DISTINCT t.award_key) AS awards
    FROM "transaction" t JOIN classification c USING (award_key)
    WHERE c.category <> 'none' GROUP BY 1, 2"""
# Awards of `none` buying a component of CATEGORY, of one agency: not counted.
COMPONENTS = """
    SELECT count(DISTINCT t.award_key) AS awards,
           coalesce(sum(t.obligation_usd), 0) AS usd
    FROM "transaction" t JOIN classification c USING (award_key)
    WHERE c.category = 'none' AND c.component_category = '{category}'
      AND t.awarding_sub_agency_code = '{code}'"""


def test_category_page_follows_the_agency(real_web) -> None:
    stored = app_rows(real_web, STORED)
    both = {r["category"] for r in stored if r["code"] == "7012"} & {
        r["category"] for r in stored if r["code"] == "7014"
    }
    assert both, "no category of the fixture store is bought by both agencies"
    for category in sorted(both):
        every = real_web.get(f"/category/{category}.json").json()
        for agency, code in (("ICE", "7012"), ("CBP", "7014")):
            want = next(
                r for r in stored if r["category"] == category and r["code"] == code
            )
            body = real_web.get(
                f"/category/{category}.json", params={"agency": agency}
            ).json()
            data, tables = body["data"], body["tables"]
            assert data["agency"] == code
            assert Decimal(data["reviewed"]["obligation_usd"]) == Decimal(want["usd"])
            assert {r["agency_code"] for r in tables["by_year"]} == {code}
            assert sum(Decimal(r["obligation_usd"]) for r in tables["by_year"]) == (
                Decimal(want["usd"])
            )
            keys = {r["award_key"] for r in tables["awards"]}
            assert keys and all(f"_{code}_" in k for k in keys)
            assert sum(v["awards"] for v in tables["vendors"]) <= want["awards"]
            assert data["coverage"]["agency"] == code
            dash = real_web.get("/dashboard.json", params={"agency": agency}).json()
            assert (
                data["not_counted"]["counted"] == dash["data"]["not_counted"]["counted"]
            )
            html = real_web.get(f"/category/{category}", params={"agency": agency}).text
            assert f'<option value="{code}" selected>' in html
        # without an agency: every agency's, as before
        assert every["data"]["agency"] is None
        assert {r["agency_code"] for r in every["tables"]["by_year"]} >= {
            "7012",
            "7014",
        }
    # the list and the dashboard link to the category page of the same agency
    page = real_web.get("/categories", params={"agency": "CBP"}).text
    assert "?agency=7014" in page
    dash = real_web.get("/dashboard", params={"agency": "ICE"}).text
    assert "/category/" in dash and "?agency=7012" in dash
    assert "?agency=" not in real_web.get("/categories").text.split("<main", 1)[-1]


def test_category_search_link_keeps_the_agency(real_web) -> None:
    """ "Search within this category" on a category page of one agency searches that
    agency's awards of the category (shared data: /category/face_recognition?agency=ICE
    led to 7 awards of both agencies, for 4 of ICE)."""
    import html
    import re

    stored = app_rows(real_web, STORED)
    seen = 0
    for row in stored:
        agency = {"7012": "ICE", "7014": "CBP"}[row["code"]]
        page = real_web.get(f"/category/{row['category']}", params={"agency": agency})
        link = re.search(r'href="([^"]+)">Search within this category', page.text)
        assert link, row
        found = real_web.get(
            html.unescape(link.group(1)).replace("/search", "/search.json", 1)
        )
        assert found.status_code == 200
        assert found.json()["data"]["total"] == row["awards"], (row, link.group(1))
        every = real_web.get("/search.json", params={"category": row["category"]})
        seen += every.json()["data"]["total"] != row["awards"]
    assert seen, "no category is bought by both agencies: the test shows nothing"
    # every agency: the link searches the category alone
    page = real_web.get(f"/category/{stored[0]['category']}")
    assert f'href="/search?category={stored[0]["category"]}"' in page.text
