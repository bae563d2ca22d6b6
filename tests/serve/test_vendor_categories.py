"""A vendor page names its categories as readers know them (the taxonomy's labels),
each a link to the category's page, not as ids ("data_brokers, none"); the JSON
keeps `vendor.categories` and adds `data.categories`. On the store the real stages
write (tests/real_store.py)."""

from __future__ import annotations

import re

from custodes.serve.pages import category_label
from tests.serve.conftest import app_rows


def test_vendor_categories_are_labelled_links(real_web) -> None:
    rows = app_rows(
        real_web,
        "SELECT vendor_id, categories FROM serve_vendor_page "
        "WHERE categories LIKE '%,%' ORDER BY obligation_usd DESC LIMIT 5",
    )
    assert rows, "the real store has vendors in several categories"
    for row in rows:
        vendor_id, categories = row["vendor_id"], row["categories"]
        ids = [c.strip() for c in categories.split(",")]
        data = real_web.get(f"/vendor/{vendor_id}.json").json()["data"]
        assert data["vendor"]["categories"] == categories
        assert [c["category"] for c in data["categories"]] == ids
        html = real_web.get(f"/vendor/{vendor_id}").text
        cell = re.search(r'<dd id="vendor-categories">(.*?)</dd>', html, re.S)
        assert cell, vendor_id
        for c in ids:
            assert f'<a href="/category/{c}">' in cell.group(1), cell.group(1)
            label = category_label(c)
            assert label != c and label in cell.group(1), (c, cell.group(1))
            assert real_web.get(f"/category/{c}").status_code == 200
