"""Review decisions: a person accepts or corrects an award's label.

`custodes review accept AWARD --note ...` and `custodes review correct AWARD LABEL
--note ...` record a decision in `review_decision` (who, when, why, and what the award
looked like then) and apply it to the award's `classification` row at once. Every
later `custodes classify` applies the latest decision per award the way it applies
the curated overrides file (custodes/data/taxonomy/overrides.csv): the label wins
over the rules, `method` is `review`, and the first evidence item says so. A review
decision wins over a curated override of the same award (it was made later, on this
store, by a named person). Decisions are never deleted: a new decision on the same
award supersedes the earlier one, which stays in the table and in the export.

What to review first is a figure (custodes/figures/review.py, the queue ordered by
dollars at risk); this module only records and applies.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from custodes.classify.overrides import Override
from custodes.classify.taxonomy import NONE, Taxonomy
from custodes.csvfile import Writer
from custodes.errors import InputError, NotFound
from custodes.store.duckdb import Store

TABLE = "review_decision"
DECISIONS = ("accept", "correct")
# review export columns: the first three are an overrides file (award,label,reason),
# so an export can be given to `custodes classify --overrides` on another store.
EXPORT_COLUMNS = (
    "award",
    "label",
    "reason",
    "decision",
    "reviewer",
    "decided_at",
    "was_category",
    "was_method",
    "was_component",
    "rules_version",
    "obligation_usd",
    "at_risk_usd",
    "current",
    "decision_id",
    "usaspending_url",
)

LATEST_SQL = f"""
    SELECT * FROM {TABLE}
    QUALIFY row_number() OVER (PARTITION BY award_key ORDER BY decision_id DESC) = 1"""


def evidence_item(row: dict[str, Any]) -> dict[str, Any]:
    """The first evidence item of a reviewed award (classification.evidence). It
    names the decision, its note and date, never the reviewer: the classification
    table is exported and published, the reviewer's name stays in review_decision."""
    decided = row["decided_at"]
    return {
        "signal": "review",
        "rule": f"review:{row['decision']}",
        "text": row["note"],
        "category": row["label"],
        "decided_at": decided.isoformat() if hasattr(decided, "isoformat") else decided,
        "decision_id": row["decision_id"],
    }


def load(store: Store, taxonomy: Taxonomy) -> tuple[list[Override], list[str]]:
    """The latest decision of every reviewed award as an Override (method 'review'),
    and the award keys whose decision names a category the taxonomy no longer has
    (not applied: review them again)."""
    if not store.has_table(TABLE):
        return [], []
    out, stale = [], []
    for r in store.rows(LATEST_SQL + " ORDER BY award_key"):
        if r["label"] not in taxonomy.ids:
            stale.append(r["award_key"])
            continue
        item = json.dumps(evidence_item(r), ensure_ascii=False)
        out.append(
            Override(r["award_key"], r["label"], r["note"], method="review", item=item)
        )
    return out, stale


def merge(curated: list[Override], reviews: list[Override]) -> list[Override]:
    """Curated overrides and review decisions, one per award: a review wins."""
    by_award = {o.award_key: o for o in curated}
    by_award.update({o.award_key: o for o in reviews})
    return list(by_award.values())


def _check(
    store: Store,
    award_key: str,
    decision: str,
    label: str | None,
    reviewer: str | None,
    note: str,
    taxonomy: Taxonomy,
) -> tuple[dict[str, Any], str, str]:
    """The award's classification row, the label, the reviewer; clear errors."""
    if decision not in DECISIONS:
        raise InputError(f"Unknown decision {decision!r}: use accept or correct.")
    who = (reviewer or "").strip()
    if not who:
        raise InputError(
            "Say who reviewed: --reviewer NAME, or set CUSTODES_REVIEWER. custodes "
            "does not guess a reviewer's name."
        )
    if not note.strip():
        raise InputError("Say why in --note: a decision without a reason is not kept.")
    if not store.has_table("classification"):
        raise InputError(
            "The store has no classification yet: run `custodes classify` first."
        )
    found = store.rows("SELECT * FROM classification WHERE award_key = ?", [award_key])
    row = found[0] if found else None
    if row is None:
        raise NotFound(
            f"No classified award {award_key!r} in this store. Give a generated award "
            "id as `custodes review` lists it."
        )
    if decision == "accept":
        chosen = row["category"]
    else:
        chosen = (label or "").strip()
        if chosen not in taxonomy.ids:
            raise InputError(
                f"{chosen!r} is not a taxonomy category. Use an id from taxonomy.yaml "
                f"or `{NONE}`: {', '.join(sorted(taxonomy.ids))}."
            )
        if chosen == row["category"]:
            raise InputError(
                f"{award_key} is already {chosen}: use `custodes review accept` to "
                "record that the label is right."
            )
    return row, chosen, who


