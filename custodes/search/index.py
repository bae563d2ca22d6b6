"""The search page's word index and facet columns, held in memory as arrays.

A search reads, for every award that matches, the columns it can be filtered and
counted by (agency, category, vendor, maker, obligations, fiscal years). In SQL that
is a few queries of a millisecond or more each, plus turning their rows into Python
objects; for a word that a few hundred awards contain, the queries are most of the
page's cost. Here the same work is done on arrays read once per open store:

- the word table's award ids in its stored order (by word, then award), with the
  running word-row totals of serve_token_count (tokens.py) marking where each word's
  ids start: the awards of a word prefix are one slice, or the union of a few;
- one array per facet column indexed by award id: the value's number in a short list
  of the column's distinct values, obligations in cents (exact as float64 sums while
  every total stays below 2**53 cents; checked on loading), and the award's fiscal
  years as bits.

The common words' prepared results are read in the same pass (custodes/search/common.py)
and numbered with the same value lists.

The answers are the SQL paths' answers (the same facet rows, year facet and page of
award ids; tests/serve/test_index.py compares them). The index is read from the store
in a background thread when a store is opened (custodes/search/indexbuild.py); the
web app's searches wait for it (App.index_ready in custodes/serve/app.py, at most
INDEX_WAIT seconds) and then take the SQL paths if it is still not ready, as they do
when a prefix matches more word rows than MAX_PREFIX_ROWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from custodes.search.facets import FACET_COLUMNS, FACET_ROWS, GROUPS
from custodes.search.tokens import TokenCounts

if TYPE_CHECKING:
    from custodes.search.common import CommonWords
    from custodes.search.query import Query
    from custodes.search.terms import Plan, Term, Word

MAX_PREFIX_ROWS = 4_000_000  # a wider prefix takes the SQL path (it has a time limit)
NO_DAY = np.iinfo(np.int32).min  # a NULL date in the day arrays


@dataclass(frozen=True)
class Column:
    codes: np.ndarray  # by award id: index into values, -1 for NULL
    values: list[Any]
    index: dict[Any, int]


@dataclass(frozen=True)
class SearchIndex:
    counts: TokenCounts
    ids: np.ndarray  # award ids, by word then award (serve_word's stored order)
    columns: dict[str, Column]  # FACET_COLUMNS
    cents: np.ndarray  # by award id, float64, 0 for NULL
    has_money: np.ndarray  # by award id, 1.0 where obligations are not NULL
    all_priced: bool  # no award's obligations are NULL
    years: np.ndarray  # by award id, bit (year - first_year) set for each year
    first_year: int
    year_span: int  # years from the first to the last, both counted
    last_award: int
    common: CommonWords | None = None  # the common words' prepared results
    # by award id: days since 1970-01-01 of the first and last action (NO_DAY: NULL)
    first_day: np.ndarray | None = None
    last_day: np.ndarray | None = None

    def word_ids(self, token: str) -> np.ndarray | None:
        """Sorted distinct award ids of the words that start with TOKEN (None: too
        many word rows to gather here)."""
        return self.range_ids(*self.counts.span(token))

    def range_ids(self, lo: int, hi: int) -> np.ndarray | None:
        """Sorted distinct award ids of the words at positions [LO, HI) of the word
        counts (None: too many word rows to gather here)."""
        start, end = self.counts.running[lo], self.counts.running[hi]
        if end - start > MAX_PREFIX_ROWS:
            return None
        if hi - lo <= 1:
            return self.ids[start:end]
        return self._union_runs(self.ids[start:end])

    def _union_runs(self, ids: np.ndarray) -> np.ndarray:
        """IDS made of sorted runs, as one sorted array without repeats."""
        if not len(ids):
            return ids.astype(np.int32)
        if len(ids) * 16 < self.last_award:
            # each run is sorted: a stable sort merges them
            merged = np.sort(ids, kind="stable")
            keep = np.empty(len(merged), dtype=bool)
            keep[0] = True
            np.not_equal(merged[1:], merged[:-1], out=keep[1:])
            return merged[keep]
        return np.flatnonzero(self._marked(ids)).astype(np.int32)

    def plan_ids(self, plan: Plan) -> np.ndarray | None:
        """Sorted award ids that match every clause of PLAN (clauses ordered rarest
        first); None when a word is too wide to gather here."""
        found: np.ndarray | None = None
        for clause in plan.clauses:
            ids = self._any_of(
                [self._all_of(alternative) for alternative in clause.alternatives]
            )
            if ids is None:
                return None
            found = ids if found is None else self._within(found, ids)
            if not len(found):
                break
        return found

    def plan_within(self, plan: Plan, found: np.ndarray) -> np.ndarray | None:
        """The ids of FOUND (few, sorted, distinct) that match every clause of PLAN,
        each looked up in each word's runs of ids by bisection (no union of a wide
        prefix's runs is built); None when a word is too wide to read here."""
        for clause in plan.clauses:
            keep = np.zeros(len(found), dtype=bool)
            for alternative in clause.alternatives:
                both = np.ones(len(found), dtype=bool)
                for term in alternative:
                    one = np.zeros(len(found), dtype=bool)
                    for word in term.words:
                        for low, high in word.bounds():
                            hit = self._in_runs(*self.counts.bounded(low, high), found)
                            if hit is None:
                                return None
                            one |= hit
                    both &= one
                keep |= both
            found = found[keep]
        return found

    def _in_runs(self, lo: int, hi: int, found: np.ndarray) -> np.ndarray | None:
        """Which of FOUND are among the ids of the words at positions [LO, HI)."""
        running = self.counts.running
        if running[hi] - running[lo] > MAX_PREFIX_ROWS:
            return None
        hit = np.zeros(len(found), dtype=bool)
        if not len(found):
            return hit
        for k in range(lo, hi):
            run = self.ids[running[k] : running[k + 1]]
            if len(run):
                at = np.minimum(np.searchsorted(run, found), len(run) - 1)
                hit |= run[at] == found
        return hit

    def _all_of(self, terms: tuple[Term, ...]) -> np.ndarray | None:
        found: np.ndarray | None = None
        for term in terms:
            ids = self._any_of([self._word(w) for w in term.words])
            if ids is None:
                return None
            found = ids if found is None else self._within(found, ids)
            if not len(found):
                break
        return found

    def _word(self, word: Word) -> np.ndarray | None:
        return self._any_of(
            [self.range_ids(*self.counts.bounded(lo, hi)) for lo, hi in word.bounds()]
        )

    def _any_of(self, parts: list[np.ndarray | None]) -> np.ndarray | None:
        """The sorted union of sorted PARTS (None when one is None)."""
        if any(p is None for p in parts):
            return None
        kept = [p for p in parts if p is not None and len(p)]
        if not kept:
            return np.empty(0, dtype=np.int32)
        if len(kept) == 1:
            return kept[0]
        return self._union_runs(np.concatenate(kept))

    def selected(self, ids: np.ndarray, query: Query) -> np.ndarray:
        """IDS that pass QUERY's filters: facet values, fiscal year, amounts, dates."""
        wanted, bit = self.wanted(query.filters(), query.fiscal_year)
        codes = {c: self.columns[c].codes for c in wanted}
        ids = kept(ids, codes, self.years, wanted, bit)
        low, high = query.min_cents, query.max_cents
        if low is not None or high is not None:
            money = self.cents[ids]
            keep = self.has_money[ids] == 1
            if low is not None:
                keep &= money >= low
            if high is not None:
                keep &= money <= high
            ids = ids[keep]
        start, end = query.day_range()
        if start is not None or end is not None:
            assert self.first_day is not None and self.last_day is not None
            first, last = self.first_day[ids], self.last_day[ids]
            keep = (first != NO_DAY) & (last != NO_DAY)
            if end is not None:
                keep &= first <= end
            if start is not None:
                keep &= last >= start
            ids = ids[keep]
        return ids

    @property
    def has_days(self) -> bool:
        return self.first_day is not None and self.last_day is not None

    def _within(self, found: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """The ids of FOUND that IDS holds (both sorted, distinct), in FOUND's order.
        A few found ids are looked up in IDS by bisection; more are checked against a
        mask of IDS, whose cost (a mask the size of the store's awards, every id of
        IDS marked) no longer depends on how few ids are looked up."""
        if len(found) * 64 < self.last_award:
            if not len(found) or not len(ids):
                return found[:0]
            at = np.searchsorted(ids, found)
            np.minimum(at, len(ids) - 1, out=at)
            return found[ids[at] == found]
        return found[self._marked(ids)[found]]

    def _marked(self, ids: np.ndarray) -> np.ndarray:
        """A mask by award id, true at IDS."""
        mark = np.zeros(self.last_award + 1, dtype=bool)
        mark[ids] = True
        return mark

    def matching(
        self, tokens: list[str], filters: dict[str, Any], fiscal_year: int | None
    ) -> np.ndarray | None:
        """Sorted award ids that match every token (ordered rarest first) and every
        filter; None when there are no tokens or a prefix is too wide."""
        if not tokens:
            return None
        found = self.word_ids(tokens[0])
        for token in tokens[1:]:
            if found is None or not len(found):
                break
            other = self.word_ids(token)
            if other is None:
                return None
            found = self._within(found, other)
        if found is None:
            return None
        wanted, bit = self.wanted(filters, fiscal_year)
        codes = {c: self.columns[c].codes for c in wanted}
        return kept(found, codes, self.years, wanted, bit)

    def wanted(
        self, filters: dict[str, Any], fiscal_year: int | None
    ) -> tuple[dict[str, int], int | None]:
        """FILTERS (facet column -> value) as value numbers (-2: a value the store does
        not hold), and FISCAL_YEAR as a bit of the years arrays."""
        wanted = {c: self.columns[c].index.get(v, -2) for c, v in filters.items()}
        return wanted, None if fiscal_year is None else fiscal_year - self.first_year

    def facets(self, ids: np.ndarray) -> list[dict[str, Any]]:
        """The facet rows of the awards IDS, as search.FACETS_SQL returns them, less
        the rows no facet can show (see _shown)."""
        codes = {c: self.columns[c].codes[ids] for c in FACET_COLUMNS}
        priced = None if self.all_priced else self.has_money[ids]
        return array_facets(self, codes, self.cents[ids], priced)

    def year_facet(self, ids: np.ndarray) -> list[dict[str, Any]]:
        """Awards per fiscal year of their years, by year."""
        return array_years(self, self.years[ids])

    def top(
        self, ids: np.ndarray, size: int, offset: int, sort: str = "largest"
    ) -> list[int]:
        """One page of IDS in the order SORT names (largest or smallest obligations,
        newest or oldest first action; NULL last), then by id."""
        want = offset + size
        # smaller key first, NULL as +inf; ties broken by id below
        if sort in ("largest", "smallest"):
            key = -self.cents[ids] if sort == "largest" else self.cents[ids].copy()
            if not self.all_priced:
                key[self.has_money[ids] == 0] = np.inf
        else:
            assert self.first_day is not None
            days = self.first_day[ids].astype(np.float64)
            key = -days if sort == "newest" else days
            key[days == NO_DAY] = np.inf
        if len(ids) > want > 0:
            cut = np.partition(key, want - 1)[want - 1]
            keep = key <= cut  # every award that can be on the page, ties included
            ids, key = ids[keep], key[keep]
        order = np.lexsort((ids, key))
        return [int(i) for i in ids[order][offset:want]]


def kept(
    rows: np.ndarray,
    codes: dict[str, np.ndarray],
    years: np.ndarray,
    wanted: dict[str, int],
    bit: int | None,
) -> np.ndarray:
    """ROWS (positions in CODES and YEARS) whose facet values are the WANTED numbers
    and, with BIT, whose years include it."""
    for column, code in wanted.items():
        rows = rows[codes[column][rows] == code]
    if bit is not None:
        if not 0 <= bit < 63:
            return rows[:0]
        rows = rows[(years[rows] >> np.int64(bit)) & 1 == 1]
    return rows


def array_facets(
    index: SearchIndex,
    codes: dict[str, np.ndarray],
    cents: np.ndarray,
    priced: np.ndarray | None,
    weights: np.ndarray | None = None,
) -> list[dict[str, Any]]:
    """Facet rows, as the SQL GROUPING SETS query gives them, of rows with these
    value numbers per facet column (CODES), CENTS, PRICED (1.0 where the cents are
    known; None: all are) and WEIGHTS (awards a row stands for; None: one)."""
    out = []
    for column, g in GROUPS:
        numbers = codes[column] + 1  # 0 is NULL
        size = len(index.columns[column].values) + 1
        awards = np.bincount(numbers, weights=weights, minlength=size)
        money = np.bincount(numbers, weights=cents, minlength=size)
        known = (
            awards
            if priced is None
            else np.bincount(numbers, weights=priced, minlength=size)
        )
        values = index.columns[column].values
        # every vendor row: the engine moves the awards of more than one payee
        # between vendors afterwards (custodes/search/payees.py), and a vendor cut
        # here could then belong among those shown
        shown = (
            np.flatnonzero(awards).tolist() if column == "vendor_id" else _shown(awards)
        )
        for code in shown:
            row = dict.fromkeys(FACET_COLUMNS)
            row[column] = values[code - 1] if code else None
            out.append(
                {
                    **row,
                    "awards": int(awards[code]),
                    "obligation_usd": _money(money[code], known[code]),
                    "g": g,
                }
            )
    total = len(cents) if weights is None else int(weights.sum())
    known_total = total if priced is None else priced.sum()
    out.append(
        {**dict.fromkeys(FACET_COLUMNS), "awards": total,
         "obligation_usd": _money(cents.sum(), known_total) if total else None,
         "g": 15}
    )  # fmt: skip
    return out


def array_years(
    index: SearchIndex, years: np.ndarray, weights: np.ndarray | None = None
) -> list[dict[str, Any]]:
    """The fiscal-year facet of rows with these YEARS (bits) and WEIGHTS (awards a
    row stands for; None: one): the rows counted by their set of years (a few
    hundred sets), then each set's years."""
    if index.year_span <= 16:
        counts = np.bincount(years, weights=weights, minlength=1)
        sets = np.flatnonzero(counts)
        counts = counts[sets]
    else:
        sets, inverse = np.unique(years, return_inverse=True)
        counts = np.bincount(inverse, weights=weights, minlength=len(sets))
    per_year: dict[int, int] = {}
    for bits, n in zip(sets.tolist(), counts.tolist(), strict=True):
        bit = 0
        while bits:
            if bits & 1:
                per_year[bit] = per_year.get(bit, 0) + int(n)
            bits >>= 1
            bit += 1
    return [
        {"fiscal_year": index.first_year + b, "awards": per_year[b]}
        for b in sorted(per_year)
    ]


def _shown(awards: np.ndarray) -> list[int]:
    """The codes (0 is NULL) a facet can show: NULL if present, and the values with at
    least as many awards as the FACET_ROWS-th largest value (ties kept)."""
    values = awards[1:]
    found = np.flatnonzero(values) + 1
    if len(found) > FACET_ROWS:
        cut = np.partition(values, len(values) - FACET_ROWS)[len(values) - FACET_ROWS]
        found = np.flatnonzero(values >= max(cut, 1)) + 1
    return ([0] if awards[0] else []) + found.tolist()


def _money(cents: float, priced: float) -> Decimal | None:
    """A sum of cents as SQL's sum of DECIMAL(38,2) shows it (NULL: no value)."""
    if not priced:
        return None
    return Decimal(int(cents)).scaleb(-2)


def index_search(
    index: SearchIndex, plan: Plan, query: Query
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int]] | None:
    """Facet rows, year facet and the page's award ids of a search with words (PLAN,
    its clauses rarest first) under QUERY's filters, sort and page; None when the
    index cannot answer it."""
    if not index.has_days and (query.needs_days()):
        return None
    words = plan.simple()
    if words is not None:
        ids = index.matching(words, query.filters(), query.fiscal_year)
    else:
        ids = index.plan_ids(plan)
    if ids is None:
        return None
    if words is None or query.has_ranges():
        ids = index.selected(ids, query)
    top = index.top(ids, query.size, query.offset, query.sort)
    return index.facets(ids), index.year_facet(ids), top


def common_search(
    index: SearchIndex, token: str, query: Query
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int]] | None:
    """A one-word search for a common word from its prepared results in memory
    (custodes/search/common.py); None when TOKEN is not one or they cannot answer."""
    if index.common is None or not query.plain():
        return None
    return index.common.search(
        index, token, query.filters(), query.fiscal_year, query.size, query.page
    )
