"""`custodes classify` inside `custodes refresh`: the same classification, for the
awards whose evidence changed.

An award is classified from its own transactions (texts, recipients, PSC, NAICS, the
money of the minor-share check), its maker (custodes resolve's award_maker) and its
override, by the rules. So an award's row changes only when one of those changes, and a
refresh reclassifies exactly those awards, with the pipeline's own code
(custodes/classify/pipeline.py) run on a copy of their transactions. When the rules,
taxonomy, gazetteer or vendor profiles change, any award can change: every award is
reclassified.

What the overrides and review decisions were at the last refresh is kept
(`refresh_override`), so that a changed, added or removed override or review
reclassifies only its award.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from custodes.classify.evidence import Matcher
from custodes.classify.overrides import Override
from custodes.classify.pipeline import (
    _decide_all,
    _overrides_frame,
    _select_all_sql,
    build_hits,
    log_run,
)
from custodes.classify.rules import RuleSet
from custodes.classify.taxonomy import Taxonomy
from custodes.store.duckdb import Store


@dataclass
class Reclassified:
    awards: int = 0  # awards reclassified
    everywhere: bool = False
    why: str = ""
    overrides_changed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def rules_fingerprint(taxonomy: Taxonomy, ruleset: RuleSet) -> dict[str, Any]:
    """What every award's classification rests on besides its own evidence: the
    versions, and a digest of the rules as loaded (taxonomy, rules, gazetteer and
    vendor profiles, thresholds)."""
    loaded = json.dumps(
        [repr(taxonomy), *(repr(r) for r in ruleset.rules)]
        + [repr(ruleset.components), repr(ruleset.threshold)]
    )
    return {
        "taxonomy_version": taxonomy.version,
        "rules_version": ruleset.version,
        "profiles_version": ruleset.profiles_version,
        "digest": hashlib.sha256(loaded.encode()).hexdigest(),
    }


def present(store: Store) -> bool:
    return store.has_table("classification") and store.has_table("classification_run")


def register_overrides(store: Store, overrides: list[Override]) -> None:
    store.con.register("cls_overrides", _overrides_frame(overrides))


def changed_overrides(store: Store, overrides: list[Override]) -> int:
    """Temp table refresh_override_changed(award_key): awards whose override was
    added, changed or removed since the last refresh."""
    store.create("refresh_override")
    store.execute(
        "CREATE OR REPLACE TEMP TABLE refresh_override_new AS "
        "SELECT * FROM refresh_override WHERE false"
    )
    if overrides:
        store.con.executemany(
            "INSERT INTO refresh_override_new VALUES (?, ?, ?, ?, ?)", _rows(overrides)
        )
    differs = " OR ".join(
        f"n.{c} IS DISTINCT FROM o.{c}" for c in ("label", "reason", "method", "item")
    )
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE refresh_override_changed AS
        SELECT coalesce(n.award_key, o.award_key) AS award_key
        FROM refresh_override o FULL JOIN refresh_override_new n USING (award_key)
        WHERE {differs}"""
    )
    return int(store.scalar("SELECT count(*) FROM refresh_override_changed"))


def save_overrides(store: Store, overrides: list[Override]) -> None:
    store.create("refresh_override")
    store.execute("DELETE FROM refresh_override")
    if overrides:
        store.con.executemany(
            "INSERT INTO refresh_override VALUES (?, ?, ?, ?, ?)", _rows(overrides)
        )


def _rows(overrides: list[Override]) -> list[tuple[str, str, str, str, str | None]]:
    return [(o.award_key, o.label, o.reason, o.method, o.item) for o in overrides]


def reclassify(
    store: Store,
    taxonomy: Taxonomy,
    ruleset: RuleSet,
    overrides: list[Override],
    awards: str = "refresh_award",
    transactions: str = "refresh_tx",
) -> int:
    """Replace the classification rows of AWARDS (award_key) with what the pipeline
    says from TRANSACTIONS (every transaction of those awards), inside the refresh's
    transaction; log the run. Returns how many awards were classified."""
    store.execute(
        f"DELETE FROM classification WHERE award_key IN "
        f"(SELECT award_key FROM {awards})"
    )
    if not store.scalar(f"SELECT count(*) FROM {transactions}"):
        log_run(store, taxonomy, ruleset)
        return 0  # the awards are gone (or none changed): nothing to classify
    matcher = Matcher(ruleset)
    build_hits(store, matcher, keep_text=True, source=transactions)
    _decide_all(store, matcher, ruleset, taxonomy, source=transactions)
    register_overrides(store, overrides)
    select = _select_all_sql(store, taxonomy, ruleset)
    store.execute("INSERT INTO classification " + select)
    done = int(store.scalar("SELECT count(*) FROM cls_hits"))
    log_run(store, taxonomy, ruleset)
    for name in ("cls_award", "cls_hits", "cls_minor"):
        store.execute(f"DROP TABLE IF EXISTS {name}")
    return done
