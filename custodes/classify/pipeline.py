"""Classify every award in the store and write `classification` + `classification_run`.

The heavy work stays in DuckDB: award texts, one regular-expression pass per field, and
a
grouping of awards by the exact set of matched pieces ("signature"). Python decides once
per
signature (a few thousand, whatever the number of awards) and DuckDB joins the decisions
back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from custodes.classify.awards import award_maker_sql, award_text_sql
from custodes.classify.decide import Decision, decide
from custodes.classify.evidence import Matcher
from custodes.classify.overrides import Override
from custodes.classify.rules import FIELDS, RuleSet
from custodes.classify.taxonomy import Taxonomy
from custodes.store.duckdb import Store

Progress = Callable[[str], None]
SLICE_TRANSACTIONS = 500_000  # transactions per aggregation slice on large stores


@dataclass(frozen=True)
class RunSummary:
    awards: int
    signatures: int
    overrides_applied: int
    overrides_not_in_store: list[str]
    by_category: dict[str, int]
    taxonomy_version: str
    rules_version: str


def build_hits(
    store: Store, matcher: Matcher, where: str = "", keep_text: bool = False
) -> None:
    """Temp table cls_hits: matched pieces, latest recipient and signature per award.

    With keep_text (explain), the award texts are kept too, in temp table cls_award;
    without it they are never stored, which saves memory on large stores.
    """
    hashed = ", ".join(f"h_{f}" for f in FIELDS)
    if keep_text:
        store.execute(
            f"CREATE OR REPLACE TEMP TABLE cls_award AS {award_text_sql(where)}"
        )
        hits = matcher.hits_sql("cls_award", keep=("latest_recipient",))
        store.execute(f"""CREATE OR REPLACE TEMP TABLE cls_hits AS
            SELECT *, hash({hashed}) AS sig FROM ({hits})""")
        return
    # Large stores are aggregated in slices of awards, so that each GROUP BY fits in
    # memory instead of spilling to disk; a slice holds all transactions of its awards.
    slices = max(
        1,
        int(store.scalar('SELECT count(*) FROM "transaction"') or 0)
        // SLICE_TRANSACTIONS,
    )
    for i in range(slices):
        part = f"hash(award_key) % {slices} = {i}"
        cond = f"({where}) AND {part}" if where else part
        hits = matcher.hits_sql(f"({award_text_sql(cond)})", keep=("latest_recipient",))
        select = f"SELECT *, hash({hashed}) AS sig FROM ({hits})"
        if i == 0:
            store.execute(f"CREATE OR REPLACE TEMP TABLE cls_hits AS {select}")
        else:
            store.execute(f"INSERT INTO cls_hits {select}")


def decide_signatures(
    store: Store, matcher: Matcher, ruleset: RuleSet, taxonomy: Taxonomy
) -> dict[int, Decision]:
    cols = ", ".join(f"any_value(h_{f}) AS h_{f}" for f in FIELDS)
    rows = store.rows(f"SELECT sig, {cols} FROM cls_hits GROUP BY sig")
    out = {}
    for r in rows:
        fired = matcher.fired({f: r[f"h_{f}"] for f in FIELDS})
        out[r["sig"]] = decide(fired, ruleset, taxonomy)
    return out


def _decisions_frame(decisions: dict[int, Decision]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sig": pd.Series(list(decisions), dtype="uint64"),
            "category": [d.category for d in decisions.values()],
            "confidence": [d.confidence for d in decisions.values()],
            "score": [d.score for d in decisions.values()],
            "evidence": [d.evidence for d in decisions.values()],
            "maker": [d.maker for d in decisions.values()],
        }
    )


def _overrides_frame(overrides: list[Override]) -> pd.DataFrame:
    ev = [
        json.dumps(
            {
                "signal": "override",
                "rule": "overrides.csv",
                "text": o.reason,
                "category": o.label,
            },
            ensure_ascii=False,
        )
        for o in overrides
    ]
    return pd.DataFrame(
        {
            "award_key": [o.award_key for o in overrides],
            "label": [o.label for o in overrides],
            "o_evidence": ev,
        },
        columns=["award_key", "label", "o_evidence"],
    ).astype(str)


def _select_sql(has_award_maker: bool) -> str:
    return f"""
