"""Pairwise precision and recall of "same vendor" against two references.

1. ../shared/data/vendors/child_companies_clean_names.csv (Torn Apart's hand-cleaned
   names, 2018): two raw names are the same vendor when they share a clean name.
2. custodes/data/vendors/labelled_pairs.csv: name pairs labelled same / not same.

The resolver runs on the store's alias records (so identifiers count) plus any reference
name the store lacks, as a bare name.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from itertools import combinations
from pathlib import Path

from custodes.resolve.build import Resolution, resolve
from custodes.resolve.judgements import Judgement
from custodes.resolve.records import AliasRecord


@dataclass
class Score:
    reference: str
    pairs: int
    true_positives: int
    false_positives: int
    false_negatives: int
    examples_fp: list[tuple[str, str]]
    examples_fn: list[tuple[str, str]]

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        truth = self.true_positives + self.false_negatives
        return self.true_positives / truth if truth else 1.0

    def as_dict(self) -> dict:
        return {
            "reference": self.reference,
            "pairs": self.pairs,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "false_negatives": self.false_negatives,
            "false_positive_examples": self.examples_fp[:10],
            "false_negative_examples": self.examples_fn[:10],
        }


def labelled_pairs_path() -> Path:
    return Path(
        str(resources.files("custodes.data").joinpath("vendors/labelled_pairs.csv"))
    )


def load_clean_names(path: Path) -> dict[str, str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return {
            r["origName"]: r["cleanName"].strip().lower() for r in csv.DictReader(fh)
        }


def corrections_path() -> Path:
    return Path(
        str(
            resources.files("custodes.data").joinpath(
                "vendors/clean_names_corrections.csv"
            )
        )
    )


def corrected(clean: dict[str, str], path: Path | None = None) -> dict[str, str]:
    """The clean-name reference with documented corrections: each listed pair of raw
    names is put in one group (where the 2018 hand-cleaning split one company)."""
    out = dict(clean)
    with (path or corrections_path()).open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            a, b = row["name_a"], row["name_b"]
            if a in out and b in out and out[a] != out[b]:
                old, new = out[b], out[a]
                out = {k: (new if v == old else v) for k, v in out.items()}
    return out


def load_labelled_pairs(path: Path | None = None) -> list[tuple[str, str, bool, str]]:
    with (path or labelled_pairs_path()).open(newline="", encoding="utf-8") as fh:
        return [
            (r["name_a"], r["name_b"], r["label"] == "same", r.get("kind", ""))
            for r in csv.DictReader(fh)
        ]


def _vendor_by_name(res: Resolution) -> dict[str, str]:
    best: dict[str, tuple[int, str]] = {}
    for rec, vid in zip(res.records, res.vendor_of, strict=True):
        if rec.name not in best or rec.transactions > best[rec.name][0]:
            best[rec.name] = (rec.transactions, vid)
    return {name: vid for name, (_, vid) in best.items()}


def with_bare_names(records: list[AliasRecord], names: set[str]) -> list[AliasRecord]:
    present = {r.name for r in records}
    return records + [AliasRecord(name=n) for n in sorted(names - present)]


def score_clean_names(
    res: Resolution,
    clean: dict[str, str],
    label: str = "child_companies_clean_names.csv",
) -> Score:
    vendor = _vendor_by_name(res)
    tp = fp = fn = 0
    fps, fns = [], []
    names = sorted(clean)
    for a, b in combinations(names, 2):
        truth = clean[a] == clean[b]
        found = vendor[a] == vendor[b]
        if truth and found:
            tp += 1
        elif found:
            fp += 1
            fps.append((a, b))
        elif truth:
            fn += 1
            fns.append((a, b))
    return Score(label, len(names) * (len(names) - 1) // 2, tp, fp, fn, fps, fns)


def score_labelled(res: Resolution, pairs: list[tuple[str, str, bool, str]]) -> Score:
    vendor = _vendor_by_name(res)
    counts: defaultdict[tuple[bool, bool], int] = defaultdict(int)
    fps, fns = [], []
    for a, b, truth, _ in pairs:
        found = vendor[a] == vendor[b]
        counts[(truth, found)] += 1
        if found and not truth:
            fps.append((a, b))
        if truth and not found:
            fns.append((a, b))
    return Score(
        "labelled_pairs.csv",
        len(pairs),
        counts[(True, True)],
        counts[(False, True)],
        counts[(True, False)],
        fps,
        fns,
    )


def evaluate(
    records: list[AliasRecord],
    clean: dict[str, str] | None,
    pairs: list[tuple[str, str, bool, str]],
    judgements: list[Judgement],
    matcher: str,
) -> list[Score]:
    names = set(clean or {}) | {n for a, b, _, _ in pairs for n in (a, b)}
    res = resolve(with_bare_names(records, names), judgements, matcher)
    scores = [score_labelled(res, pairs)]
    if clean:
        scores[:0] = [
            score_clean_names(res, clean),
            score_clean_names(
                res, corrected(clean), "child_companies_clean_names.csv + corrections"
            ),
        ]
    return scores
