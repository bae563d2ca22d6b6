"""Materiality: how right the classification is where the money is.

`custodes eval classify` counts every award the same. A published figure is in dollars,
so it also weighs every labelled award by its money: the award's positive net obligation
in the store, max(sum of all its obligations, 0), restricted to the awards whose net
obligation reaches a threshold (`--min-obligation`, $10M by default).

* precision_usd: of the dollars the rules call surveillance, the share that is;
* recall_usd: of the dollars that are surveillance, the share the rules find;
* right_category_share: of the dollars that are surveillance, the share put in the
  right category; right_category_of_predicted: of the dollars called surveillance, the
  share in the right category (what a per-category figure rests on);
* accuracy_usd: the share of all the material dollars whose label the rules match;
* largest_errors: the awards where the rules are wrong, by dollars.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from custodes.classify.taxonomy import NONE, Taxonomy

DEFAULT_MIN_OBLIGATION = 10_000_000.0
DEFAULT_ERRORS = 20


@dataclass(frozen=True)
class Scored:
    """One labelled award: gold label, the rules' category and its net obligation."""

    award: str
    gold: str
    predicted: str
    net_usd: float

    @property
    def weight(self) -> float:
        return max(self.net_usd, 0.0)


def net_obligations_sql() -> str:
    """Net obligation per award of temp table cls_keys(k): sum of its transactions."""
    return """SELECT award_key, coalesce(sum(obligation_usd), 0)::DOUBLE AS net_usd
              FROM "transaction" WHERE award_key IN (SELECT k FROM cls_keys)
              GROUP BY award_key"""


def _ratio(num: float, den: float) -> float:
    return round(num / den, 4) if den else 0.0


def _f1(p: float, r: float) -> float:
    return round(2 * p * r / (p + r), 4) if p + r else 0.0


def _error_kind(gold: str, predicted: str) -> str:
    if gold == NONE:
        return "false_positive"
    if predicted == NONE:
        return "false_negative"
    return "wrong_category"


def materiality(
    scored: Iterable[Scored],
    taxonomy: Taxonomy,
    min_obligation: float = DEFAULT_MIN_OBLIGATION,
    errors: int = DEFAULT_ERRORS,
) -> dict:
    """Dollar-weighted figures over the awards with net obligation >= min_obligation."""
    material = [s for s in scored if s.net_usd >= min_obligation]
    total = sum(s.weight for s in material)
    gold_s = [s for s in material if s.gold != NONE]
    pred_s = [s for s in material if s.predicted != NONE]
    both = sum(s.weight for s in gold_s if s.predicted != NONE)
    gold_usd = sum(s.weight for s in gold_s)
    pred_usd = sum(s.weight for s in pred_s)
    right = sum(s.weight for s in gold_s if s.predicted == s.gold)
    precision, recall = _ratio(both, pred_usd), _ratio(both, gold_usd)
    per_category = {}
    for c in taxonomy.surveillance_ids:
        g = sum(s.weight for s in material if s.gold == c)
        p = sum(s.weight for s in material if s.predicted == c)
        ok = sum(s.weight for s in material if s.gold == c and s.predicted == c)
        if g or p:
            per_category[c] = {
                "gold_usd": round(g, 2),
                "predicted_usd": round(p, 2),
                "correct_usd": round(ok, 2),
                "precision_usd": _ratio(ok, p),
                "recall_usd": _ratio(ok, g),
            }
    wrong = sorted(
        (s for s in material if s.gold != s.predicted),
        key=lambda s: (-s.weight, s.award),
    )
    tp = sum(1 for s in material if s.gold != NONE and s.predicted != NONE)
    fp = sum(1 for s in material if s.gold == NONE and s.predicted != NONE)
    fn = sum(1 for s in material if s.gold != NONE and s.predicted == NONE)
    cp, cr = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    return {
        "min_obligation": min_obligation,
        "awards": len(material),
        "dollars": round(total, 2),
        "surveillance_awards": len(gold_s),
        "gold_surveillance_usd": round(gold_usd, 2),
        "predicted_surveillance_usd": round(pred_usd, 2),
        "correct_surveillance_usd": round(both, 2),
        "binary": {
            "precision_usd": precision,
            "recall_usd": recall,
            "f1_usd": _f1(precision, recall),
        },
        "right_category_share": _ratio(right, gold_usd),
        "right_category_of_predicted": _ratio(right, pred_usd),
        "accuracy_usd": _ratio(
            sum(s.weight for s in material if s.gold == s.predicted), total
        ),
        "count_binary": {"precision": cp, "recall": cr, "f1": _f1(cp, cr)},
        "per_category": per_category,
        "errors_total": len(wrong),
        "errors_usd": round(sum(s.weight for s in wrong), 2),
        "largest_errors": [
            {
                "award": s.award,
                "gold": s.gold,
                "predicted": s.predicted,
                "usd": round(s.weight, 2),
                "kind": _error_kind(s.gold, s.predicted),
            }
            for s in wrong[: max(errors, 0)]
        ],
    }


def components_agreement(
    labelled: dict[str, str], found: dict[str, str | None], net: dict[str, float]
) -> dict:
    """Component tags (a surveillance part inside a larger purchase): labels vs rules.

    `labelled` maps award -> the labelled component category ('' for none) for every
    scored award of a labels file with a `component` column; `found` maps award -> the
    rules' component_category (None for none).
    """
    both = [k for k in labelled if k in found]

    def usd(keys: list[str]) -> float:
        return round(sum(max(net.get(k, 0.0), 0.0) for k in keys), 2)

    lab = [k for k in both if labelled[k]]
    hit = [k for k in lab if found[k] == labelled[k]]
    missed = [k for k in lab if found[k] != labelled[k]]
    extra = [k for k in both if found[k] and not labelled[k]]
    return {
        "labelled": len(lab),
        "labelled_usd": usd(lab),
        "found": len(hit),
        "found_usd": usd(hit),
        "missed": sorted(missed),
        "extra": sorted(extra),
    }
