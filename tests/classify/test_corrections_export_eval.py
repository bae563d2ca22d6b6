"""Overrides, export, explain, evaluation and the atomic rewrite of the tables."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from custodes.classify import pipeline
from custodes.classify.evaluate import score
from custodes.classify.export import neutralise
from custodes.classify.rules import load_rules
from custodes.classify.taxonomy import load_taxonomy
from custodes.errors import BackendError
from custodes.settings import Settings
from custodes.store.duckdb import open_store
from tests.classify.conftest import run

PARAGON = "CONT_AWD_70CTD024P00000012_7012_-NONE-_-NONE-"
EQUIFAX = "CONT_AWD_70CMSD20P00000187_7012_-NONE-_-NONE-"


@pytest.fixture
def own_db(fixture_db, tmp_path) -> Path:
    db = tmp_path / "copy.duckdb"
    shutil.copy(fixture_db, db)
    return db


def test_override_wins_survives_reruns_and_is_counted(own_db, tmp_path):
    ov = tmp_path / "overrides.csv"
    ov.write_text(
        "award,label,reason\n"
        f"{EQUIFAX},data_brokers,test: pretend the reports were investigative\n"
        "CONT_AWD_NOT_IN_STORE,none,test\n"
    )
    for _ in range(2):
        out = json.loads(
            run(own_db, "classify", "--overrides", str(ov), "--json").output
        )
        assert out["overrides_applied"] == 1
        assert out["overrides_not_in_store"] == ["CONT_AWD_NOT_IN_STORE"]
    with duckdb.connect(str(own_db), read_only=True) as con:
        row = con.execute(
            "SELECT category, method, rules_category, evidence FROM classification "
            "WHERE award_key = ?",
            [EQUIFAX],
        ).fetchone()
        logged = con.execute(
            "SELECT overrides_applied FROM classification_run"
        ).fetchall()
    assert row[:3] == ("data_brokers", "override", "none")
    assert json.loads(row[3])[0]["signal"] == "override"
    assert [r[0] for r in logged][-2:] == [1, 1]


def test_override_with_unknown_label_is_refused(own_db, tmp_path):
    ov = tmp_path / "overrides.csv"
    ov.write_text(f"award,label,reason\n{EQUIFAX},spying,because\n")
    result = run(own_db, "classify", "--overrides", str(ov), expect=1)
    assert "not a taxonomy category" in result.output


def test_export_has_the_columns_and_neutralises_formulas(fixture_db, tmp_path):
    out = tmp_path / "export.csv"
    run(fixture_db, "classify", "--export", str(out))
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        "generated_award_id",
        "category",
        "confidence",
        "recipient",
        "maker",
        "evidence",
        "component_category",
        "component_evidence",
        "profile_only",
        "conflict",
        "usaspending_url",
    ]
    evil = [r for r in rows if "HYPERLINK" in r["recipient"]][0]
    assert evil["recipient"].startswith("'=")
    with duckdb.connect(str(fixture_db), read_only=True) as con:
        stored = con.execute(
            "SELECT recipient FROM classification WHERE recipient LIKE '%HYPERLINK%'"
        ).fetchone()[0]
    assert evil["recipient"][1:] == stored  # faithful: one apostrophe, nothing else
    assert all(json.loads(r["evidence"]) is not None for r in rows)


def test_neutralise_leaves_safe_values_alone():
    assert neutralise("ACME LLC") == "ACME LLC"
    assert neutralise(0.8) == 0.8
    assert neutralise("-NONE-") == "'-NONE-"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"


def test_explain_shows_rules_scores_and_stored_row(fixture_db):
    e = json.loads(run(fixture_db, "classify", "--explain", PARAGON, "--json").output)
    assert e["rules"]["category"] == "phone_forensics_spyware"
    assert e["stored"]["category"] == "phone_forensics_spyware"
    assert e["scores"]["phone_forensics_spyware"] >= e["threshold"]
    assert any(i["signal"] == "maker" for i in e["rules"]["evidence"])


def test_explain_unknown_award(fixture_db):
    assert (
        "No award" in run(fixture_db, "classify", "--explain", "NOPE", expect=1).output
    )


def test_eval_skips_unclear_and_reports_missing(fixture_db, tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "generated_award_id,label,note\n"
        "CONT_AWD_70CMSD21P00000127_7012_-NONE-_-NONE-,face_recognition,x\n"
        "CONT_AWD_70B06C23P00000649_7014_-NONE-_-NONE-,none,x\n"
        f"{EQUIFAX},data_brokers,deliberately wrong\n"
        f"{PARAGON},unclear,x\n"
        "CONT_AWD_MISSING_7012_-NONE-_-NONE-,none,x\n"
    )
    r = json.loads(run(fixture_db, "eval", "classify", str(labels), "--json").output)
    assert r["scored"] == 3 and r["unclear_skipped"] == 1
    assert r["not_in_store"] == ["CONT_AWD_MISSING_7012_-NONE-_-NONE-"]
    assert r["per_category"]["data_brokers"]["recall"] == 0.0
    assert r["confusion"]["data_brokers"] == {"none": 1}
    assert r["binary"] == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": 0.6667,
        "support": 2,
        "predicted": 1,
    }
    table = run(fixture_db, "eval", "classify", str(labels)).output
    assert "Binary surveillance vs none" in table and "Confusion" in table


def test_eval_refuses_unknown_labels(fixture_db, tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text("generated_award_id,label\nX,spyware\n")
    assert (
        "not in the taxonomy"
        in run(fixture_db, "eval", "classify", str(labels), expect=1).output
    )


def test_score_by_hand():
    tax = load_taxonomy()
    pairs = [
        ("biometrics", "biometrics"),
        ("biometrics", "none"),
        ("none", "biometrics"),
        ("none", "none"),
        ("data_brokers", "biometrics"),
    ]
    s = score(pairs, tax)
    bio = s["per_category"]["biometrics"]
    assert (bio["precision"], bio["recall"]) == (round(1 / 3, 4), 0.5)
    assert s["binary"]["precision"] == round(2 / 3, 4) and s["binary"][
        "recall"
    ] == round(2 / 3, 4)
    assert s["macro_over"] == ["biometrics", "data_brokers"]
    assert s["macro_f1"] == round((0.4 + 0.0) / 2, 4)


def test_failed_write_keeps_the_previous_classification(own_db, monkeypatch):
    with duckdb.connect(str(own_db), read_only=True) as con:
        before = con.execute(
            "SELECT count(*), count(DISTINCT category) FROM classification"
        ).fetchone()
    monkeypatch.setattr(pipeline, "_select_sql", lambda *_a: "SELECT no_such_column")
    tax = load_taxonomy()
    with (
        open_store(Settings(db=own_db), write=True) as store,
        pytest.raises(BackendError),
    ):
        pipeline.classify_store(store, tax, load_rules(tax), [])
    with duckdb.connect(str(own_db), read_only=True) as con:
        after = con.execute(
            "SELECT count(*), count(DISTINCT category) FROM classification"
        ).fetchone()
    assert after == before


def test_award_maker_table_is_used_when_present(own_db):
    with duckdb.connect(str(own_db)) as con:
        con.execute(
            "CREATE TABLE award_maker (award_key VARCHAR, maker VARCHAR, "
            "maker_vendor_id VARCHAR, product_id VARCHAR, evidence VARCHAR)"
        )
        con.execute(
            "INSERT INTO award_maker VALUES (?, 'Resolved Maker', NULL, 'x', 'x')",
            [EQUIFAX],
        )
    run(own_db, "classify")
    with duckdb.connect(str(own_db), read_only=True) as con:
        assert (
            con.execute(
                "SELECT maker FROM classification WHERE award_key = ?", [EQUIFAX]
            ).fetchone()[0]
            == "Resolved Maker"
        )


def test_classify_an_empty_store_says_what_to_do(tmp_path):
    out = run(tmp_path / "empty.duckdb", "classify", expect=1).output
    assert "custodes ingest" in out
