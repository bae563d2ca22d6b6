"""`custodes eval classify LABELS.csv`: score the rules against hand labels.

Scores come from the rules alone (overrides are left out), so a corrections file built
from the labels cannot inflate them. `unclear` labels are skipped; awards missing from
the store are reported and skipped. Beside the count-based figures, `materiality.py`
weighs each award by its money.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from custodes.classify.taxonomy import NONE, UNCLEAR, Taxonomy
from custodes.errors import InputError


@dataclass
class LabelFile:
    labels: dict[str, str]
    unclear: int
    bad: list[str] = field(default_factory=list)
    # the `component` column, when the file has one: award -> category or ''
    components: dict[str, str] | None = None


def load_labels(path: Path, taxonomy: Taxonomy) -> LabelFile:
    """Read `generated_award_id,label[,...]`; refuse unknown labels with their line
    numbers.
    """
    try:
        fh = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(
            f"Cannot read {path}: {exc.strerror}. Check the path."
        ) from exc
    with fh:
        reader = csv.DictReader(fh)
        cols = set(reader.fieldnames or ())
        if not {"generated_award_id", "label"} <= cols:
            raise InputError(
                f"{path} needs the columns generated_award_id and label "
                f"(found: {sorted(cols)}). Fix the header."
            )
        labels: dict[str, str] = {}
        components: dict[str, str] | None = {} if "component" in cols else None
        unclear, bad = 0, []
        for n, row in enumerate(reader, start=2):
            key, label = (
                (row["generated_award_id"] or "").strip(),
                (row["label"] or "").strip(),
            )
            if not key:
                continue
            if label == UNCLEAR:
                unclear += 1
            elif label in taxonomy.ids:
                labels[key] = label
            else:
                bad.append(f"line {n}: {label!r}")
            comp = (row.get("component") or "").strip()
            if components is not None and label != UNCLEAR:
                if comp and comp not in taxonomy.surveillance_ids:
                    bad.append(f"line {n}: component {comp!r}")
                components[key] = comp
    if bad:
        raise InputError(
            f"{path}: labels not in the taxonomy: {', '.join(bad[:5])}. "
            "Use a category id, none or unclear (a component: a surveillance "
            "category id or empty)."
        )
    return LabelFile(labels=labels, unclear=unclear, components=components)


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f, 4),
        "support": tp + fn,
        "predicted": tp + fp,
    }


def score(pairs: list[tuple[str, str]], taxonomy: Taxonomy) -> dict:
    """pairs = (gold, predicted). Per-category, binary and macro figures and the
    confusion.
    """
    per_cat = {}
    for c in taxonomy.ids:
        tp = sum(1 for g, p in pairs if g == c and p == c)
        fp = sum(1 for g, p in pairs if g != c and p == c)
        fn = sum(1 for g, p in pairs if g == c and p != c)
        per_cat[c] = _prf(tp, fp, fn)
    tp = sum(1 for g, p in pairs if g != NONE and p != NONE)
    fp = sum(1 for g, p in pairs if g == NONE and p != NONE)
    fn = sum(1 for g, p in pairs if g != NONE and p == NONE)
    present = [c for c in taxonomy.surveillance_ids if per_cat[c]["support"] > 0]
    macro = sum(per_cat[c]["f1"] for c in present) / len(present) if present else 0.0
    confusion: dict[str, dict[str, int]] = {}
    for g, p in pairs:
        confusion.setdefault(g, {}).setdefault(p, 0)
        confusion[g][p] += 1
    return {
        "scored": len(pairs),
        "binary": _prf(tp, fp, fn),
        "macro_f1": round(macro, 4),
        "macro_over": present,
        "accuracy": round(sum(g == p for g, p in pairs) / len(pairs), 4)
        if pairs
        else 0.0,
        "per_category": per_cat,
        "confusion": confusion,
    }
