"""Vetoes applied to every fuzzy candidate pair, whichever matcher proposed it.

A fuzzy match may only bridge spelling noise: a typo or two in long words, joined or
split words, word order, a word cut short at the source's field length. Sharing words is
never enough: every word of one name needs a counterpart in the other, numbers must
agree, short words (initials, acronyms) and one-word names must be equal, and at most
one word (two in names of four or more words) may differ. Edit distances come from
rapidfuzz.
"""

from __future__ import annotations

import re

from rapidfuzz.distance import OSA

_NUMBERISH = re.compile(r"^(\d+|[IVX]{1,5})$")
SHORT_TOKEN = 4  # words this short must match exactly
MAX_EDITS = 3  # edits summed over all differing words
MAX_WORDS_DIFFERING = {2: 1, 3: 2}  # by name length in words; longer names: 3


def _numbers(tokens: list[str]) -> set[str]:
    return {t for t in tokens if _NUMBERISH.match(t)}


def _allowed_edits(a: str, b: str) -> int:
    shortest = min(len(a), len(b))
    if shortest <= SHORT_TOKEN:
        return 0
    return 1 if shortest <= 8 else 2


def _edits(a: str, b: str) -> int | None:
    """Edits between two words (a transposition counts once), or None if over the
    limit."""
    limit = _allowed_edits(a, b)
    dist = OSA.distance(a, b, score_cutoff=limit)
    return dist if dist <= limit else None


def _cut_short(a: str, b: str) -> bool:
    """One word is the other cut at a field-length limit ("APPLICATI" /
    "APPLICATIONS")."""
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 5 and long_.startswith(short)


def _differences(left: list[str], right: list[str]) -> tuple[int, int] | None:
    """(words that differ, total edits) after pairing identical words; None if a word
    has no near-identical partner."""
    rest_l = [t for t in left if t not in right]
    rest_r = [t for t in right if t not in left]
    if len(rest_l) != len(rest_r):
        return None
    edits = 0
    for token in rest_l:
        best = None
        for i, other in enumerate(rest_r):
            cost = _edits(token, other)
            if (
                cost is None
                and _cut_short(token, other)
                and (token == left[-1] or other == right[-1])
            ):
                cost = 1
            if cost is not None and (best is None or cost < best[1]):
                best = (i, cost)
        if best is None:
            return None
        rest_r.pop(best[0])
        edits += best[1]
    return len(rest_l), edits


def veto(key_a: str, key_b: str) -> str | None:
    """Why the pair must not be merged, or None if the guards let it through."""
    ta, tb = key_a.split(), key_b.split()
    if key_a.replace(" ", "") == key_b.replace(" ", ""):
        return None  # "PEN LINK" / "PENLINK"
    if len(ta) != len(tb):
        return "different number of words"
    if len(ta) < 2:
        return "one-word names must be identical"
    if _numbers(ta) != _numbers(tb):
        return "numbers differ"
    diff = _differences(ta, tb)
    if diff is None:
        return "a word has no near-identical counterpart"
    words, edits = diff
    if words > MAX_WORDS_DIFFERING.get(len(ta), 3) or edits > MAX_EDITS:
        return "too many words differ"
    return None
