"""Dollar-weighted evaluation: hand-computed small cases."""

from __future__ import annotations

import pytest

from custodes.classify.materiality import Scored, components_agreement, materiality
from custodes.classify.taxonomy import load_taxonomy

M = 1_000_000.0
VSS, CMA, DB = "video_sensor_surveillance", "case_management_analytics", "data_brokers"

CASE = [
    Scored("A", VSS, VSS, 100 * M),  # right
    Scored("B", "none", VSS, 50 * M),  # false positive
    Scored("C", CMA, "none", 30 * M),  # false negative
    Scored("D", CMA, DB, 20 * M),  # surveillance, wrong category
    Scored("E", "none", "none", 40 * M),  # right
    Scored("F", VSS, "none", 5 * M),  # below the threshold: left out
    Scored("G", "none", VSS, -3 * M),  # below the threshold: left out
]


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


def test_dollar_weighted_figures_by_hand(taxonomy):
    r = materiality(CASE, taxonomy, min_obligation=10 * M)
    # material: A..E, $240M; surveillance gold A+C+D = 150, predicted A+B+D = 170,
    # both A+D = 120; right category A = 100; label matched A+E = 140
    assert r["awards"] == 5 and r["dollars"] == 240 * M
    assert r["gold_surveillance_usd"] == 150 * M
    assert r["predicted_surveillance_usd"] == 170 * M
    assert r["binary"]["precision_usd"] == round(120 / 170, 4)
    assert r["binary"]["recall_usd"] == 0.8
    p, rc = round(120 / 170, 4), 0.8
    assert r["binary"]["f1_usd"] == round(2 * p * rc / (p + rc), 4)
    assert r["right_category_share"] == round(100 / 150, 4)
    assert r["right_category_of_predicted"] == round(100 / 170, 4)
    assert r["accuracy_usd"] == round(140 / 240, 4)
    # by count on the same awards: TP A,D; FP B; FN C
    assert r["count_binary"] == {"precision": 0.6667, "recall": 0.6667, "f1": 0.6667}
    assert r["per_category"][CMA] == {
        "gold_usd": 50 * M,
        "predicted_usd": 0.0,
        "correct_usd": 0.0,
        "precision_usd": 0.0,
        "recall_usd": 0.0,
    }
    assert r["per_category"][DB]["predicted_usd"] == 20 * M


def test_largest_errors_in_dollar_order_with_their_kind(taxonomy):
    r = materiality(CASE, taxonomy, min_obligation=10 * M, errors=2)
    assert r["errors_total"] == 3 and r["errors_usd"] == 100 * M
    assert r["largest_errors"] == [
        {
            "award": "B",
            "gold": "none",
            "predicted": VSS,
            "usd": 50 * M,
            "kind": "false_positive",
        },
        {
            "award": "C",
            "gold": CMA,
            "predicted": "none",
            "usd": 30 * M,
            "kind": "false_negative",
        },
    ]


def test_threshold_moves_awards_in_and_negative_nets_weigh_nothing(taxonomy):
    r = materiality(CASE, taxonomy, min_obligation=-10 * M)
    assert r["awards"] == 7
    # F adds $5M of missed surveillance; G (net -$3M) weighs nothing
    assert r["gold_surveillance_usd"] == 155 * M
    assert r["predicted_surveillance_usd"] == 170 * M
    assert r["binary"]["recall_usd"] == round(120 / 155, 4)
    assert [e["award"] for e in r["largest_errors"]] == ["B", "C", "D", "F", "G"]
    assert r["largest_errors"][-1]["usd"] == 0.0


def test_no_material_award_gives_zeros_not_an_error(taxonomy):
    r = materiality(CASE, taxonomy, min_obligation=1e12)
    assert r["awards"] == 0 and r["binary"]["precision_usd"] == 0.0
    assert r["largest_errors"] == []


def test_component_tags_agreement():
    labelled = {"A": VSS, "B": "", "C": VSS, "D": CMA}
    found = {"A": VSS, "B": VSS, "C": None, "D": CMA}
    net = {"A": 10 * M, "B": 1 * M, "C": 2 * M, "D": -5 * M}
    r = components_agreement(labelled, found, net)
    assert r == {
        "labelled": 3,
        "labelled_usd": 12 * M,
        "found": 2,
        "found_usd": 10 * M,
        "missed": ["C"],
        "extra": ["B"],
    }
