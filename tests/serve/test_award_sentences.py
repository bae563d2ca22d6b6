"""The award page's classification paragraph is sentences a reader can read: each
sentence after the first starts after a space ("…under this page's definition. No
person has reviewed this label yet. The label rests only on …"), on the store the
real stages write (tests/real_store.py), whose awards include labels resting on a
vendor profile alone."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
from starlette.testclient import TestClient

from custodes.serve.app import build_app
from custodes.settings import Settings

JOINED = re.compile(r"[a-z]\.[A-Z]")


def test_classification_sentences_are_separated(
    real_store_path: Path, tmp_path: Path
) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copy(real_store_path, db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        keys = [
            r[0]
            for r in con.execute(
                "SELECT award_key FROM serve_award WHERE profile_only "
                "UNION ALL (SELECT award_key FROM serve_award WHERE NOT profile_only "
                "ORDER BY award_key LIMIT 3)"
            ).fetchall()
        ]
    finally:
        con.close()
    assert keys
    with TestClient(build_app(Settings(db=db))) as client:
        for key in keys:
            html = client.get(f"/award/{key}").text
            para = re.search(r'<p class="counted">(.*?)</p>', html, re.S)
            assert para, key
            text = " ".join(para.group(1).split())
            assert "this label" in text, text
            assert not JOINED.search(text), text
