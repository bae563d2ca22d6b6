"""Contract numbers: /award/{PIID} resolves to the award (or lists the awards that
share it, or the orders under a contract vehicle), and so does `custodes analyse
award PIID`."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from click.testing import CliRunner

from custodes.cli import main
from custodes.search.numbers import normalise


def _one(client, sql: str, params: list | None = None) -> tuple:
    """One row from the store the app has open (through its connection)."""
    return _all(client, sql, params)[0]


def _all(client, sql: str, params: list | None = None) -> list[tuple]:
    con = client.app.state.reader.con.cursor()
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_a_piid_resolves_to_its_award(client):
    key, piid = _one(
        client,
        "SELECT any_value(award_key), piid FROM serve_award WHERE piid IS NOT NULL "
        "GROUP BY piid HAVING count(*) = 1 ORDER BY piid LIMIT 1",
    )
    by_key = client.get(f"/award/{key}.json").json()
    for number in (piid, piid.lower()):
        got = client.get(f"/award/{number}.json")
        assert got.status_code == 200, got.text
        assert got.json() == by_key
    html = client.get(f"/award/{piid}")
    assert html.status_code == 200 and key in html.text


def test_a_contract_vehicle_lists_its_orders(client):
    (vehicle,) = _one(
        client,
        "SELECT split_part(award_key, '_', 5) AS v FROM serve_award "
        "WHERE v NOT IN ('', '-NONE-', '-UNKNOWN-') "
        "AND v NOT IN (SELECT piid FROM serve_award WHERE piid IS NOT NULL) "
        "GROUP BY v ORDER BY count(*) DESC, v LIMIT 1",
    )
    want = {
        k
        for (k,) in _all(
            client,
            "SELECT award_key FROM serve_award WHERE award_key LIKE ?",
            [f"CONT_AWD_%_%_{vehicle}_%"],
        )
    }
    got = client.get(f"/award/{vehicle}.json")
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["data"]["kind"] == "vehicle"
    assert {r["award_key"] for r in body["tables"]["awards"]} == want
    page = client.get(f"/award/{vehicle}")
    assert "Orders under contract vehicle" in page.text


def test_an_unknown_number_is_a_404_that_points_to_search(client):
    got = client.get("/award/ZZNOTAPIID999.json")
    assert got.status_code == 404
    assert "/search?q=ZZNOTAPIID999" in got.json()["error"]["message"]


def test_analyse_award_takes_a_piid(store_path, tmp_path):
    db = tmp_path / "store.duckdb"
    shutil.copy(store_path, db)
    con = duckdb.connect(str(db), read_only=True)
    key, piid = con.execute(
        "SELECT any_value(award_key), piid FROM serve_award WHERE piid IS NOT NULL "
        "GROUP BY piid HAVING count(*) = 1 ORDER BY piid DESC LIMIT 1"
    ).fetchone()
    con.close()
    runner = CliRunner()
    by_key = runner.invoke(main, ["--db", str(db), "analyse", "award", key])
    assert by_key.exit_code == 0, by_key.output
    hyphened = f"{piid[:4]}-{piid[4:]}"
    by_piid = runner.invoke(
        main, ["--db", str(db), "analyse", "award", hyphened, "--json"]
    )
    assert by_piid.exit_code == 0, by_piid.output
    assert key in by_piid.output
    assert f"Award {key}" in by_key.output


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("HSCETC-14-C-00002", "HSCETC14C00002"),
        (" 70ctd022fr0000170 ", "70CTD022FR0000170"),
        ("70CMSD.23.FR.0000213", "70CMSD23FR0000213"),
    ],
)
def test_numbers_are_read_as_the_store_writes_piids(typed, stored):
    assert normalise(typed) == stored
