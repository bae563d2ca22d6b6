"""Reading the search index (custodes/search/index.py) from the open store (the
engine, custodes/search/engine.py, does it in a background thread).

In one pass on one cursor: the word table's award ids in stored order, each facet
column's distinct values numbered in sort order (left on the cursor as temporary
tables), every award's columns by those numbers, and the common words' prepared
results (custodes/search/common.py). The index is not built (searches keep the SQL
paths) when the store lacks the serve tables, holds more than MAX_WORD_ROWS word rows,
has a NULL fiscal year or years more than 62 apart, or has obligations whose absolute
sum reaches 2**53 cents (float64 sums of cents would no longer be exact).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from custodes.search.common import CommonWords
from custodes.search.facets import FACET_COLUMNS
from custodes.search.index import NO_DAY, Column, SearchIndex
from custodes.search.tokens import TokenCounts, load_token_counts

MAX_WORD_ROWS = 150_000_000  # larger word tables are not held (4 bytes a row)
EXACT = 2**53  # float64 sums of whole cents are exact below this


# Each facet column's distinct values, numbered in sort order (a temporary table per
# column on the loading cursor), and the award table with those numbers.
VALUES_SQL = """
    CREATE TEMP TABLE index_{column} AS
    SELECT {column} AS value, (row_number() OVER (ORDER BY {column}) - 1)::INTEGER AS i
    FROM (SELECT DISTINCT {column} FROM serve_award WHERE {column} IS NOT NULL)"""

# A fiscal_years list as bits (year - first year, the first year a parameter).
YEAR_BITS = """coalesce(list_sum(list_transform({alias}.fiscal_years,
               lambda y: (1::BIGINT << (y - ?)::INTEGER))), 0) AS years"""

AWARD_COLUMNS_SQL = f"""
    SELECT a.award_id, {{codes}}, (a.obligation_usd * 100)::BIGINT AS cents,
           {YEAR_BITS.format(alias="a")},
           datediff('day', DATE '1970-01-01', a.first_action_date)::INTEGER
               AS first_day,
           datediff('day', DATE '1970-01-01', a.last_action_date)::INTEGER
               AS last_day
    FROM serve_award a {{joins}}"""

COMBINATIONS_SQL = f"""
    SELECT {{codes}}, {YEAR_BITS.format(alias="p")},
           p.awards, (p.obligation_usd * 100)::BIGINT AS cents
    FROM serve_popular_facet p {{joins}}
    ORDER BY p.token"""

SPANS_SQL = "SELECT token, count(*) FROM {table} GROUP BY token ORDER BY token"

TOP_IDS_SQL = "SELECT award_id FROM serve_popular_top ORDER BY token, rank"

YEAR_SPAN_SQL = """
    SELECT min(y), max(y), count(*) FILTER (WHERE y IS NULL)
    FROM (SELECT unnest(fiscal_years) AS y FROM serve_award)"""


def build_search_index(reader: Any) -> SearchIndex | None:
    """Read the arrays from the open store (None when it lacks the tables, holds too
    many word rows, or holds values the arrays cannot represent exactly)."""
    counts = load_token_counts(reader)
    if counts is None or not reader.has("serve_award"):
        return None
    if counts.running[-1] > MAX_WORD_ROWS:
        return None
    cur = reader.con.cursor()
    try:
        first, last, null_years = cur.execute(YEAR_SPAN_SQL).fetchone()
        if null_years or (first is not None and last - first >= 63):
            return None
        first = first or 0
        # The common words' arrays are read on a second cursor in another thread
        # while this one reads the word ids and the award columns: each DuckDB query
        # runs on its calling thread, without the interpreter lock.
        with ThreadPoolExecutor(1, thread_name_prefix="custodes-index") as pool:
            common_words = (
                pool.submit(_read_common_words, reader, first)
                if reader.has("serve_popular_facet") and reader.has("serve_popular_top")
                else None
            )
            ids = _read_word_ids(cur, counts)
            values = _number_values(cur)
            data = cur.execute(_numbered(AWARD_COLUMNS_SQL, "a"), [first]).fetchnumpy()
            common = common_words.result() if common_words is not None else None
    finally:
        cur.close()
    if ids is None:
        return None
    award = np.asarray(data["award_id"], dtype=np.int64)
    size = int(award.max()) + 1 if len(award) else 1
    cents_col = np.ma.getdata(data["cents"]).astype(np.int64)
    has = ~np.ma.getmaskarray(data["cents"])
    if int(np.abs(cents_col[has]).sum()) >= EXACT:
        return None
    cents, has_money = np.zeros(size), np.zeros(size)
    cents[award] = np.where(has, cents_col, 0)
    has_money[award] = has
    years = np.zeros(size, dtype=np.int64)
    years[award] = data["years"]
    days = {}
    for name in ("first_day", "last_day"):
        days[name] = np.full(size, NO_DAY, dtype=np.int32)
        days[name][award] = np.ma.filled(data[name], NO_DAY)
    columns = {}
    for c in FACET_COLUMNS:
        codes = np.full(size, -1, dtype=np.int32)
        codes[award] = data[c]
        columns[c] = Column(codes, values[c], {v: i for i, v in enumerate(values[c])})
    return SearchIndex(
        counts=counts,
        ids=ids,
        columns=columns,
        cents=cents,
        has_money=has_money,
        all_priced=bool(has.all()),
        years=years,
        first_year=first,
        year_span=(last - first + 1) if last is not None else 0,
        last_award=size - 1,
        common=common,
        first_day=days["first_day"],
        last_day=days["last_day"],
    )


def _read_word_ids(cur: Any, counts: TokenCounts) -> np.ndarray | None:
    """serve_word's award ids in stored order (None: not as many as the word counts
    say, or not in word order)."""
    ids = cur.execute("SELECT award_id FROM serve_word").fetchnumpy()["award_id"]
    if len(ids) != counts.running[-1]:
        return None
    ids = np.ascontiguousarray(ids, dtype=np.int32)
    return ids if _in_word_order(ids, counts) else None


def _number_values(cur: Any) -> dict[str, list[Any]]:
    """Each facet column's distinct values in sort order, also left on the cursor as
    temporary tables index_<column>(value, i) for the queries that number them."""
    values: dict[str, list] = {}
    for c in FACET_COLUMNS:
        cur.execute(VALUES_SQL.format(column=c))
        found = cur.execute(f"SELECT value FROM index_{c} ORDER BY i").fetchall()
        values[c] = [r[0] for r in found]
    return values


def _numbered(sql: str, alias: str) -> str:
    """SQL with its {codes} and {joins} filled: each facet column of table ALIAS as its
    value number (-1 for NULL), from the cursor's index_<column> tables."""
    codes = ", ".join(f"coalesce(index_{c}.i, -1) AS {c}" for c in FACET_COLUMNS)
    joins = " ".join(
        f"LEFT JOIN index_{c} ON index_{c}.value = {alias}.{c}" for c in FACET_COLUMNS
    )
    return sql.format(codes=codes, joins=joins)


