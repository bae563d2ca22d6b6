"""classify's full run matches each distinct text once (custodes/classify/pipeline.py
`build_hits`: descriptions, PSC and NAICS pairs and recipient names numbered, awards
grouped over the numbers, each distinct text built and matched once). It must find,
for every award, exactly the pieces, latest recipient and signature that matching each
award's own joined text finds (the per-award path `custodes classify --explain` keeps,
`keep_text=True`): on the fixture awards and on the shared FY2013-FY2024 data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from custodes.classify.evidence import Matcher
from custodes.classify.pipeline import build_hits
from custodes.classify.rules import FIELDS
from custodes.settings import Settings
from custodes.store.duckdb import open_store


def hits(db: Path, matcher: Matcher, keep_text: bool) -> list[tuple]:
    cols = ", ".join(f"h_{f}" for f in FIELDS)
    with open_store(Settings(db=db), write=True) as store:
        build_hits(store, matcher, keep_text=keep_text)
        return store.con.execute(
            f"SELECT award_key, latest_recipient, {cols}, sig FROM cls_hits "
            "ORDER BY award_key"
        ).fetchall()


@pytest.mark.parametrize("which", ["fixture_db", "real_db"])
def test_grouped_matching_finds_what_each_awards_own_text_finds(
    which: str, request: pytest.FixtureRequest, matcher: Matcher, tmp_path: Path
) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copy(request.getfixturevalue(which), db)
    per_award = hits(db, matcher, keep_text=True)
    grouped = hits(db, matcher, keep_text=False)
    assert len(grouped) == len(per_award) > 20
    # the comparison means something: many awards have text evidence, some several
    # distinct descriptions
    with_text = [r for r in per_award if r[2]]
    assert len(with_text) >= (5 if which == "fixture_db" else 1000), len(with_text)
    different = [(a, b) for a, b in zip(per_award, grouped, strict=True) if a != b]
    assert not different, different[:3]
