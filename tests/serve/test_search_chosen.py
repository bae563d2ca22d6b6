"""The search page's active filters name what was chosen as the facets do (the agency,
category and vendor by name, with the id kept beside it), not only by code
("agency = 7012"). On the store the real stages write (tests/real_store.py)."""

from __future__ import annotations

import re


def test_active_filters_are_named(real_web) -> None:
    params = {"q": "palantir", "agency": "ICE", "category": "case_management_analytics"}
    data = real_web.get("/search.json", params=params).json()["data"]
    html = real_web.get("/search", params=params).text
    labels = {k: {f["value"]: f["label"] for f in v} for k, v in data["facets"].items()}
    chosen = re.search(r'<ul class="chosen"[^>]*>(.*?)</ul>', html, re.S)
    assert chosen, html
    items = [
        " ".join(re.sub(r"<[^>]+>", " ", li).split())
        for li in re.findall(r"<li>(.*?)</li>", chosen.group(1), re.S)
    ]
    agency = labels["agency"]["7012"]
    category = labels["category"]["case_management_analytics"]
    assert any(i.startswith(f"agency = {agency} (7012)") for i in items), items
    assert any(
        i.startswith(f"category = {category} (case_management_analytics)")
        for i in items
    ), items
