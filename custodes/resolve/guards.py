"""Vetoes applied to every fuzzy candidate pair, whichever matcher proposed it.

A fuzzy match may only bridge spelling noise: a typo or two in long words, joined or split
words, word order, a word cut short at the source's field length. Sharing words is never
enough: every word of one name needs a counterpart in the other, numbers must agree,
short words (initials, acronyms) and one-word names must be equal, and at most one word
(two in names of four or more words) may differ. Edit distances come from rapidfuzz.
"""

from __future__ import annotations

import re

from rapidfuzz.distance import Levenshtein

_NUMBERISH = re.compile(r"^(\d+|[IVX]{1,5})$")
SHORT_TOKEN = 4  # words this short must match exactly


def _numbers(tokens: list[str]) -> set[str]:
    return {t for t in tokens if _NUMBERISH.match(t)}


def _allowed_edits(a: str, b: str) -> int:
    shortest = min(len(a), len(b))
    if shortest <= SHORT_TOKEN:
        return 0
    return 1 if shortest <= 8 else 2


def _near(a: str, b: str) -> bool:
    return Levenshtein.distance(a, b, score_cutoff=_allowed_edits(a, b)) <= _allowed_edits(a, b)


def _cut_short(a: str, b: str) -> bool:
    """One word is the other cut at a field-length limit ("APPLICATI" / "APPLICATIONS")."""
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 5 and long_.startswith(short)


def _differences(left: list[str], right: list[str]) -> int | None:
    """How many words differ after pairing identical words; None if a word has no partner."""
    rest_l = [t for t in left if t not in right]
    rest_r = [t for t in right if t not in left]
    if len(rest_l) != len(rest_r):
        return None
    for token in rest_l:
        hit = next((i for i, o in enumerate(rest_r) if _near(token, o) or
                    (_cut_short(token, o) and (token == left[-1] or o == right[-1]))), None)
        if hit is None:
            return None
        rest_r.pop(hit)
    return len(rest_l)


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
    if diff > (2 if len(ta) >= 4 else 1):
        return "too many words differ"
    return None
