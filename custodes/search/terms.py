"""How a search text is read: its words, their other spellings, synonyms, words written
together or apart, and contract numbers written with hyphens.

A search is read into a Plan: clauses that must all match; a clause matches when any
of its alternatives does; an alternative matches when all of its terms do; a term
matches when one of its words does, a word being either the start of a word of the
award's text (a prefix, as the user's own words always are) or a whole word (short
words brought in by a synonym, so that LPR does not find LPRINT).

- Spellings (custodes/data/search/synonyms.yaml): LICENCE is searched as LICENCE or
  LICENSE, GREYKEY as GREYKEY or GRAYKEY.
- Synonyms (same file): a phrase of a group (ALPR) is searched as any phrase of the
  group (LPR, LICENSE PLATE READER, ...).
- Plurals: DRONES is searched as DRONE when DRONE is a word of the store.
- Words written apart or together: GRAY KEY also finds GRAYKEY when the store has that
  word (the store's word table also holds GRAYKEY for awards that write GRAY KEY, see
  custodes/search/tables.py); GRAYKEY, when no word starts with it, is searched as GRAY
  and KEY when both are words of the store.
- A piece written without spaces but with punctuation (PEN-LINK, HSCETC-14-C-00002,
  B.I.) is searched as its words or as their concatenation (PENLINK, HSCETC14C00002).
- Words found in nearly every award (AND, OF, TO, THE, ...) are not searched when the
  search has other words.
- Characters that are not letters or digits are dropped (accents are removed first);
  a piece with nothing else is reported as dropped, so that a search made only of
  them says so instead of matching every award.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import yaml

from custodes.errors import ConfigError, InputError

MAX_WORDS = 8  # words of a search (its letters-and-digits runs)
EXACT_LENGTH = 4  # synonym words this short match whole words only
SEP = "~"  # sorts after A-Z and 0-9: PREFIX..PREFIX~ covers the words starting with it
# left out of synonym phrases (a prefix of them matches nearly every award)
STOPWORDS = frozenset({"A", "AN", "AND", "FOR", "IN", "OF", "ON", "THE", "TO", "WITH"})


class Vocabulary(Protocol):
    """What the reading needs from the store's words (custodes/search/tokens.py)."""

    def rows(self, prefix: str) -> int: ...

    def has(self, word: str) -> bool: ...


@dataclass(frozen=True)
class Word:
    text: str
    exact: bool = False  # the whole word (and its plural), not every word it starts

    def bounds(self) -> list[tuple[str, str]]:
        """[low, high) ranges of the word table's words it matches."""
        if self.exact:
            return [
                (self.text, self.text + "\x00"),
                (self.text + "S", self.text + "S\x00"),
            ]
        return [(self.text, self.text + SEP)]

    def __str__(self) -> str:
        return self.text if self.exact else self.text + "*"


@dataclass(frozen=True)
class Term:
    words: tuple[Word, ...]  # any of them

    def __str__(self) -> str:
        inner = " | ".join(str(w) for w in self.words)
        return inner if len(self.words) == 1 else f"({inner})"


Alternative = tuple[Term, ...]  # all of them


@dataclass(frozen=True)
class Clause:
    alternatives: tuple[Alternative, ...]  # any of them
    text: str  # the search's words it stands for

    def __str__(self) -> str:
        return " OR ".join(" ".join(str(t) for t in a) for a in self.alternatives)


@dataclass(frozen=True)
class Plan:
    """A search read: the clauses, the words as read, and what was left out."""

    clauses: tuple[Clause, ...] = ()
    words: tuple[str, ...] = ()  # the letters-and-digits runs, upper-cased, in order
    dropped: tuple[str, ...] = ()  # pieces of the text with no letter or digit
    notes: tuple[str, ...] = field(default=(), compare=False)  # how it was widened

    @property
    def empty(self) -> bool:
        return not self.clauses

    def simple(self) -> list[str] | None:
        """The words when every clause is one word (searched as a prefix: the plain
        search the common words' prepared results and the index's word slices
        answer), else None."""
        out = []
        for c in self.clauses:
            if len(c.alternatives) != 1 or len(c.alternatives[0]) != 1:
                return None
            (term,) = c.alternatives[0]
            if len(term.words) != 1 or term.words[0].exact:
                return None
            out.append(term.words[0].text)
        return out

    def describe(self) -> str:
        return " AND ".join(f"[{c}]" for c in self.clauses)

    def spellings(self, most: int = 32) -> list[list[list[str]]]:
        """Each clause as its alternatives written out as lists of words (one word
        of each term, every combination, at most MOST per clause): for searching
        other texts by substring, as the data-web search does."""
        out = []
        for clause in self.clauses:
            found: list[list[str]] = []
            for alternative in clause.alternatives:
                combos: list[list[str]] = [[]]
                for term in alternative:
                    combos = [c + [w.text] for c in combos for w in term.words]
                found += combos
            out.append(found[:most])
        return out


