"""Find which rules fire on which award, fast.

All patterns of one field are joined into a single RE2 alternation that DuckDB runs once
per
award (`regexp_extract_all`, vectorised and multi-threaded). That yields the matched
pieces of
text. The few distinct pieces are then mapped back to the rules whose patterns they
satisfy,
in Python, once per distinct piece. Patterns that span text (`.*`) are run one by one so
that
they cannot hide the shorter matches inside their span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from custodes.classify.awards import office_sql
from custodes.classify.names import normal_name_sql
from custodes.classify.rules import FIELDS, Rule, RuleSet
from custodes.store.sql import literal

HIT = "hit"
UNLESS = "unless"
WHEN = "when"


def shown(piece: str) -> str:
    """A matched piece as the evidence shows it: without the field's bars, and a
    recipient name matched at an office as `NAME (office 70B02C)` (awards.py)."""
    name, _, office = piece.partition("#")
    text = name.replace("||", " | ").strip("| ")
    return f"{text} (office {office.strip('|')})" if office else text


# The narrow patterns of a field are matched as alternations of at most this many
# patterns each, in rule order. One alternation of every pattern is fastest while RE2
# can hold its automaton in memory; past that (rules 2.4 took the text field from 573
# to 675 patterns) RE2 falls back to a slower engine, and the same scan took 5x the CPU
# (docs/benchmarks.md, classify). Each piece is mapped back to every rule whose pattern
# it matches (`resolve`), so splitting loses no hit; it can add one, where a match of
# one group overlaps a match of another that a single alternation would have hidden.
NARROW_CHUNK = 400


def _is_wide(pattern: str) -> bool:
    return ".*" in pattern or ".+" in pattern


@dataclass
class FieldMatcher:
    """The patterns of one field; a cache from matched text to (kind, rule index)."""

    tokens: list[tuple[re.Pattern[str], int, str]] = field(default_factory=list)
    narrow: list[str] = field(default_factory=list)
    wide: list[str] = field(default_factory=list)
    cache: dict[str, frozenset[tuple[str, int]]] = field(default_factory=dict)

    def add(self, pattern: str, rule_index: int, kind: str) -> None:
        self.tokens.append((re.compile(pattern), rule_index, kind))
        bucket = self.wide if _is_wide(pattern) else self.narrow
        if pattern not in bucket:
            bucket.append(pattern)

    def extract_sql(self, column: str) -> str:
        """SQL for the sorted distinct list of matched pieces of `column`."""
        parts = []
        for start in range(0, len(self.narrow), NARROW_CHUNK):
            chunk = self.narrow[start : start + NARROW_CHUNK]
            ordered = sorted(chunk, key=lambda p: (-len(p), p))
            combined = "|".join(f"(?:{p})" for p in ordered)
            parts.append(f"regexp_extract_all({column}, {literal(combined)})")
        parts += [f"[regexp_extract({column}, {literal(p)})]" for p in self.wide]
        if not parts:
            return "[]::VARCHAR[]"
        joined = parts[0] if len(parts) == 1 else f"flatten([{', '.join(parts)}])"
        return f"list_sort(list_distinct(list_filter({joined}, lambda x: x <> '')))"

    def resolve(self, piece: str) -> frozenset[tuple[str, int]]:
        found = self.cache.get(piece)
        if found is None:
            found = frozenset(
                (kind, idx) for rx, idx, kind in self.tokens if rx.search(piece)
            )
            self.cache[piece] = found
        return found


class Matcher:
    """Compiles a RuleSet into per-field SQL and maps matched pieces back to rules."""

    def __init__(self, ruleset: RuleSet):
        self.rules: tuple[Rule, ...] = ruleset.rules
        self.fields = {f: FieldMatcher() for f in FIELDS}
        for i, rule in enumerate(self.rules):
            fm = self.fields[rule.field]
            for p in rule.patterns:
                fm.add(p, i, HIT)
            for p in rule.unless:
                self.fields[rule.unless_field or rule.field].add(p, i, UNLESS)
            for p in rule.when:
                self.fields[rule.when_field or rule.field].add(p, i, WHEN)

    def names_sql(self, where: str = "", source: str = '"transaction"') -> str:
        """One row per distinct (recipient name, awarding office) of the transactions
        (`where` filters them; `source`: the table read, as in awards.award_text_sql):
        the name as given (`n`), the office, and the matched recipient pieces (`h`) of
        the field `|NAME|#OFFICE|` (names.py, awards.py). Each name is normalised and
        matched once, however many awards it has."""
        cond = f"WHERE {where}" if where else ""
        rec = self.fields["recipient"].extract_sql("rf")
        field = f"'|' || {normal_name_sql('n')} || '|#' || office || '|'"
        return f"""
SELECT n, office, {rec} AS h
FROM (SELECT n, office, {field} AS rf
      FROM (SELECT DISTINCT recipient_name AS n, {office_sql("piid")} AS office
            FROM {source} {cond})
      WHERE n IS NOT NULL)"""

    def hits_sql(self, source: str, keep: tuple[str, ...] = (), names: str = "") -> str:
        """One row per award of `source` (award texts): the matched pieces per field,
        plus the `keep` columns unchanged.

        With `names` (a table made by `names_sql`) the source has the raw names `r_lo`,
        `r_hi` and `office` instead of `recipient` (awards.award_text_sql with
        names_apart): every award takes the matched pieces of its names from that table.
        """
        kept = "".join(f"{k}, " for k in keep)
        if not names:
            cols = ",\n  ".join(
                f"{self.fields[f].extract_sql(f)} AS h_{f}" for f in FIELDS
            )
            return f"SELECT award_key, {kept}\n  {cols}\nFROM {source}"
        own = [f for f in FIELDS if f != "recipient"]
        cols = ",\n  ".join(f"{self.fields[f].extract_sql(f)} AS h_{f}" for f in own)
        return f"""
SELECT x.award_key, {kept}{", ".join(f"h_{f}" for f in own)},
  list_sort(list_distinct(list_concat(coalesce(lo.h, []::VARCHAR[]),
      CASE WHEN x.r_hi <> x.r_lo THEN coalesce(hi.h, []::VARCHAR[])
           ELSE []::VARCHAR[] END))) AS h_recipient
FROM (SELECT award_key, {kept}r_lo, r_hi, office,
        {cols}
      FROM {source}) x
LEFT JOIN {names} lo ON lo.n = x.r_lo AND lo.office = x.office
LEFT JOIN {names} hi ON hi.n = x.r_hi AND hi.office = x.office"""

    def fired(self, pieces: dict[str, list[str]]) -> dict[int, str]:
        """Rule index -> the first matched text, for rules that fire (their `unless` did
        not, and their `when`, if they have one, matched too).
        """
        hits: dict[int, str] = {}
        blocked: set[int] = set()
        met: set[int] = set()
        for fname, values in pieces.items():
            fm = self.fields[fname]
            for piece in values or ():
                for kind, idx in fm.resolve(piece):
                    if kind == UNLESS:
                        blocked.add(idx)
                    elif kind == WHEN:
                        met.add(idx)
                    else:
                        hits.setdefault(idx, shown(piece))
        return {
            i: t
            for i, t in hits.items()
            if i not in blocked and (not self.rules[i].when or i in met)
        }

    def pieces_for(
        self, field: str, pieces: list[str] | None, rule_indices: set[int]
    ) -> list[str]:
        """The matched pieces of `field` that fire one of `rule_indices`."""
        fm = self.fields[field]
        return sorted(
            {
                p
                for p in pieces or ()
                if any(k == HIT and i in rule_indices for k, i in fm.resolve(p))
            }
        )
