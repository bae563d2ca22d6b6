"""The award page shows a vendor profile as what it is: weaker evidence, with the
product line it rests on and the profile's sources (issue 15 item 3)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from custodes.serve.app import build_app
from custodes.settings import Settings
from tests.classify.conftest import HERE, run

CSV = HERE / "fixtures" / "components.csv"
THIN = "CONT_AWD_70B02C25F99000009_7014_70B02C23D99000026_7014"  # thin text, profile
WALL = "CONT_AWD_70B01C25F99000001_7014_70B01C24D99000001_7014"  # text decides


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("evidence") / "store.duckdb"
    run(db, "ingest", str(CSV))
    run(db, "classify")
    run(db, "figures", "build", "--only", "serve")
    with TestClient(build_app(Settings(db=db), page_cache=0)) as c:
        yield c
    shutil.rmtree(Path(db).parent, ignore_errors=True)


def test_a_profile_is_shown_as_weaker_evidence_with_its_line_and_sources(client):
    view = client.get(f"/award/{THIN}.json").json()
    rows = view["tables"]["evidence"]
    profile = [r for r in rows if r["signal"] == "profile"]
    assert profile, rows
    assert all(r["strength"].startswith("weaker") for r in profile)
    assert all(r["line"] and r["sources"].startswith("https://") for r in profile)
    assert all(r["category"] and r["weight"] for r in profile)
    page = client.get(f"/award/{THIN}").text
    assert "Vendor profile: what it sells" in page
    assert profile[0]["line"].split()[0] in page


def test_text_evidence_is_not_marked_weaker(client):
    rows = client.get(f"/award/{WALL}.json").json()["tables"]["evidence"]
    assert rows and not any(r["strength"] for r in rows if r["signal"] != "profile")


def test_pages_name_a_local_source_file_without_the_servers_folders(client):
    """Issue 19 item 6: a page says which file a transaction came from, never where
    on the server the operator keeps it."""
    folder = str(CSV.parent)
    view = client.get(f"/award/{WALL}.json").json()
    named = {t["source_file"] for t in view["tables"]["transactions"]}
    assert named == {CSV.name}
    for answer in (
        client.get(f"/award/{WALL}").text,
        client.get(f"/award/{WALL}.json").text,
        client.get(f"/award/{WALL}.csv", params={"table": "transactions"}).text,
    ):
        assert CSV.name in answer and folder not in answer
