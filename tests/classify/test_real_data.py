"""On the shared FY2021-FY2024 data: the labelled sets and the README's traps."""

from __future__ import annotations

import json

import duckdb
import pytest

from custodes.classify.taxonomy import data_path
from tests.classify.conftest import run

pytestmark = [pytest.mark.shared, pytest.mark.slow]

LABELS = data_path("taxonomy.yaml").parents[1] / "labels"


def test_labelled_set_is_big_enough_and_split():
    rows = (LABELS / "classify_labels.csv").read_text().splitlines()[1:]
    splits = {r.split(",")[-1] for r in rows}
    assert len(rows) >= 300 and splits == {"tune", "holdout"}


@pytest.mark.parametrize(
    "split", ["holdout", "unseen", "unseen2", "unseen3", "unseen4"]
)
def test_rules_do_not_regress_on_the_labelled_sets(real_db, split):
    """A regression guard at the issue's targets. The unseen sets were honest tests only
    for the rules version frozen before each was labelled (docs/classify.md); later
    versions were tuned on them, so passing here says nothing about new awards."""
    r = json.loads(
        run(
            real_db, "eval", "classify", str(LABELS / f"classify_{split}.csv"), "--json"
        ).output
    )
    assert r["not_in_store"] == []
    assert r["binary"]["f1"] >= 0.92, r["binary"]
    assert r["macro_f1"] >= 0.80, r["macro_f1"]


def test_readme_traps_on_real_awards(real_db):
    run(real_db, "classify")
    with duckdb.connect(str(real_db), read_only=True) as con:
        got = dict(
            con.execute("""SELECT t.piid, c.category FROM classification c
                JOIN "transaction" t USING (award_key)
                WHERE t.piid IN ('70CMSD21P00000127', '70B06C23P00000649',
                     '70B04C24F00000733', '70CMSD23FR0000213')""").fetchall()
        )
        evigilant = con.execute("""SELECT DISTINCT c.category FROM classification c
            JOIN "transaction" t USING (award_key)
            WHERE t.recipient_name LIKE 'EVIGILANT%'""").fetchall()
    assert got == {
        "70CMSD21P00000127": "face_recognition",  # Clearview AI
        "70B06C23P00000649": "none",  # Kharon's ClearView
        "70B04C24F00000733": "none",  # Paragon Micro: Qlik Sense
        "70CMSD23FR0000213": "phone_forensics_spyware",
    }  # GrayShift via PanAmerica
    assert evigilant == [("none",)]


def test_curated_override_applies_on_real_data(real_db):
    out = json.loads(run(real_db, "classify", "--json").output)
    assert out["overrides_applied"] >= 1
    with duckdb.connect(str(real_db), read_only=True) as con:
        row = con.execute(
            "SELECT category, method, rules_category, component_category "
            "FROM classification "
            "WHERE award_key = 'CONT_AWD_70CTD021FR0000053_7012_70RTAC21D00000001_7001'"
        ).fetchone()
    # since rules 1.10 the rules agree with the override: the one $297 camera line of a
    # $70M phone-services order is a small part of a larger purchase (minor share)
    assert row == ("none", "override", "none", "video_sensor_surveillance")


def _census_at_targets(real_db, name: str, awards: int) -> dict:
    """`eval classify` on a census half: every award scored, at the issue's targets."""
    r = json.loads(
        run(real_db, "eval", "classify", str(LABELS / name), "--json").output
    )
    m = r["materiality"]
    assert r["not_in_store"] == [] and m["awards"] == r["scored"] == awards
    assert m["binary"]["precision_usd"] >= 0.97, m["largest_errors"]
    assert m["binary"]["recall_usd"] >= 0.93, m["largest_errors"]
    assert r["binary"]["f1"] >= 0.93 and r["macro_f1"] >= 0.85
    return r


def test_census_of_material_awards_by_dollars(real_db):
    """A regression guard at the issue's targets on the census tune half (every award
    of at least $10M). The rules were tuned on it (docs/classify.md), so this says the
    dollars stay right on it, not how the rules do on awards they have never seen."""
    r = _census_at_targets(real_db, "classify_census_tune.csv", 255)
    assert r["components"]["labelled"] == 6


def test_census_holdout_half_by_dollars(real_db):
    """The census holdout half scored rules 2.0 once (docs/classify.md: recall by
    dollars 0.907, binary F1 0.862); rules 2.1 were tuned on its errors, so this is a
    regression guard at the issue's targets, not a measure on unseen awards. The three
    analytical-staffing awards this project reads as `none` stay errors here."""
    r = _census_at_targets(real_db, "classify_census_holdout.csv", 232)
    errors = r["materiality"]["largest_errors"]
    assert {e["kind"] for e in errors} <= {"false_negative"}
