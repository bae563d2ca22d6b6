"""Turn the rules that fired on an award into a category, confidence and evidence.

Besides the category, a decision says:
* `component_category`: the award is a larger purchase (construction, vehicles,
  aircraft, vessels, inspection equipment, detention operations, ...: a `carrier` rule
  fired) that includes a surveillance component; it is `none`, and this names the
  component's category, with the component's evidence in `component_evidence`;
* `profile_only`: the category is reached only thanks to who sold it (a vendor profile
  or a maker's name), not what the text says was bought;
* `conflict`: evidence for two or more surveillance categories, or strong evidence for a
  category that a negative rule cancelled.
The one check that needs money, a surveillance purchase named only on modifications that
hold a tiny share of an award's obligations, is made by the pipeline (`minor_pieces`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from custodes.classify.rules import CARRIER, VENDOR_SIGNALS, Rule, RuleSet
from custodes.classify.taxonomy import NONE, Taxonomy

MAX_EVIDENCE = 10
CONFLICT_CONFIDENCE = 0.7  # a `none` decision that cancelled strong evidence


@dataclass(frozen=True)
class Decision:
    category: str
    confidence: float
    score: float
    evidence: str  # JSON list of {signal, rule, text, category|cancels, weight}
    maker: str | None
    component_category: str | None = None
    component_evidence: str | None = None  # JSON list, like evidence
    profile_only: bool = False
    conflict: bool = False
    # text rules that decided the category (for the pipeline's minor-share check)
    text_rules: frozenset[int] = field(default_factory=frozenset)
    carrier_score: float = 0.0
    # evidence of the best category when it reached the threshold (before any demotion)
    category_evidence: str | None = None


def counted(
    fired: dict[int, str], rules: tuple[Rule, ...], carried: bool
) -> dict[int, str]:
    """The fired rules that count towards a category score.

    Carriers never vote. A profile does not count on a larger purchase (the text says
    what was bought), nor for a category whose maker rule already fired (the vendor
    counts once). Where a scoped line of a vendor fired (its `when` or `offices`
    matched), that line says what was bought and the vendor's general profile is
    silent.
    """
    makers = {rules[i].category for i in fired if rules[i].signal == "maker"}
    lines = {rules[i].vendor for i in fired if rules[i].scoped}
    out = {}
    for i, text in fired.items():
        r = rules[i]
        if r.signal == CARRIER:
            continue
        if r.signal == "profile" and (
            carried or r.category in makers or (r.vendor in lines and not r.scoped)
        ):
            continue
        out[i] = text
    return out


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
        elif rule.positive and rule.category in scores:
            scores[rule.category] += rule.weight
    return scores


def positive_scores(
    fired: dict[int, str], rules: tuple[Rule, ...], taxonomy: Taxonomy
) -> dict[str, float]:
    """Category scores before any negative rule."""
    return category_scores(
        {i: t for i, t in fired.items() if not rules[i].negative}, rules, taxonomy
    )


def _confidence(category: str, top: float, second: float, threshold: float) -> float:
    if category == NONE:
        return round(max(0.5, 0.95 - 0.45 * max(0.0, top) / threshold), 3)
    return round(top / (top + 0.5 + max(0.0, second)), 3)


def evidence_items(
    fired: dict[int, str], rules: tuple[Rule, ...], used: dict[int, str] | None = None
) -> list[dict]:
    """Evidence of every fired rule, strongest first; `used` marks what counted."""
    items = []
    for idx, text in fired.items():
        rule = rules[idx]
        item: dict = {
            "signal": rule.signal,
            "rule": rule.id,
            "text": text,
            "weight": rule.weight,
        }
        if rule.negative:
            item["cancels"] = list(rule.cancels)
        elif rule.signal == CARRIER:
            item["carries"] = rule.carries
        else:
            item["category"] = rule.category
        if rule.signal == "profile":
            item["line"] = rule.note
            item["sources"] = list(rule.sources)
        if used is not None and idx not in used and rule.signal != CARRIER:
            item["counted"] = False
        items.append(item)
    items.sort(key=lambda i: (-i["weight"], i["rule"]))
    return items[:MAX_EVIDENCE]


def _maker(fired: dict[int, str], rules: tuple[Rule, ...], category: str) -> str | None:
    with_maker = [rules[i] for i in fired if rules[i].maker]
    same = [r for r in with_maker if r.category == category] or with_maker
    if not same:
        return None
    return max(same, key=lambda r: (r.signal == "product", r.weight, r.id)).maker


def _ranked(scores: dict[str, float], taxonomy: Taxonomy) -> tuple[str, float, float]:
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], taxonomy.ids.index(kv[0])))
    (best, top), second = ranked[0], (ranked[1][1] if len(ranked) > 1 else 0.0)
    return best, top, second


def decide(fired: dict[int, str], ruleset: RuleSet, taxonomy: Taxonomy) -> Decision:
    """The highest-scoring category if it reaches the threshold, else `none`; a larger
    purchase with a surveillance part is `none` with a component tag.
    """
    rules, threshold = ruleset.rules, ruleset.threshold
    carrier = sum(rules[i].weight for i in fired if rules[i].signal == CARRIER)
    carried = carrier >= ruleset.components.threshold
    used = counted(fired, rules, carried)
    best, top, second = _ranked(category_scores(used, rules, taxonomy), taxonomy)
    category = best if top >= threshold else NONE
    confidence = _confidence(category, top, second, threshold)
    deciding = {i for i in used if rules[i].positive and rules[i].category == best}
    component = None
    if category != NONE and carried:
        system = sum(
            rules[i].weight
            for i in deciding
            if rules[i].system or rules[i].signal in VENDOR_SIGNALS
        )
        if carrier > system:
            component, category = category, NONE
            confidence = round(carrier / (carrier + 0.5 + system), 3)
    profile_only = False
    if category != NONE:
        own = {i: t for i, t in used.items() if rules[i].signal not in VENDOR_SIGNALS}
        profile_only = category_scores(own, rules, taxonomy)[category] < threshold
    pos = positive_scores(used, rules, taxonomy)
    strong = [c for c, v in pos.items() if v >= threshold]
    cancelled = category == NONE and component is None and bool(strong)
    conflict = len(strong) >= 2 or cancelled
    if cancelled:
        confidence = min(confidence, CONFLICT_CONFIDENCE)
    best_items = None
    if top >= threshold:
        best_items = json.dumps(
            evidence_items({i: used[i] for i in deciding}, rules), ensure_ascii=False
        )
    text_rules = frozenset(
        i for i in deciding if rules[i].field == "text" and category != NONE
    )
    vendor = any(rules[i].signal in VENDOR_SIGNALS for i in deciding)
    return Decision(
        category=category,
        confidence=confidence,
        score=round(top, 3),
        evidence=json.dumps(evidence_items(fired, rules, used), ensure_ascii=False),
        maker=_maker(fired, rules, category if category != NONE else best),
        component_category=component,
        component_evidence=best_items if component else None,
        profile_only=profile_only,
        conflict=conflict,
        text_rules=frozenset() if vendor else text_rules,
        carrier_score=round(carrier, 3),
        category_evidence=best_items,
    )
