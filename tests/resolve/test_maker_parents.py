"""A curated parent (custodes/data/vendors/parents.yaml) also applies to a maker that
is paid under no name of its own and exists only through the gazetteer: BlackBag
Technologies, bought by Cellebrite, is in Cellebrite's corporate family, so that
`vendor show cellebrite --family` counts what resellers sold of BlackLight."""

from __future__ import annotations

from custodes.resolve.apply import compute
from custodes.resolve.build import DEFAULT_MATCHER
from custodes.resolve.families import load_parents


def test_a_maker_without_recipient_names_gets_its_curated_parent() -> None:
    done = compute([], DEFAULT_MATCHER)
    vendors = {r["vendor_id"]: r for r in done.vendor.to_pylist()}
    blackbag = vendors[done.maker_vendor["blackbag_blacklight"]]
    cellebrite = done.maker_vendor["cellebrite"]
    assert blackbag["kind"] == "maker"
    assert blackbag["parent_id"] == cellebrite
    assert blackbag["family_id"] == vendors[cellebrite]["family_id"]
    assert "acquired by Cellebrite" in blackbag["parent_reason"]
    # every curated link is counted once, however many passes applied it
    assert done.summary.parents_curated <= len(load_parents())
