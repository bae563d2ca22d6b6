"""An export of one page of a paged table says where the next page is: the .csv and
.json answers carry `Link: <…page=N+1>; rel="next"` (RFC 8288) while pages remain, so
a download of a vendor's awards (25 a page) is not silently the first 25. Following the
links gives every award once. On the store the real stages write
(tests/real_store.py)."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import duckdb
from starlette.testclient import TestClient

from custodes.serve.app import build_app
from custodes.settings import Settings

NEXT = re.compile(r'<([^>]+)>; rel="next"')


def _next(response) -> str | None:  # type: ignore[no-untyped-def]
    found = NEXT.search(response.headers.get("link", ""))
    return found.group(1) if found else None


def test_following_next_links_exports_every_award(
    real_store_path: Path, tmp_path: Path
) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copy(real_store_path, db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        vendor_id, awards = con.execute(
            "SELECT vendor_id, awards FROM serve_vendor WHERE awards >= 3 "
            "ORDER BY awards DESC, vendor_id LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    with TestClient(build_app(Settings(db=db))) as client:
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
