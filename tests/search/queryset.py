"""The reporter query set (tests/search/queries.yaml) and its scores: recall@20 (the
share of a query's expected awards among its first 20 results) and MRR (the mean of
1/rank of the first expected award, 0 when none is in the first 20), by part."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

QUERIES = Path(__file__).with_name("queries.yaml")
DEPTH = 20


@dataclass(frozen=True)
class Scored:
    q: str
    kind: str
    part: str
    recall: float
    rr: float
    ranks: tuple[int | None, ...]  # each expected award's rank (None: not in the top)


def load_queries(path: Path = QUERIES) -> list[dict[str, Any]]:
    return list(yaml.safe_load(path.read_text())["queries"])


def score(
    queries: list[dict[str, Any]], ranked: Callable[[str], list[str]]
) -> list[Scored]:
    """Each query scored on RANKED(q), the award keys a search gives, best first."""
    out = []
    for entry in queries:
        top = ranked(entry["q"])[:DEPTH]
        ranks = tuple((top.index(k) + 1) if k in top else None for k in entry["expect"])
        found = [r for r in ranks if r is not None]
        out.append(
            Scored(
                entry["q"],
                entry["kind"],
                entry["part"],
                len(found) / len(ranks),
                1 / min(found) if found else 0.0,
                ranks,
            )
        )
    return out


def summary(scored: list[Scored]) -> dict[str, dict[str, float]]:
    """recall@20 and MRR for each part and in all."""
    out = {}
    for part in ("tune", "holdout", "all"):
        chosen = [s for s in scored if part in ("all", s.part)]
        if chosen:
            out[part] = {
                "queries": len(chosen),
                "recall_at_20": sum(s.recall for s in chosen) / len(chosen),
                "mrr": sum(s.rr for s in chosen) / len(chosen),
            }
    return out