def _read_common_words(reader: Any, first_year: int) -> CommonWords:
    """The common-word tables (custodes/search/popular.py) as arrays, numbered as the
    index numbers the facet values, on a cursor of their own."""
    cur = reader.con.cursor()
    try:
        _number_values(cur)  # the same numbers, in this cursor's temporary tables
        data = cur.execute(_numbered(COMBINATIONS_SQL, "p"), [first_year]).fetchnumpy()
        top = cur.execute(TOP_IDS_SQL).fetchnumpy()["award_id"]
        combinations = _spans(cur, "serve_popular_facet")
        tops = _spans(cur, "serve_popular_top")
    finally:
        cur.close()
    known = ~np.ma.getmaskarray(data["cents"])
    return CommonWords(
        combinations=combinations,
        codes={c: np.asarray(data[c], dtype=np.int32) for c in FACET_COLUMNS},
        years=np.asarray(data["years"], dtype=np.int64),
        awards=np.asarray(data["awards"], dtype=np.float64),
        cents=np.where(known, np.ma.getdata(data["cents"]), 0).astype(np.float64),
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


def _in_word_order(ids: np.ndarray, counts: TokenCounts) -> bool:
    """The ids were read in serve_word's stored order (by word, then award): within
    each word they rise."""
    rising = np.diff(ids) > 0
    starts = np.asarray(counts.running[1:-1], dtype=np.int64) - 1
    starts = starts[(starts >= 0) & (starts < len(rising))]
    rising[starts] = True  # a new word may start lower
    return bool(rising.all())
