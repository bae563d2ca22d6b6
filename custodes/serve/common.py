"""The prepared results of common words (custodes/serve/popular.py), held in memory.

A one-word search for a common word reads that word's stored combinations of facet
values (serve_popular_facet) and its largest matching awards (serve_popular_top). In
SQL that is two to four statements and, for the most common words, a few thousand rows
turned into Python objects: 4 to 8 ms on the 10M-transaction bench store. Here the same
tables are arrays read once per open store, in the background with the search index
(custodes/serve/index.py), whose numbering of facet values they share:

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

from custodes.serve.facets import FACET_COLUMNS, GROUPS

SPANS_SQL = "SELECT token, count(*) FROM {table} GROUP BY token ORDER BY token"

COMBINATIONS_SQL = """
    SELECT {codes},
           coalesce(list_sum(list_transform(p.fiscal_years,
               lambda y: (1::BIGINT << (y - ?)::INTEGER))), 0) AS years,
           p.awards, (p.obligation_usd * 100)::BIGINT AS cents
    FROM serve_popular_facet p {joins}
    ORDER BY p.token"""

TOP_IDS_SQL = "SELECT award_id FROM serve_popular_top ORDER BY token, rank"


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
        index: Any,
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
        wanted = {c: index.columns[c].index.get(v, -2) for c, v in filters.items()}
        bit = None if fiscal_year is None else fiscal_year - index.first_year
        rows = _kept(np.arange(*span), self.codes, self.years, wanted, bit)
        total = int(self.awards[rows].sum())
        offset = (page - 1) * size
        ids = self.top[slice(*self.tops.get(token, (0, 0)))]
        codes = {c: index.columns[c].codes for c in wanted}
        ids = _kept(ids, codes, index.years, wanted, bit)
        found = [int(i) for i in ids[offset : offset + size]]
        if len(found) < min(size, max(0, total - offset)):
            return None
        return self._facets(index, rows), self._year_facet(index, rows), found

    def _facets(self, index: Any, rows: np.ndarray) -> list[dict[str, Any]]:
        from custodes.serve.index import facet_rows

        awards, cents, priced = self.awards[rows], self.cents[rows], self.priced[rows]
        counted = []
        for column, g in GROUPS:
            codes = self.codes[column][rows] + 1  # 0 is NULL
            size = len(index.columns[column].values) + 1
            counted.append(
                (
                    column,
                    g,
                    np.bincount(codes, weights=awards, minlength=size),
                    np.bincount(codes, weights=cents, minlength=size),
                    np.bincount(codes, weights=priced, minlength=size),
                )
            )
        return facet_rows(
            index,
            counted,
            int(awards.sum()),
            cents.sum(),
            priced.sum() if len(rows) else 0,
        )

    def _year_facet(self, index: Any, rows: np.ndarray) -> list[dict[str, Any]]:
        years, awards = self.years[rows], self.awards[rows]
        out = []
        for bit in range(min(index.year_span, 63)):
            n = int(awards[((years >> np.int64(bit)) & 1) == 1].sum())
            if n:
                out.append({"fiscal_year": index.first_year + bit, "awards": n})
        return out


def _kept(
    rows: np.ndarray,
    codes: dict[str, np.ndarray],
    years: np.ndarray,
    wanted: dict[str, int],
    bit: int | None,
) -> np.ndarray:
    """ROWS (positions in CODES and YEARS) whose facet values are the WANTED numbers
    (-2: a value the store does not hold) and, with BIT, whose years include it."""
    for column, code in wanted.items():
        rows = rows[codes[column][rows] == code]
    if bit is not None:
        if not 0 <= bit < 63:
            return rows[:0]
        rows = rows[(years[rows] >> np.int64(bit)) & 1 == 1]
    return rows


def read_common_words(cur: Any, first_year: int) -> CommonWords | None:
    """The common-word tables as arrays, on a cursor that holds the search index's
    value numbers (temporary tables index_<column>, see index.py)."""
    names = {
        r[0]
        for r in cur.execute(
            "SELECT table_name FROM information_schema.tables"
        ).fetchall()
    }
    if not {"serve_popular_facet", "serve_popular_top"} <= names:
        return None
    combinations = _spans(cur, "serve_popular_facet")
    tops = _spans(cur, "serve_popular_top")
    codes = ", ".join(f"coalesce(index_{c}.i, -1) AS {c}" for c in FACET_COLUMNS)
    joins = " ".join(
        f"LEFT JOIN index_{c} ON index_{c}.value = p.{c}" for c in FACET_COLUMNS
    )
    data = cur.execute(
        COMBINATIONS_SQL.format(codes=codes, joins=joins), [first_year]
    ).fetchnumpy()
    top = cur.execute(TOP_IDS_SQL).fetchnumpy()["award_id"]
    cents = data["cents"]
    known = ~np.ma.getmaskarray(cents)
    return CommonWords(
        combinations=combinations,
        codes={c: np.asarray(data[c], dtype=np.int32) for c in FACET_COLUMNS},
        years=np.asarray(data["years"], dtype=np.int64),
        awards=np.asarray(data["awards"], dtype=np.float64),
        cents=np.where(known, np.ma.getdata(cents), 0).astype(np.float64),
        priced=known.astype(np.float64),
        tops=tops,
        top=np.ascontiguousarray(np.ma.getdata(top), dtype=np.int32),
    )


def _spans(cur: Any, table: str) -> dict[str, tuple[int, int]]:
    """Word -> (first row, row after its last) in TABLE read in word order."""
    spans, at = {}, 0
    for token, n in cur.execute(SPANS_SQL.format(table=table)).fetchall():
        spans[token] = (at, at + n)
        at += n
    return spans
