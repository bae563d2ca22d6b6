"""Every table of awards in a .json answer carries each award's page on
usaspending.gov (`usaspending_url`), as its .csv does: search results, the dashboard's
largest awards, a vendor's awards. `/search.json` used to lack it."""

from __future__ import annotations

from custodes import sources


def _award_tables(body: dict) -> dict[str, list[dict]]:
    return {
        name: rows
        for name, rows in body["tables"].items()
        if rows and "award_key" in rows[0]
    }


def test_json_award_rows_link_to_usaspending(real_web) -> None:
    search = real_web.get("/search.json", params={"q": "camera"}).json()
    pages = [search, real_web.get("/dashboard.json").json()]
    found = _award_tables(search)
    assert "awards" in found and found["awards"], "the search must find awards"
    vendor = found["awards"][0].get("vendor_id")
    if vendor:
        pages.append(real_web.get(f"/vendor/{vendor}.json").json())
    checked = 0
    for body in pages:
        for rows in _award_tables(body).values():
            for r in rows:
                assert r["usaspending_url"] == sources.record_url(r["award_key"])
                checked += 1
    assert checked >= len(found["awards"])
