"""An export of one page of a paged table says where the next page is: the .csv and
.json answers carry `Link: <…page=N+1>; rel="next"` (RFC 8288) while pages remain, so
a download of a vendor's awards (25 a page) is not silently the first 25. Following the
links gives every award once. On the store the real stages write
(tests/real_store.py)."""

from __future__ import annotations

import csv
import io
import re

from tests.serve.conftest import app_rows

NEXT = re.compile(r'<([^>]+)>; rel="next"')


def _next(response) -> str | None:  # type: ignore[no-untyped-def]
    found = NEXT.search(response.headers.get("link", ""))
    return found.group(1) if found else None


def test_following_next_links_exports_every_award(real_web) -> None:
    client = real_web
    top = app_rows(
        client,
        "SELECT vendor_id, awards FROM serve_vendor WHERE awards >= 3 "
        "ORDER BY awards DESC, vendor_id LIMIT 1",
    )[0]
    vendor_id, awards = top["vendor_id"], top["awards"]
    url: str | None = f"/vendor/{vendor_id}.csv?size=1"
    keys: list[str] = []
    while url is not None and len(keys) <= awards:
        got = client.get(url)
        assert got.status_code == 200, url
        assert 'rel="describedby"' in got.headers["link"]
        keys += [r["award_key"] for r in csv.DictReader(io.StringIO(got.text))]
        url = _next(got)
    assert url is None
    assert len(keys) == len(set(keys)) == awards
    # JSON pages say the same; the last page and the unpaged tables do not
    page = client.get(f"/vendor/{vendor_id}.json", params={"size": 1})
    assert _next(page) == f"/vendor/{vendor_id}.json?size=1&page=2"
    last = client.get(f"/vendor/{vendor_id}.json?size=1&page={awards}")
    assert _next(last) is None
    whole = client.get(f"/vendor/{vendor_id}.csv?size=1&table=by_year")
    assert whole.status_code == 200 and _next(whole) is None
    assert _next(client.get("/dashboard.json")) is None