SELECT h.award_key,
  coalesce(o.label, d.category) AS category,
  CASE WHEN o.label IS NULL THEN d.confidence ELSE 1.0 END AS confidence,
  CASE WHEN o.label IS NULL THEN d.evidence
       ELSE '[' || o.o_evidence || CASE WHEN d.evidence = '[]' THEN ']'
                                   ELSE ', ' || substr(d.evidence, 2) END
  END AS evidence,
  coalesce(am.maker, d.maker) AS maker,
  CASE WHEN o.label IS NULL THEN 'rules' ELSE 'override' END AS method,
  $tv AS taxonomy_version, $rv AS rules_version,
  h.latest_recipient AS recipient, d.category AS rules_category, d.score
FROM cls_hits h
JOIN cls_decisions d ON d.sig = h.sig
LEFT JOIN cls_overrides o ON o.award_key = h.award_key
LEFT JOIN ({award_maker_sql(has_award_maker)}) am ON am.award_key = h.award_key"""


def classify_store(
    store: Store,
    taxonomy: Taxonomy,
    ruleset: RuleSet,
    overrides: list[Override],
    progress: Progress = lambda _m: None,
) -> RunSummary:
    """Rebuild `classification`, append to `classification_run`; one transaction."""
    matcher = Matcher(ruleset)
    progress("reading award texts and matching rules")
    build_hits(store, matcher)
    progress("deciding")
    decisions = decide_signatures(store, matcher, ruleset, taxonomy)
    store.con.register("cls_decisions", _decisions_frame(decisions))
    store.con.register("cls_overrides", _overrides_frame(overrides))
    params = {"tv": taxonomy.version, "rv": ruleset.version}
    progress("writing")
    with store.transaction():
        store.execute("DROP TABLE IF EXISTS classification")
        store.create("classification")
        store.execute(
            "INSERT INTO classification " + _select_sql(store.has_table("award_maker")),
            params,
        )
        applied = store.scalar(
            "SELECT count(*) FROM classification WHERE method = 'override'"
        )
        awards = store.scalar("SELECT count(*) FROM classification")
        store.create("classification_run")
        store.execute(
            "INSERT INTO classification_run VALUES (?, ?, ?, ?, ?)",
            [
                datetime.now(UTC).replace(tzinfo=None),
                taxonomy.version,
                ruleset.version,
                applied,
                awards,
            ],
        )
    present = {
        r[0]
        for r in store.execute(
            "SELECT award_key FROM cls_overrides JOIN classification USING (award_key)"
        )
    }
    by_cat = dict(
        store.execute(
            "SELECT category, count(*) FROM classification GROUP BY 1 ORDER BY 2 DESC"
        )
    )
    return RunSummary(
        awards=awards,
        signatures=len(decisions),
        overrides_applied=applied,
        overrides_not_in_store=sorted(
            o.award_key for o in overrides if o.award_key not in present
        ),
        by_category=by_cat,
        taxonomy_version=taxonomy.version,
        rules_version=ruleset.version,
    )


def classify_keys(
    store: Store, taxonomy: Taxonomy, ruleset: RuleSet, keys: list[str]
) -> dict[str, Decision]:
    """Rules-only decisions for some awards (read-only: temp tables only). For
    eval/explain.
    """
    matcher = Matcher(ruleset)
    store.con.register("cls_keys", pd.DataFrame({"k": pd.Series(keys, dtype=str)}))
    build_hits(store, matcher, where="award_key IN (SELECT k FROM cls_keys)")
    rows = store.rows(
        f"SELECT award_key, {', '.join('h_' + f for f in FIELDS)} FROM cls_hits"
    )
    return {
        r["award_key"]: decide(
            matcher.fired({f: r[f"h_{f}"] for f in FIELDS}), ruleset, taxonomy
        )
        for r in rows
    }
