"""`custodes search` answers as the web app's /search.json does (the same engine)."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from custodes.cli import main
from custodes.serve.app import build_app
from custodes.settings import Settings


def _cli(db, *args: str, expect: int = 0) -> str:
    result = CliRunner().invoke(main, ["--db", str(db), "search", *args])
    assert result.exit_code == expect, result.output
    return result.output


@pytest.fixture(scope="module")
def own_store(store_path, tmp_path_factory) -> object:
    """A copy of the fixture store: other tests' app holds the original open, and a
    second connection to it in this process would need the same configuration."""
    db = tmp_path_factory.mktemp("command") / "store.duckdb"
    shutil.copy(store_path, db)
    return db


@pytest.fixture(scope="module")
def words(own_store) -> list[str]:
    con = duckdb.connect(str(own_store), read_only=True)
    try:
        found = con.execute(
            "SELECT token FROM serve_word WHERE length(token) >= 4 GROUP BY token "
            "ORDER BY count(*) DESC, token LIMIT 40"
        ).fetchall()
    finally:
        con.close()
    return [w for (w,) in found[::4]]


def test_search_json_equals_the_api(own_store, tmp_path, words):
    db = tmp_path / "store.duckdb"
    shutil.copy(own_store, db)
    app = build_app(Settings(db=db), cache_size=0, page_cache=0)
    asked = []
    with TestClient(app, raise_server_exceptions=False) as client:
        for word in [*words, f"{words[0]} {words[1]}"]:
            for cli_args, params in (
                ([], {}),
                (["--agency", "ICE"], {"agency": "ICE"}),
                (["--fy", "2022", "--size", "5", "--page", "2"],
                 {"fy": 2022, "size": 5, "page": 2}),
            ):  # fmt: skip
                api = client.get("/search.json", params={"q": word, **params}).json()
                asked.append(([*word.split(), *cli_args, "--json"], api))
    app.state.reader.close()  # the command opens the store itself
    compared = 0
    for args, api in asked:
        got = json.loads(_cli(db, *args))
        assert got["total"] == api["data"]["total"], args
        assert got["facets"] == api["data"]["facets"], args
        keys = [a["award_key"] for a in got["awards"]]
        assert keys == [a["award_key"] for a in api["tables"]["awards"]], args
        assert got["vendors"] == api["tables"]["vendors"], args
        compared += got["total"] > 0
    assert compared >= 10


def test_search_prints_a_table_with_the_total(own_store, words):
    out = _cli(own_store, words[0], "--size", "3")
    assert "awards for" in out and "obligated in all" in out
    assert "PIID" in out


def test_search_without_the_search_tables_says_how_to_build_them(
    bare_store_path, tmp_path
):
    db = tmp_path / "bare.duckdb"
    shutil.copy(bare_store_path, db)
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE IF EXISTS serve_award")
    con.close()
    out = _cli(db, "anything", expect=1)
    assert "custodes serve --prepare" in out


def test_search_rejects_bad_filters_with_the_reason(own_store):
    out = _cli(own_store, "x", "--agency", "FBI", expect=1)
    assert "agency" in out
    out = _cli(own_store, *[f"w{i}" for i in range(9)], expect=1)
    assert "at most 8 words" in out


def test_no_store_is_a_clear_error(tmp_path):
    out = _cli(tmp_path / "missing.duckdb", "x", expect=1)
    assert "custodes ingest" in out


def test_search_reads_at_80_columns(own_store, words):
    """At 80 columns each award's PIID, agency, first action date and obligations
    stand whole on its first line, and its category on the next; the seven-column
    table cut PIIDs, dates and dollar figures in two ("$2,380,3" / "15.44")."""
    from decimal import Decimal

    result = CliRunner().invoke(
        main, ["--db", str(own_store), "search", words[0], "--size", "10"],
        env={"COLUMNS": "80"},
    )  # fmt: skip
    out = result.output
    found = json.loads(_cli(own_store, words[0], "--size", "10", "--json"))
    awards = found["awards"]
    assert awards
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines), out
    for a in awards:
        usd = Decimal(a["obligation_usd"])
        money = f"-${-usd:,.2f}" if usd < 0 else f"${usd:,.2f}"
        at = next(
            i for i, line in enumerate(lines)
            if line.split()[:1] == [a["piid"] or a["award_key"]]
        )  # fmt: skip
        assert str(a["first_action_date"]) in lines[at].split(), lines[at]
        assert money in lines[at].split(), lines[at]
        assert any(line.startswith(f"  {a['category_label']}") for line in lines[at:])
