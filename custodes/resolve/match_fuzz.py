"""Fuzzy name matching with rapidfuzz (the alternative matcher, compared in
docs/resolve.md).

Blocks by first word, first word of the word-sorted key and 5-letter prefix, and scores
every pair inside a block with rapidfuzz's token_sort_ratio (vectorised `cdist`).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from rapidfuzz import fuzz, process

from custodes.resolve.keys import sorted_key

THRESHOLD = 0.90
MAX_BLOCK = 5000


def _blocks(keys: list[str]) -> list[list[int]]:
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        words = key.split() or [""]
        groups[("first", words[0])].append(i)
        groups[("sorted", sorted_key(key).split()[0] if words[0] else "")].append(i)
        groups[("last", words[-1])].append(i)
        groups[("prefix", key.replace(" ", "")[:5])].append(i)
    return [ids for ids in groups.values() if 1 < len(ids) <= MAX_BLOCK]


def candidate_pairs(
    keys: list[str], threshold: float = THRESHOLD
) -> list[tuple[int, int, float]]:
    """(i, j, similarity 0..1) for key pairs at or above `threshold` within a block."""
    found: dict[tuple[int, int], float] = {}
    cutoff = threshold * 100
    for ids in _blocks(keys):
        names = [keys[i] for i in ids]
        scores = process.cdist(
            names,
            names,
            scorer=fuzz.token_sort_ratio,
            score_cutoff=cutoff,
            dtype=np.uint8,
            workers=2,
        )
        rows, cols = np.nonzero(np.triu(scores, k=1))
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            a, b = sorted((ids[r], ids[c]))
            found[(a, b)] = max(found.get((a, b), 0.0), scores[r, c] / 100.0)
    return [(a, b, s) for (a, b), s in found.items()]
