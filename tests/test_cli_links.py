"""Every award the command line lists in --json links back to its source record: the
same `usaspending_url` as the web app's award page and the report (one function,
custodes.sources.record_url), in `search --json`, `vendor show --json` and `show
transaction --json`."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from starlette.testclient import TestClient

from custodes.serve.app import build_app
from custodes.settings import Settings
from tests.conftest import FIXTURES, run_custodes

API_FIXTURE = FIXTURES / "usaspending" / "api_search_small.csv"
PAGE = "https://www.usaspending.gov/award/"


def cli(db: Path, *args: str) -> str:
    return run_custodes(db, *args).stdout


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("links") / "store.duckdb"
    cli(db, "ingest", str(API_FIXTURE))
    cli(db, "refresh")
    return db


def web_links(db: Path, *award_keys: str) -> list[str]:
    """The link each award's page in the web app gives."""
    out = []
    with TestClient(build_app(Settings(db=db), cache_size=0, page_cache=0)) as client:
        for key in award_keys:
            page = client.get(f"/award/{key}.json")
            assert page.status_code == 200, page.text
            out.append(str(page.json()["data"]["usaspending_url"]))
    return out


def test_search_vendor_and_transaction_json_link_each_award(store: Path) -> None:
    found = json.loads(cli(store, "search", "clearview", "--json"))
    assert found["awards"]
    for award in found["awards"]:
        assert award["usaspending_url"] == PAGE + award["award_key"]
    first = found["awards"][0]

    shown = json.loads(cli(store, "vendor", "show", "clearview ai", "--json"))
    assert shown["awards"]
    for award in shown["awards"]:
        assert award["usaspending_url"] == PAGE + award["award_key"]

    con = duckdb.connect(str(store), read_only=True)
    try:
        key, award_key = con.execute(
            'SELECT transaction_key, award_key FROM "transaction" '
            "WHERE award_key LIKE 'CONT_%' ORDER BY transaction_key LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    row = json.loads(cli(store, "show", "transaction", key, "--json"))
    assert row["usaspending_url"] == PAGE + award_key
    text = " ".join(cli(store, "show", "transaction", key).split())
    assert f"USAspending: {PAGE}{award_key}" in text
    # the web app's award pages give the same links
    assert web_links(store, first["award_key"], award_key) == [
        first["usaspending_url"],
        row["usaspending_url"],
    ]
