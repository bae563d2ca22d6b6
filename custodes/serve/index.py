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

The common words' prepared results are read in the same pass (custodes/serve/common.py)
and numbered with the same value lists.

The answers are the SQL paths' answers (the same facet rows, year facet and page of
award ids; tests/serve/test_index.py compares them). The index is read from the store
in a background thread when a store is opened (custodes/serve/indexbuild.py);
searches take the SQL paths until it is ready, and also when a prefix matches more
word rows than MAX_PREFIX_ROWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from custodes.serve.common import CommonWords
from custodes.serve.facets import FACET_COLUMNS, FACET_ROWS, GROUPS
from custodes.serve.tokens import TokenCounts

MAX_PREFIX_ROWS = 4_000_000  # a wider prefix takes the SQL path (it has a time limit)


@dataclass(frozen=True)
class Column:
    codes: np.ndarray  # by award id: index into values, -1 for NULL
    values: list[Any]
    index: dict[Any, int]


@dataclass(frozen=True)
class SearchIndex:
    counts: TokenCounts
    ids: np.ndarray  # award ids, by word then award (serve_token's stored order)
    columns: dict[str, Column]  # FACET_COLUMNS
    cents: np.ndarray  # by award id, float64, 0 for NULL
    has_money: np.ndarray  # by award id, 1.0 where obligations are not NULL
    all_priced: bool  # no award's obligations are NULL
    years: np.ndarray  # by award id, bit (year - first_year) set for each year
    first_year: int
    year_span: int  # years from the first to the last, both counted
    last_award: int
    common: CommonWords | None = None  # the common words' prepared results

    def word_ids(self, token: str) -> np.ndarray | None:
        """Sorted distinct award ids of the words that start with TOKEN (None: too
        many word rows to gather here)."""
        lo, hi = self.counts.span(token)
        start, end = self.counts.running[lo], self.counts.running[hi]
        if end - start > MAX_PREFIX_ROWS:
            return None
        if hi - lo <= 1:
            return self.ids[start:end]
        if (end - start) * 16 < self.last_award:
            # each word's ids are sorted: a stable sort merges the runs
            merged = np.sort(self.ids[start:end], kind="stable")
            keep = np.empty(len(merged), dtype=bool)
            keep[0] = True
            np.not_equal(merged[1:], merged[:-1], out=keep[1:])
            return merged[keep]
        return np.flatnonzero(self._marked(self.ids[start:end])).astype(np.int32)

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
            found = found[self._marked(other)[found]]
        if found is None:
            return None
        for column, value in filters.items():
            code = self.columns[column].index.get(value)
            if code is None:
                return found[:0]
            found = found[self.columns[column].codes[found] == code]
        if fiscal_year is not None:
            bit = fiscal_year - self.first_year
            if not 0 <= bit < 63:
                return found[:0]
            found = found[(self.years[found] >> np.int64(bit)) & 1 == 1]
        return found

    def facets(self, ids: np.ndarray) -> list[dict[str, Any]]:
        """The facet rows of the awards IDS, as search.FACETS_SQL returns them, less
        the rows no facet can show (see _shown)."""
        cents = self.cents[ids]
        has = cents if self.all_priced else self.has_money[ids]
        counted = []
        for column, g in GROUPS:
            codes = self.columns[column].codes[ids] + 1  # 0 is NULL
            size = len(self.columns[column].values) + 1
            awards = np.bincount(codes, minlength=size)
            counted.append(
                (
                    column,
                    g,
                    awards,
                    np.bincount(codes, weights=cents, minlength=size),
                    awards
                    if self.all_priced
                    else np.bincount(codes, weights=has, minlength=size),
                )
            )
        priced = len(ids) if self.all_priced else has.sum()
        return facet_rows(self, counted, len(ids), cents.sum(), priced)

    def year_facet(self, ids: np.ndarray) -> list[dict[str, Any]]:
        """Awards per fiscal year of their years, by year: the awards counted by their
        set of years (a few hundred sets), then each set's years."""
        years = self.years[ids]
        if self.year_span <= 16:
            awards = np.bincount(years, minlength=1)
            sets = np.flatnonzero(awards)
            awards = awards[sets]
        else:
            sets, awards = np.unique(years, return_counts=True)
        per_year: dict[int, int] = {}
        for bits, n in zip(sets.tolist(), awards.tolist(), strict=True):
            bit = 0
            while bits:
                if bits & 1:
                    per_year[bit] = per_year.get(bit, 0) + n
                bits >>= 1
                bit += 1
        return [
            {"fiscal_year": self.first_year + b, "awards": per_year[b]}
            for b in sorted(per_year)
        ]

    def top(self, ids: np.ndarray, size: int, offset: int) -> list[int]:
        """One page of IDS, largest obligations first (NULL last), then by id."""
        want = offset + size
        # smaller key first: -cents, NULL as +inf; ties broken by id below
        key = -self.cents[ids]
        if not self.all_priced:
            key[self.has_money[ids] == 0] = np.inf
        if len(ids) > want > 0:
            cut = np.partition(key, want - 1)[want - 1]
            keep = key <= cut  # every award that can be on the page, ties included
            ids, key = ids[keep], key[keep]
        order = np.lexsort((ids, key))
        return [int(i) for i in ids[order][offset:want]]


def facet_rows(
    index: SearchIndex,
    counted: list[tuple[str, int, np.ndarray, np.ndarray, np.ndarray]],
    awards: int,
    cents: float,
    priced: float,
) -> list[dict[str, Any]]:
    """Facet rows from COUNTED: per facet column, its grouping code and, by value
    number + 1 (0 is NULL), awards, cents and how many of those were priced; then the
    total row (AWARDS, CENTS, PRICED) as the SQL GROUPING SETS query gives it."""
    out = []
    for column, g, n, money, known in counted:
        values = index.columns[column].values
        for code in _shown(n):
            row = dict.fromkeys(FACET_COLUMNS)
            row[column] = values[code - 1] if code else None
            out.append(
                {
                    **row,
                    "awards": int(n[code]),
                    "obligation_usd": _money(money[code], known[code]),
                    "g": g,
                }
            )
    total = _money(cents, priced) if awards else None
    out.append(
        {**dict.fromkeys(FACET_COLUMNS), "awards": awards,
         "obligation_usd": total, "g": 15}
    )  # fmt: skip
    return out


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


FILTERS = (("agency", "agency_code"), ("category", "category"), ("vendor", "vendor_id"),
           ("maker", "maker"))  # fmt: skip


def index_search(
    index: SearchIndex, tokens: list[str], chosen: dict[str, Any], size: int, page: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int]] | None:
    """Facet rows, year facet and the page's award ids of a search with words (TOKENS,
    rarest first) and the filters in CHOSEN (search.award_filter_sql); None when the
    index cannot answer it."""
    filters = {col: chosen[key] for key, col in FILTERS if chosen[key] is not None}
    ids = index.matching(tokens, filters, chosen["fy"])
    if ids is None:
        return None
    top = index.top(ids, size, (page - 1) * size)
    return index.facets(ids), index.year_facet(ids), top


def common_search(
    index: SearchIndex, token: str, chosen: dict[str, Any], size: int, page: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int]] | None:
    """A one-word search for a common word from its prepared results in memory
    (custodes/serve/common.py); None when TOKEN is not one or they cannot answer."""
    if index.common is None:
        return None
    filters = {col: chosen[key] for key, col in FILTERS if chosen[key] is not None}
    return index.common.search(index, token, filters, chosen["fy"], size, page)