def record(
    store: Store,
    award_key: str,
    decision: str,
    label: str | None,
    reviewer: str | None,
    note: str,
    taxonomy: Taxonomy,
    obligation_usd: Decimal | None = None,
    at_risk_usd: Decimal | None = None,
) -> dict[str, Any]:
    """Record a decision and apply it to the award's classification row, in one
    transaction; returns the decision row. OBLIGATION_USD and AT_RISK_USD: what the
    queue showed for the award (kept with the decision)."""
    row, chosen, who = _check(
        store, award_key, decision, label, reviewer, note, taxonomy
    )
    with store.transaction():
        store.create("review_decision")
        decision_id = int(
            store.scalar(f"SELECT coalesce(max(decision_id), 0) + 1 FROM {TABLE}") or 1
        )
        saved = {
            "decision_id": decision_id,
            "award_key": award_key,
            "decision": decision,
            "label": chosen,
            "was_category": row["category"],
            "was_method": row["method"],
            "was_component": row.get("component_category"),
            "rules_version": row["rules_version"],
            "obligation_usd": obligation_usd,
            "at_risk_usd": at_risk_usd,
            "reviewer": who,
            "decided_at": datetime.now(UTC).replace(tzinfo=None),
            "note": note.strip(),
        }
        marks = ", ".join("?" for _ in saved)
        store.execute(
            f"INSERT INTO {TABLE} ({', '.join(saved)}) VALUES ({marks})",
            list(saved.values()),
        )
        _apply(store, row, saved)
    return saved


def _apply(store: Store, row: dict[str, Any], saved: dict[str, Any]) -> None:
    """The classification row as the next classify run will write it: the reviewed
    label, confidence 1, method review, the review first in the evidence (an earlier
    override or review item replaced), no component unless the label is none."""
    try:
        items = json.loads(row["evidence"] or "[]")
    except json.JSONDecodeError:
        items = []
    kept = [
        i
        for i in items
        if not (isinstance(i, dict) and i.get("signal") in ("override", "review"))
    ]
    evidence = json.dumps([evidence_item(saved), *kept], ensure_ascii=False)
    none = saved["label"] == NONE
    store.execute(
        "UPDATE classification SET category = ?, confidence = 1.0, method = 'review', "
        "evidence = ?, profile_only = false, "
        "component_category = CASE WHEN ? THEN component_category END, "
        "component_evidence = CASE WHEN ? THEN component_evidence END "
        "WHERE award_key = ?",
        [saved["label"], evidence, none, none, saved["award_key"]],
    )


def decisions(store: Store, history: bool = True) -> list[dict[str, Any]]:
    """Every decision (HISTORY) or only the one that applies to each award, oldest
    first, with `current` telling the one that applies."""
    if not store.has_table(TABLE):
        return []
    rows = store.rows(
        f"SELECT d.*, d.decision_id = max(d.decision_id) OVER "
        f"(PARTITION BY d.award_key) AS current FROM {TABLE} d ORDER BY decision_id"
    )
    return rows if history else [r for r in rows if r["current"]]


def write_export(store: Store, path: Path, history: bool = True) -> int:
    """`custodes review export FILE.csv`: decisions as CSV (custodes/csvfile.py);
    returns the number of rows."""
    from custodes import sources

    rows = decisions(store, history)
    try:
        fh = path.open("w", newline="", encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"Cannot write {path}: {exc.strerror}. Choose another path."
        ) from exc
    with fh:
        w = Writer(fh)
        w.row(EXPORT_COLUMNS)
        for r in rows:
            w.row(
                [
                    r["award_key"],
                    r["label"],
                    f"review {r['decision']} by {r['reviewer']} on "
                    f"{r['decided_at']:%Y-%m-%d}: {r['note']}",
                    r["decision"],
                    r["reviewer"],
                    r["decided_at"],
                    r["was_category"],
                    r["was_method"],
                    r["was_component"],
                    r["rules_version"],
                    r["obligation_usd"],
                    r["at_risk_usd"],
                    r["current"],
                    r["decision_id"],
                    sources.record_url(r["award_key"]),
                ]
            )
    return len(rows)
