"""The web app's promises that docs/security.md lists and no other test covers: the
security headers on every kind of answer (errors, static files, JSON, CSV, the OpenAPI
document, HEAD), and a store the app cannot change (its connection refuses writes; the
file is byte for byte the same after every page has been asked for)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest
from starlette.testclient import TestClient

from custodes.serve.app import build_app
from custodes.serve.security import HEADERS
from custodes.settings import Settings
from tests.serve.test_app import CLEARVIEW, PAGES

ANSWERS = [
    ("GET", "/", 200),
    ("HEAD", "/", 200),
    ("GET", "/dashboard.json", 200),
    ("GET", "/search.csv?q=clearview", 200),
    ("GET", f"/award/{CLEARVIEW}.json", 200),
    ("GET", "/openapi.json", 200),
    ("GET", "/static/custodes.css", 200),
    ("GET", "/static/favicon.svg", 200),
    ("GET", "/static/nothing.js", 404),
    ("GET", "/nothing-here", 404),
    ("GET", "/award/CONT_AWD_NOPE.json", 404),
    ("GET", "/search.json?size=101", 400),
    ("GET", "/search?q=" + "x" * 201, 400),
    ("POST", "/search.json", 405),
    ("PUT", "/", 405),
    ("DELETE", f"/award/{CLEARVIEW}", 405),
]


@pytest.mark.parametrize(("method", "path", "status"), ANSWERS)
def test_security_headers_on_every_kind_of_answer(client, method, path, status):
    r = client.request(method, path)
    assert r.status_code == status, (path, r.text[:200])
    for name, value in HEADERS.items():
        assert r.headers.get(name) == value, (method, path, name)
    # one of each header, not the app's and another's side by side
    assert len(r.headers.get_list("content-security-policy")) == 1


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_app_cannot_change_the_store(store_path, tmp_path):
    db = tmp_path / "store.duckdb"
    shutil.copy(store_path, db)
    before = _sha256(db)
    with TestClient(build_app(Settings(db=db)), raise_server_exceptions=False) as c:
        for path in PAGES:
            for suffix in ("", ".json") if "?" not in path and path != "/" else ("",):
                assert c.get(path + suffix).status_code in (200, 404), path
        assert c.get("/search.csv", params={"q": "'; DROP TABLE x; --"}).is_success
        con = c.app.state.reader.con
        for sql in (
            "CREATE TABLE intruder (i INTEGER)",
            'DELETE FROM "transaction"',
            "UPDATE serve_award SET award_key = 'x'",
        ):
            with pytest.raises(duckdb.Error, match="read-only"):
                con.execute(sql)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.duckdb"]  # no WAL
    assert _sha256(db) == before


def test_docs_security_names_tests_that_exist():
    """docs/security.md says which test shows each promise: every file and test it
    names exists (a renamed or deleted test breaks the page, not silently)."""
    import re

    from tests.conftest import ROOT

    text = (ROOT / "docs" / "security.md").read_text()
    files = set(re.findall(r"`(tests/[\w/]+\.py)", text))
    assert files
    for f in files:
        assert (ROOT / f).is_file(), f
    defined = {
        name
        for path in (ROOT / "tests").rglob("*.py")
        for name in re.findall(r"^def (test_\w+)", path.read_text(), re.M)
    }
    named = set(re.findall(r"\b(test_\w+)\b", text)) - {"test_hardening"}
    named -= {Path(f).stem for f in files}
    missing = sorted(named - defined)
    assert not missing, missing