@dataclass(frozen=True)
class Lexicon:
    spellings: tuple[tuple[str, str], ...]  # (one form, the other), upper-cased
    groups: tuple[tuple[tuple[str, ...], ...], ...]  # each group: phrases of words
    origins: tuple[str, ...]  # each group's `from`

    @cached_property
    def _forms(self) -> tuple[tuple[str, str, str], ...]:
        """Each pair as (form to look for, form to put instead, first form), the
        longer form of a pair first (ENROLL before ENROL): worked out once, not for
        every word of every search."""
        out = []
        for a, b in self.spellings:
            for one in sorted((a, b), key=len, reverse=True):
                out.append((one, b if one == a else a, a))
        return tuple(out)

    def variants(self, word: str) -> list[str]:
        """WORD and its other spellings (the spelling is swapped where the word starts
        with it; the longer form is tried first, as ENROLL before ENROL)."""
        out = [word]
        forms = self._forms
        for i in range(0, len(forms), 2):
            for one, other, _ in forms[i : i + 2]:
                if word.startswith(one):
                    out.append(other + word[len(one) :])
                    break
        return list(dict.fromkeys(out))

    def canonical(self, word: str) -> str:
        """One spelling for comparing phrases: the first form of each pair."""
        for one, _, first in self._forms:
            if word.startswith(one):
                return first + word[len(one) :]
        return word

    def key(self, word: str) -> str:
        """A word as phrases are compared: one spelling, no plural S."""
        word = self.canonical(word)
        if len(word) > 3 and word.endswith("S") and not word.endswith("SS"):
            word = word[:-1]
        return word

    @cached_property
    def phrase_groups(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        """Each synonym phrase's words as compared (keys run together, GEOLOCATION
        DATA as GEOLOCATIONDATA) -> the first group holding it: worked out once, so
        that reading a search looks phrases up instead of going through them all."""
        out: dict[str, tuple[tuple[str, ...], ...]] = {}
        for group in self.groups:
            for phrase in group:
                out.setdefault("".join(self.key(w) for w in phrase), group)
        return out


def data_path() -> Path:
    return Path(
        str(resources.files("custodes.data").joinpath("search", "synonyms.yaml"))
    )


@cache
def load_lexicon(path: Path | None = None) -> Lexicon:
    """The spellings and synonym groups of custodes/data/search/synonyms.yaml."""
    path = path or data_path()
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"Could not read {path}: {exc}. Fix the file.") from exc
    spellings = []
    for pair in raw.get("spellings") or []:
        if not (isinstance(pair, list) and len(pair) == 2):
            raise ConfigError(f"{path}: spellings are pairs like [licence, license].")
        a, b = (_only_word(str(w), path) for w in pair)
        spellings.append((a, b))
    groups, origins = [], []
    for entry in raw.get("synonyms") or []:
        phrases = entry.get("phrases") if isinstance(entry, dict) else None
        if not phrases or not entry.get("from"):
            raise ConfigError(f"{path}: each synonym group needs `from` and `phrases`.")
        words = tuple(tuple(split_words(str(p))) for p in phrases)
        if not all(words):
            raise ConfigError(
                f"{path}: an empty phrase in the group from {entry['from']}."
            )
        groups.append(words)
        origins.append(str(entry["from"]))
    return Lexicon(tuple(spellings), tuple(groups), tuple(origins))


def _only_word(text: str, path: Path) -> str:
    words = split_words(text)
    if len(words) != 1:
        raise ConfigError(f"{path}: {text!r} is not one word.")
    return words[0]


