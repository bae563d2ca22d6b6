"""A vendor page names its categories as readers know them (the taxonomy's labels),
each a link to the category's page, not as ids ("data_brokers, none"); the JSON
keeps `vendor.categories` and adds `data.categories`. On the store the real stages
write (tests/real_store.py)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
from starlette.testclient import TestClient

from custodes.serve.app import build_app
from custodes.serve.pages import category_label
from custodes.settings import Settings


def test_vendor_categories_are_labelled_links(
    real_store_path: Path, tmp_path: Path
) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copy(real_store_path, db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT vendor_id, categories FROM serve_vendor_page "
            "WHERE categories LIKE '%,%' ORDER BY obligation_usd DESC LIMIT 5"
        ).fetchall()
    finally:
        con.close()
    assert rows, "the real store has vendors in several categories"
    with TestClient(build_app(Settings(db=db))) as client:
        for vendor_id, categories in rows:
            ids = [c.strip() for c in categories.split(",")]
            data = client.get(f"/vendor/{vendor_id}.json").json()["data"]
            assert data["vendor"]["categories"] == categories
            assert [c["category"] for c in data["categories"]] == ids
            html = client.get(f"/vendor/{vendor_id}").text
            cell = re.search(r'<dd id="vendor-categories">(.*?)</dd>', html, re.S)
            assert cell, vendor_id
            for c in ids:
                assert f'<a href="/category/{c}">' in cell.group(1), cell.group(1)
                label = category_label(c)
                assert label != c and label in cell.group(1), (c, cell.group(1))
                assert client.get(f"/category/{c}").status_code == 200
