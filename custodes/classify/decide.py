"""Turn the rules that fired on an award into a category, confidence and evidence."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from custodes.classify.rules import Rule, RuleSet
from custodes.classify.taxonomy import NONE, Taxonomy

MAX_EVIDENCE = 10


@dataclass(frozen=True)
class Decision:
    category: str
    confidence: float
    score: float
    evidence: str  # JSON list of {signal, rule, text, category|cancels, weight}
    maker: str | None


def category_scores(
    fired: dict[int, str], rules: tuple[Rule, ...], taxonomy: Taxonomy
) -> dict[str, float]:
    """Sum of positive weights minus negative weights, per surveillance category."""
    scores = dict.fromkeys(taxonomy.surveillance_ids, 0.0)
    for idx in fired:
        rule = rules[idx]
        if rule.negative:
            targets = (
                taxonomy.surveillance_ids if "all" in rule.cancels else rule.cancels
            )
            for c in targets:
                if c in scores:
                    scores[c] -= rule.weight
        elif rule.category in scores:
            scores[rule.category] += rule.weight
    return scores


def _confidence(category: str, top: float, second: float, threshold: float) -> float:
    if category == NONE:
        return round(max(0.5, 0.95 - 0.45 * max(0.0, top) / threshold), 3)
    return round(top / (top + 0.5 + max(0.0, second)), 3)


def evidence_items(fired: dict[int, str], rules: tuple[Rule, ...]) -> list[dict]:
    items = []
    for idx, text in fired.items():
        rule = rules[idx]
        item: dict[str, Any] = {
            "signal": rule.signal,
            "rule": rule.id,
            "text": text,
            "weight": rule.weight,
        }
        if rule.negative:
            item["cancels"] = list(rule.cancels)
        else:
            item["category"] = rule.category
        items.append(item)
    items.sort(key=lambda i: (-i["weight"], i["rule"]))
    return items[:MAX_EVIDENCE]


def _maker(fired: dict[int, str], rules: tuple[Rule, ...], category: str) -> str | None:
    with_maker = [rules[i] for i in fired if rules[i].maker]
    same = [r for r in with_maker if r.category == category] or with_maker
    if not same:
        return None
    return max(same, key=lambda r: (r.signal == "product", r.weight, r.id)).maker


def decide(fired: dict[int, str], ruleset: RuleSet, taxonomy: Taxonomy) -> Decision:
    """The highest-scoring category if it reaches the threshold, else `none`."""
    rules = ruleset.rules
    scores = category_scores(fired, rules, taxonomy)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], taxonomy.ids.index(kv[0])))
    (best, top), second = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0.0)
    category = best if top >= ruleset.threshold else NONE
    confidence = _confidence(category, top, second, ruleset.threshold)
    evidence = json.dumps(evidence_items(fired, rules), ensure_ascii=False)
    return Decision(
        category=category,
        confidence=confidence,
        score=round(top, 3),
        evidence=evidence,
        maker=_maker(fired, rules, category),
    )
