"""`custodes resolve`, `vendor show/list` and `eval resolve` on the real shared data."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from custodes.cli import main
from tests.conftest import API_SEARCH, BULK, need_shared
from tests.conftest import store_rows as q


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    need_shared()
    db = tmp_path_factory.mktemp("resolve") / "store.duckdb"
    runner = CliRunner()
    for args in (["ingest", str(API_SEARCH), str(BULK)], ["resolve", "--json"]):
        result = runner.invoke(main, ["--db", str(db), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return db


def run(db: Path, *args: str, code: int = 0):
    result = CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def vendor_of(db: Path, name: str) -> str:
    rows = q(
        db,
        f"SELECT DISTINCT vendor_id FROM vendor_alias WHERE recipient_name = '{name}'",
    )
    assert len(rows) == 1, (name, rows)
    return rows[0][0]


@pytest.mark.shared
def test_every_transaction_has_exactly_one_vendor(store):
    ((txns,),) = q(store, 'SELECT count(*) FROM "transaction"')
    ((linked, distinct),) = q(
        store,
        "SELECT count(*), count(DISTINCT transaction_key) FROM transaction_vendor",
    )
    assert linked == distinct == txns


@pytest.mark.shared
def test_paragon_family_are_four_vendors(store):
    names = [
        "PARAGON SYSTEMS INC",
        "PARAGON PROFESSIONAL SERVICES LLC",
        "PARAGON SOLUTIONS (US) INC",
        "PARAGON MICRO INC",
    ]
    assert len({vendor_of(store, n) for n in names}) == 4


@pytest.mark.shared
def test_families_put_lexisnexis_under_relx_and_bi_under_geo(store):
    relx = vendor_of(store, "RELX INC.")
    assert vendor_of(store, "REED ELSEVIER, INC.") == relx
    for child in ("LEXISNEXIS SPECIAL SERVICES INC", "LEXISNEXIS RISK SOLUTIONS INC"):
        vid = vendor_of(store, child)
        assert vid != relx
        ((fam,),) = q(store, f"SELECT family_id FROM vendor WHERE vendor_id = '{vid}'")
        assert fam == relx or q(
            store,
            f"SELECT 1 FROM vendor WHERE vendor_id='{relx}' AND family_id='{fam}'",
        )
    geo = vendor_of(store, "THE GEO GROUP, INC.")
    ((parent,),) = q(
        store,
        f"SELECT parent_id FROM vendor WHERE vendor_id = "
        f"'{vendor_of(store, 'B.I. INCORPORATED')}'",
    )
    assert parent == geo


@pytest.mark.shared
def test_makers_recorded_for_reseller_awards(store):
    rows = q(
        store,
        "SELECT award_key, matched, evidence FROM award_maker "
        "WHERE product_id = 'cellebrite'",
    )
    keys = {r[0] for r in rows}
    assert any("70B06C21F00001052" in k for k in keys)  # via CARAHSOFT
    assert all(r[1] in r[2] and r[1] in ("CELLEBRITE", "UFED") for r in rows)
    ((direct,),) = q(
        store,
        "SELECT count(*) FROM award_maker am JOIN vendor v "
        "ON v.vendor_id = am.recipient_vendor_id "
        "WHERE am.product_id = 'cellebrite' AND v.name LIKE 'CELLEBRITE%'",
    )
    assert direct == 0, "a maker is never recorded as distinct from itself"
    babel = q(
        store, "SELECT award_key FROM award_maker WHERE product_id = 'babel_street'"
    )
    assert any("70B03C21F00001121" in r[0] for r in babel)
    kharon = q(
        store,
        "SELECT product_id FROM award_maker WHERE award_key LIKE '%70B06C23P00000649%'",
    )
    assert ("clearview_ai",) not in kharon


@pytest.mark.shared
def test_vendor_show_explains_aliases_and_resellers(store):
    data = json.loads(run(store, "vendor", "show", "CELLEBRITE INC", "--json").output)
    methods = {a["recipient_name"]: a["method"] for a in data["aliases"]}
    assert methods["CELLEBRITE USA CORP"] == "identifier"
    resellers = {r["name"] for r in data["resellers"]}
    assert "CARAHSOFT TECHNOLOGY CORP" in resellers
    assert data["totals"]["awards"] == len(data["awards"]) > 0
    family = json.loads(
        run(store, "vendor", "show", "RELX INC.", "--family", "--json").output
    )
    alone = json.loads(run(store, "vendor", "show", "RELX INC.", "--json").output)
    assert float(family["totals"]["obligation_usd"]) > float(
        alone["totals"]["obligation_usd"]
    )
    assert (
        "LEXISNEXIS RISK SOLUTIONS"
        in run(store, "vendor", "show", "lexisnexis risk").output
    )
    run(store, "vendor", "show", "PARAGON", code=1)  # ambiguous: names the four vendors
    run(store, "vendor", "show", "NO SUCH VENDOR XYZ", code=1)


@pytest.mark.shared
def test_vendor_list_and_rerun_is_stable(store):
    rows = json.loads(run(store, "vendor", "list", "--limit", "5", "--json").output)
    assert len(rows) == 5
    assert Decimal(rows[0]["obligation_usd"]) >= Decimal(rows[-1]["obligation_usd"])
    before = q(store, "SELECT vendor_id, recipient_name FROM vendor_alias ORDER BY ALL")
    run(store, "resolve", "--json")
    assert (
        q(store, "SELECT vendor_id, recipient_name FROM vendor_alias ORDER BY ALL")
        == before
    )


@pytest.mark.shared
@pytest.mark.slow
def test_eval_meets_targets_on_labelled_pairs(store):
    data = json.loads(run(store, "eval", "resolve", "--json").output)
    labelled = next(s for s in data["scores"] if s["reference"] == "labelled_pairs.csv")
    assert labelled["pairs"] >= 200
    assert labelled["precision"] >= 0.98 and labelled["recall"] >= 0.90


def test_vendor_show_without_resolve_says_what_to_do(tmp_path):
    db = tmp_path / "s.duckdb"
    duckdb.connect(str(db)).close()
    result = CliRunner().invoke(main, ["--db", str(db), "vendor", "list"])
    assert result.exit_code == 1 and "custodes resolve" in result.output


@pytest.mark.shared
def test_judgements_apply_in_the_store_and_suggestions_list_candidates(store):
    assert vendor_of(store, "CORRECTIONS CORPORATION OF AMERICA") == vendor_of(
        store, "CORECIVIC, INC."
    )
    ((method,),) = q(
        store,
        "SELECT DISTINCT method FROM vendor_alias "
        "WHERE recipient_name = 'CORRECTIONS CORPORATION OF AMERICA'",
    )
    assert method == "judgement"
    assert vendor_of(store, "UNITED PARCEL SERVICE CO.") != vendor_of(
        store, "UNITED PARCEL SERVICE INCORPORATED (OH) (2075)"
    )
    rows = json.loads(
        run(store, "vendor", "suggest", "--limit", "500", "--json").output
    )
    pairs = {frozenset((r["name_a"], r["name_b"])) for r in rows}
    assert frozenset(("VF IMAGEWEAR, INC.", "WORKWEAR OUTFITTERS, LLC")) in pairs
    assert all(r["vendor_a"] != r["vendor_b"] for r in rows)


@pytest.mark.shared
def test_maker_only_vendor_lists_its_resellers(store):
    data = json.loads(run(store, "vendor", "show", "fivecast", "--json").output)
    assert data["vendor"]["kind"] == "maker" and data["awards"] == []
    assert "PANAMERICA COMPUTERS, INC." in {r["name"] for r in data["resellers"]}


@pytest.mark.shared
@pytest.mark.slow
def test_eval_meets_targets_on_corrected_clean_names(store):
    data = json.loads(run(store, "eval", "resolve", "--json").output)
    corrected = next(
        s for s in data["scores"] if s["reference"].endswith("+ corrections")
    )
    assert corrected["precision"] >= 0.98 and corrected["recall"] >= 0.90


@pytest.mark.shared
def test_failed_resolve_keeps_the_previous_tables(store, monkeypatch):
    con = duckdb.connect(str(store))
    con.execute(
        "INSERT INTO vendor (vendor_id, name, family_id, kind) "
        "VALUES ('zz-marker', 'MARKER', 'zz-marker', 'recipient')"
    )
    con.close()

    def boom(*args, **kwargs):
        raise RuntimeError("simulated failure while attributing makers")

    monkeypatch.setattr("custodes.resolve.makers.attribute", boom)
    result = CliRunner().invoke(main, ["--db", str(store), "resolve"])
    assert result.exit_code != 0
    # CREATE OR REPLACE of vendor ran before the failure; the rollback must undo it
    assert q(store, "SELECT name FROM vendor WHERE vendor_id = 'zz-marker'") == [
        ("MARKER",)
    ]
    monkeypatch.undo()
    run(store, "resolve", "--json")
    assert q(store, "SELECT name FROM vendor WHERE vendor_id = 'zz-marker'") == []
