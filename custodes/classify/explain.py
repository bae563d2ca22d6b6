"""`custodes classify --explain AWARD`: why an award got its category, from the live
rules.
"""

from __future__ import annotations

import json
from typing import Any

from custodes.classify import review
from custodes.classify.decide import category_scores, counted, decide
from custodes.classify.evidence import Matcher
from custodes.classify.overrides import Override
from custodes.classify.pipeline import build_hits, classify_keys
from custodes.classify.rules import FIELDS, RuleSet
from custodes.classify.taxonomy import Taxonomy
from custodes.errors import NotFound
from custodes.store.duckdb import Store
from custodes.store.sql import literal


def find_award_key(store: Store, award: str) -> str:
    """Accept a generated award id or a PIID (when it names exactly one award)."""
    if store.scalar('SELECT count(*) FROM "transaction" WHERE award_key = ?', [award]):
        return award
    keys = [
        r[0]
        for r in store.execute(
            'SELECT DISTINCT award_key FROM "transaction" WHERE piid = ? ORDER BY 1',
            [award],
        )
    ]
    if len(keys) == 1:
        return keys[0]
    if keys:
        raise NotFound(
            f"PIID {award} names {len(keys)} awards ({', '.join(keys[:3])}). "
            "Give the generated award id instead."
        )
    raise NotFound(
        f"No award {award} in the store. Check the id with `custodes stats` "
        "or a USAspending award page."
    )


def explain_award(
    store: Store,
    award: str,
    taxonomy: Taxonomy,
    ruleset: RuleSet,
    overrides: list[Override],
) -> dict[str, Any]:
    key = find_award_key(store, award)
    matcher = Matcher(ruleset)
    where = f"award_key = {literal(key)}"
    build_hits(store, matcher, where=where, keep_text=True)
    row = store.rows(
        "SELECT * FROM cls_hits JOIN cls_award USING (award_key, latest_recipient)"
    )[0]
    fired = matcher.fired({f: row[f"h_{f}"] for f in FIELDS})
    decision = decide(fired, ruleset, taxonomy)
    final = classify_keys(store, taxonomy, ruleset, [key])[key]
    minor = store.rows("SELECT pos_usd, ev_usd FROM cls_minor")
    reviews, _ = review.load(store, taxonomy)
    merged = review.merge(overrides, reviews)
    override = next((o for o in merged if o.award_key == key), None)
    stored = None
    if store.has_table("classification"):
        got = store.rows("SELECT * FROM classification WHERE award_key = ?", [key])
        stored = got[0] if got else None
    carried = decision.carrier_score >= ruleset.components.threshold
    scores = category_scores(
        counted(fired, ruleset.rules, carried), ruleset.rules, taxonomy
    )
    comp = final["component_evidence"]
    return {
        "award_key": key,
        "recipient": row["latest_recipient"],
        "text": row["text"],
        "psc": row["psc"],
        "naics": row["naics"],
        "office": row["office"],
        "rules": {
            "category": final["category"],
            "confidence": final["confidence"],
            "score": decision.score,
            "maker": decision.maker,
            "evidence": json.loads(final["evidence"]),
            "component_category": final["component_category"],
            "component_evidence": json.loads(comp) if comp else None,
            "profile_only": final["profile_only"],
            "conflict": final["conflict"],
            "carrier_score": decision.carrier_score,
            "minor_share": None
            if not minor
            else {
                "evidence_usd": minor[0]["ev_usd"],
                "award_usd": minor[0]["pos_usd"],
                "share": round(minor[0]["ev_usd"] / minor[0]["pos_usd"], 4),
                "below": ruleset.components.minor_share,
            },
        },
        "scores": {c: round(v, 3) for c, v in scores.items() if v},
        "threshold": ruleset.threshold,
        "components_threshold": ruleset.components.threshold,
        "override": None
        if override is None
        else {
            "label": override.label,
            "reason": override.reason,
            "method": override.method,
        },
        "final_category": override.label if override else final["category"],
        "stored": stored,
        "rules_version": ruleset.version,
        "taxonomy_version": taxonomy.version,
    }
