"""`custodes vendor show NAME` on the real shared data, as a reporter types a company:
a name that is exactly one vendor's, legal form aside, is that vendor even when the
name is also part of others' ("thomson reuters" is THOMSON REUTERS CORPORATION, not
an error listing it beside THOMSON REUTERS SPECIAL SERVICES LLC); a word that is no
vendor's whole name still lists the vendors it matches."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from custodes.cli import main
from tests.conftest import API_SEARCH, BULK, need_shared

pytestmark = [pytest.mark.shared, pytest.mark.slow]


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need_shared()
    db = tmp_path_factory.mktemp("vendor_show") / "store.duckdb"
    # refresh: resolve's tables and the web app's (serve_maker_channel) alike
    for args in (["ingest", str(API_SEARCH), str(BULK)], ["refresh"]):
        done = CliRunner().invoke(main, ["--db", str(db), *args])
        assert done.exit_code == 0, done.output
    return db


def _show(db: Path, *args: str) -> tuple[int, str]:
    done = CliRunner().invoke(
        main, ["--db", str(db), "vendor", "show", *args], catch_exceptions=False
    )
    return done.exit_code, done.output


def test_a_vendors_whole_name_finds_it_among_longer_names(shared_store: Path) -> None:
    code, output = _show(shared_store, "thomson reuters", "--family", "--json")
    assert code == 0, output
    found = json.loads(output)
    assert found["vendor"]["vendor_id"] == "thomson-reuters"
    assert "thomson-reuters-special-services" in found["family_members"]
    code, output = _show(shared_store, "lexisnexis")  # the whole name of none
    assert code == 1 and "matches 2 vendors" in output, output
    assert "lexisnexis-risk-solutions" in output, output


def test_family_shows_one_family_that_several_names_match(shared_store: Path) -> None:
    """ "palantir" is PALANTIR TECHNOLOGIES INC. and its subsidiary PALANTIR USG, INC.:
    with --family that is one family, shown whole, saying which names matched;
    without it, the error says they are one family and points to --family."""
    code, output = _show(shared_store, "palantir", "--family", "--json")
    assert code == 0, output
    found = json.loads(output)
    assert found["vendor"]["vendor_id"] == "palantir-technology"
    matched = {m["vendor_id"] for m in found["matched"]}
    assert matched == {"palantir-technology", "palantir-usg"}
    assert matched <= set(found["family_members"])
    code, text = _show(shared_store, "palantir", "--family")
    assert code == 0, text
    said = " ".join(text.split())
    assert "matched 2 vendors of this family" in said and "PALANTIR USG, INC." in said
    code, output = _show(shared_store, "palantir")
    assert code == 1 and "add --family" in output, output
    # vendors of several families still get the list of matches
    code, output = _show(shared_store, "systems", "--family")
    assert code == 1 and "matches" in output and "add --family" not in output


def test_a_subsidiary_is_shown_as_one_not_as_a_reseller(shared_store: Path) -> None:
    """PALANTIR USG, INC. (curated in parents.yaml as Palantir's subsidiary) was
    listed as a reseller of Palantir Technologies; MAGNET FORENSICS USA INC as one of
    MAGNET FORENSICS, LLC (one group). A family member is a subsidiary/parent
    relation, on every surface: vendor show (text and --json) and the web app's
    channels table."""
    code, output = _show(shared_store, "palantir-technology", "--json")
    assert code == 0, output
    found = json.loads(output)
    assert "palantir-usg" not in {r["vendor_id"] for r in found["resellers"]}
    channels = found["channels"]["resellers"]
    assert "palantir-usg" not in {r["vendor_id"] for r in channels}
    assert {r["vendor_id"] for r in found["resellers"]} >= {"shine-systems"}
    subs = {s["vendor_id"]: s["reason"] for s in found["subsidiaries"]}
    assert "subsidiary" in subs["palantir-usg"]
    code, text = _show(shared_store, "palantir-technology")
    said = " ".join(text.split())
    assert "Subsidiary: PALANTIR USG, INC. (palantir-usg)" in said
    assert "│ PALANTIR USG" not in text  # no row of either resellers table
    code, output = _show(shared_store, "palantir-usg", "--json")
    assert json.loads(output)["parent"]["vendor_id"] == "palantir-technology"
    con = duckdb.connect(str(shared_store), read_only=True)
    try:
        same_family = con.execute(
            """SELECT count(*) FROM award_maker m
            JOIN vendor a ON a.vendor_id = m.maker_vendor_id
            JOIN vendor b ON b.vendor_id = m.recipient_vendor_id
            WHERE a.family_id = b.family_id"""
        ).fetchone()[0]
        web = con.execute(
            """SELECT count(*) FROM serve_maker_channel c
            JOIN vendor a ON a.vendor_id = c.owner
            JOIN vendor b ON b.vendor_id = c.vendor_id
            WHERE c.channel = 'reseller' AND a.family_id = b.family_id"""
        ).fetchone()[0]
        resold = con.execute(
            "SELECT count(*) FROM serve_maker_channel WHERE channel = 'reseller'"
        ).fetchone()[0]
    finally:
        con.close()
    assert same_family == 0 and web == 0 and resold > 0
