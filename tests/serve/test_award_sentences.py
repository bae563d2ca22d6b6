"""The award page's classification paragraph is sentences a reader can read: each
sentence after the first starts after a space ("…under this page's definition. No
person has reviewed this label yet. The label rests only on …"), on the store the
real stages write (tests/real_store.py), whose awards include labels resting on a
vendor profile alone."""

from __future__ import annotations

import re

from tests.serve.conftest import app_rows

JOINED = re.compile(r"[a-z]\.[A-Z]")


def test_classification_sentences_are_separated(real_web) -> None:
    keys = [
        r["award_key"]
        for r in app_rows(
            real_web,
            "SELECT award_key FROM serve_award WHERE profile_only "
            "UNION ALL (SELECT award_key FROM serve_award WHERE NOT profile_only "
            "ORDER BY award_key LIMIT 3)",
        )
    ]
    assert keys
    for key in keys:
        html = real_web.get(f"/award/{key}").text
        para = re.search(r'<p class="counted">(.*?)</p>', html, re.S)
        assert para, key
        text = " ".join(para.group(1).split())
        assert "this label" in text, text
        assert not JOINED.search(text), text