def fold(text: str) -> str:
    """Upper case without accents; apostrophes removed (DRIVER'S -> DRIVERS)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"['\u2019`\u00b4]", "", text).upper()


def split_words(text: str) -> list[str]:
    """The letters-and-digits runs of TEXT, folded (as the word table splits text)."""
    return re.findall(r"[A-Z0-9]+", fold(text))


def read_query(
    text: str | None,
    vocabulary: Vocabulary | None = None,
    lexicon: Lexicon | None = None,
) -> Plan:
    """TEXT read into a Plan (see the module's docstring). Without VOCABULARY (the
    store's word counts) no plural, joined or split word is tried."""
    if not text or not text.strip():
        return Plan()
    lexicon = lexicon or load_lexicon()
    pieces: list[list[str]] = []  # the words of each whitespace-separated piece
    dropped: list[str] = []
    for piece in text.split():
        words = split_words(piece)
        if words:
            pieces.append(words)
        else:
            dropped.append(piece)
    words = [w for p in pieces for w in p]
    if len(dict.fromkeys(words)) > MAX_WORDS:
        raise InputError(f"Use at most {MAX_WORDS} words in a search.")
    if not words:
        return Plan(dropped=tuple(dropped))
    reader = _Reader(lexicon, vocabulary)
    clauses, notes = reader.read(pieces)
    return Plan(tuple(clauses), tuple(words), tuple(dropped), tuple(notes))


class _Reader:
    def __init__(self, lexicon: Lexicon, vocabulary: Vocabulary | None):
        self.lexicon = lexicon
        self.vocabulary = vocabulary
        self.notes: list[str] = []
        self.dropped_words: list[str] = []

    def known(self, word: str) -> bool:
        return self.vocabulary is not None and self.vocabulary.has(word)

    def starts(self, prefix: str) -> bool:
        return self.vocabulary is not None and self.vocabulary.rows(prefix) > 0

    def key(self, word: str) -> str:
        """A word as phrases are compared: one spelling, no plural S."""
        return self.lexicon.key(word)

    def read(self, pieces: list[list[str]]) -> tuple[list[Clause], list[str]]:
        words = [w for p in pieces for w in p]
        piece_of = [i for i, p in enumerate(pieces) for _ in p]
        keys = [self.key(w) for w in words]
        clauses: list[Clause] = []
        i = 0
        plain: list[tuple[int, list[str]]] = []  # (piece, words) not in a synonym
        while i < len(words):
            found = self.synonym_at(keys, i)
            if found is not None:
                length, group = found
                clauses.append(self.synonym_clause(words[i : i + length], group))
                i += length
                continue
            if (
                words[i] in STOPWORDS
                and len(pieces[piece_of[i]]) == 1
                and any(w not in STOPWORDS for w in words)
            ):
                self.dropped_words.append(
                    words[i]
                )  # AND, OF, TO: in nearly every award
            elif plain and plain[-1][0] == piece_of[i]:
                plain[-1][1].append(words[i])
            else:
                plain.append((piece_of[i], [words[i]]))
            i += 1
        if self.dropped_words:
            self.notes.append(
                "not searched (in nearly every award): " + ", ".join(self.dropped_words)
            )
        clauses += self.plain_clauses([ws for _, ws in plain])
        unique = list({c.alternatives: c for c in clauses}.values())
        return unique, self.notes

    def synonym_at(
        self, keys: list[str], at: int
    ) -> tuple[int, tuple[tuple[str, ...], ...]] | None:
        """The longest synonym phrase starting at word AT: (how many words of the
        search it covers, its group). Words compare without spaces, so that GEO
        LOCATION DATA is the phrase GEOLOCATION DATA and WIRE TAP is WIRETAP."""
        # The words run together grow with each word taken, so a phrase can equal
        # them for one count of words only: look each count up (the longest wins,
        # and of the phrases equal to it, the first group's).
        best: tuple[int, tuple[tuple[str, ...], ...]] | None = None
        phrases = self.lexicon.phrase_groups
        joined = ""
        for n in range(1, min(MAX_WORDS, len(keys) - at) + 1):
            joined += keys[at + n - 1]
            group = phrases.get(joined)
            if group is not None:
                best = (n, group)
        return best

    def synonym_clause(
        self, words: list[str], group: tuple[tuple[str, ...], ...]
    ) -> Clause:
        kept = [w for w in words if w not in STOPWORDS] or words
        own = tuple(self.term(w) for w in kept)
        alternatives = [own]
        mine = tuple(self.key(w) for w in words)
        for phrase in group:
            if tuple(self.key(w) for w in phrase) == mine:
                continue  # the search's own words, as prefixes, cover it
            kept = [w for w in phrase if len(w) > 1 and w not in STOPWORDS]
            short = len(kept) == 1 and len(kept[0]) <= EXACT_LENGTH
            alt = tuple(self.term(w, exact=short) for w in kept)
            if alt:
                alternatives.append(alt)
        text = " ".join(words)
        others = [
            " ".join(p)
            for p in group
            if tuple(self.key(w) for w in p) != tuple(self.key(w) for w in words)
        ]
        self.notes.append(f"{text} also searched as: {', '.join(others)}")
        return Clause(_distinct(alternatives), text)

    def plain_clauses(self, runs: list[list[str]]) -> list[Clause]:
        """Clauses for words outside synonyms, RUNS grouped by piece: a piece of
        several words (PEN-LINK) is one clause, its words or their concatenation; two
        pieces of one word each (GRAY KEY) become one clause when their concatenation
        starts a word of the store."""
        out: list[Clause] = []
        i = 0
        while i < len(runs):
            run = runs[i]
            if len(run) > 1:
                joined = "".join(run)
                longer = [w for w in run if len(w) > 1]  # B.I. -> BI only
                alternatives = [tuple(self.term(w) for w in longer)] if longer else []
                alternatives.append((self.term(joined),))
                out.append(Clause(_distinct(alternatives), "-".join(run)))
                i += 1
                continue
            word = run[0]
            nxt = runs[i + 1] if i + 1 < len(runs) and len(runs[i + 1]) == 1 else None
            if nxt is not None:
                joined = word + nxt[0]
                if any(self.starts(v) for v in self.lexicon.variants(joined)):
                    alternatives = [
                        (self.term(word), self.term(nxt[0])),
                        (self.term(joined),),
                    ]
                    self.notes.append(f"{word} {nxt[0]} also searched as {joined}")
                    out.append(Clause(_distinct(alternatives), f"{word} {nxt[0]}"))
                    i += 2
                    continue
            out.append(self.word_clause(word))
            i += 1
        return out

    def word_clause(self, word: str) -> Clause:
        alternatives: list[Alternative] = [(self.term(word),)]
        if self.vocabulary is not None and not any(
            self.starts(v) for v in self.lexicon.variants(word)
        ):
            split = self.split(word)
            if split is not None:
                self.notes.append(f"{word} also searched as {split[0]} {split[1]}")
                alternatives.append((self.term(split[0]), self.term(split[1])))
        return Clause(_distinct(alternatives), word)

    def split(self, word: str) -> tuple[str, str] | None:
        """WORD as two words of the store (the first whole, the second starting a
        word), the longest first part first; None when none is."""
        for cut in range(len(word) - 2, 1, -1):
            first, second = word[:cut], word[cut:]
            if len(second) >= 2 and self.known(first) and self.starts(second):
                return first, second
        return None

    def term(self, word: str, exact: bool = False) -> Term:
        """WORD with its other spellings and, for a plural of a word of the store,
        the singular (a prefix of it covers both)."""
        forms = self.lexicon.variants(word)
        if (
            not exact
            and len(word) > 3
            and word.endswith("S")
            and not word.endswith("SS")
        ):
            stem = word[:-1]
            if self.known(stem) or any(
                self.known(v) for v in self.lexicon.variants(stem)
            ):
                forms = self.lexicon.variants(stem)
        kept = list(dict.fromkeys(forms)) if exact else _shortest(forms)
        return Term(tuple(Word(f, exact) for f in kept))


def _shortest(words: Iterable[str]) -> list[str]:
    """WORDS without those another of them starts (a prefix covers them)."""
    kept: list[str] = []
    for w in sorted(dict.fromkeys(words), key=len):
        if not any(w.startswith(k) for k in kept):
            kept.append(w)
    return kept


def _distinct(alternatives: list[Alternative]) -> tuple[Alternative, ...]:
    return tuple(dict.fromkeys(alternatives))


def describe_plan(plan: Plan) -> dict[str, Any]:
    """The plan as data for the page and the --json output."""
    return {
        "words": list(plan.words),
        "dropped": list(plan.dropped),
        "also_searched": list(plan.notes),
    }
