"""The prepared results of common words (custodes/search/popular.py), held in memory.

A one-word search for a common word reads that word's stored combinations of facet
values (serve_popular_facet) and its largest matching awards (serve_popular_top). In
SQL that is two to four statements and, for the most common words, a few thousand rows
turned into Python objects: 4 to 8 ms on the 10M-transaction bench store. Here the same
tables are arrays read once per open store, in the background with the search index
(custodes/search/indexbuild.py), whose numbering of facet values they share:

- per combination: its facet values' numbers, its fiscal years as bits, its number of
  awards, its obligations in cents and whether they are known (not NULL);
- per word, the ids of its largest awards in order; their facet values come from the
  search index's arrays.

The answers are popular.popular_search's answers (tests/serve/test_index.py compares
them search by search).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from custodes.search.facets import FACET_COLUMNS
from custodes.search.index import SearchIndex, array_facets, array_years, kept


@dataclass(frozen=True)
class CommonWords:
    combinations: dict[str, tuple[int, int]]  # word -> its rows in the arrays below
    codes: dict[str, np.ndarray]  # facet column -> value numbers (-1: NULL)
    years: np.ndarray  # fiscal years as bits
    awards: np.ndarray  # awards in the combination (float64, whole numbers)
    cents: np.ndarray  # their obligations in cents, 0 when NULL
    priced: np.ndarray  # 1.0 where the obligations are not NULL
    tops: dict[str, tuple[int, int]]  # word -> its rows in top
    top: np.ndarray  # award ids, by word, largest first

    def search(
        self,
        index: SearchIndex,
        token: str,
        filters: dict[str, Any],
        fiscal_year: int | None,
        size: int,
        page: int,
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int]] | None:
        """Facet rows, year facet and page of award ids of a one-word search for the
        common word TOKEN under FILTERS (facet column -> value) and FISCAL_YEAR, as
        popular.popular_search gives them; None when TOKEN is not a common word or
        its stored largest awards cannot answer the page."""
        span = self.combinations.get(token)
        if span is None:
            return None
        wanted, bit = index.wanted(filters, fiscal_year)
        rows = kept(np.arange(*span), self.codes, self.years, wanted, bit)
        total = int(self.awards[rows].sum())
        offset = (page - 1) * size
        ids = self.top[slice(*self.tops.get(token, (0, 0)))]
        codes = {c: index.columns[c].codes for c in wanted}
        ids = kept(ids, codes, index.years, wanted, bit)
        found = [int(i) for i in ids[offset : offset + size]]
        if len(found) < min(size, max(0, total - offset)):
            return None
        weights = self.awards[rows]
        facets = array_facets(
            index,
            {c: self.codes[c][rows] for c in FACET_COLUMNS},
            self.cents[rows],
            self.priced[rows],
            weights,
        )
        return facets, array_years(index, self.years[rows], weights), found
