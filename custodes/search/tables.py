"""The search's tables, built by `custodes serve --prepare` (custodes/serve/prepare.py)
after serve_award:

- serve_word: every word of every award's text with the award's id, stored in word
  order, so that a search reads only the row groups that can hold its words
  (serve_token, deprecated, is a view of it with the award's facet columns). An
  award's text is its search text (PIID, award key, longest description, recipient,
  vendor, maker) and, so that what a reporter types finds it, every description and
  (organisation) recipient name of its transactions, its category's label, the
  gazetteer products attributed to it and the names of the data-web systems it pays
  for (funding.yaml). Two words written next to each other also give their
  concatenation when that is a word of the store (GRAY KEY also gives GRAYKEY,
  PEN-LINK gives PENLINK);
- serve_token_count: how many rows of serve_word each word has (held in memory to
  read the rarest word first and to bound a search's matches, search/tokens.py);
- serve_popular, serve_popular_facet, serve_popular_top: search results of common
  words, worked out once (custodes/search/popular.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from custodes.classify.taxonomy import NONE, load_taxonomy
from custodes.dataweb.loader import shipped_dataweb
from custodes.errors import CustodesError
from custodes.model.agencies import resolve_sub_agency
from custodes.store.duckdb import Store
from custodes.store.sql import literal

SEARCH_TABLES = (
    "serve_word",
    "serve_token_pair_short",
    "serve_token_count",
    "serve_popular",
    "serve_popular_facet",
    "serve_popular_top",
)

# Each award's texts, one row per text (words are joined only within a text).
SEARCH_TEXT_SQL = """
    SELECT award_id, search_text AS text FROM {awards}
    UNION ALL
    SELECT a.award_id, upper(d.description)
    FROM (SELECT DISTINCT award_key, description FROM {transactions}
          WHERE description IS NOT NULL) d
    JOIN {awards} a USING (award_key)
    UNION ALL
    SELECT a.award_id, upper(r.recipient_name)
    FROM (SELECT DISTINCT award_key, recipient_name FROM {transactions}
          WHERE recipient_name IS NOT NULL
            AND NOT coalesce(recipient_is_individual, false)
            AND recipient_name NOT IN (SELECT recipient_name
                                       FROM serve_withheld_name)) r
    JOIN {awards} a USING (award_key)
    UNION ALL
    SELECT a.award_id, c.words
    FROM {awards} a JOIN search_category c USING (category)
    UNION ALL
    SELECT a.award_id, f.words FROM {awards} a
    JOIN search_funding f ON f.award_key = a.award_key
        OR (f.award_key IS NULL AND f.piid = a.piid
            AND (f.agency_code IS NULL OR f.agency_code = a.agency_code))
    {products}"""

PRODUCTS_SQL = """
    UNION ALL
    SELECT a.award_id, upper(replace(m.product_id, '_', ' ')) FROM award_maker m
    JOIN {awards} a USING (award_key) WHERE m.product_id IS NOT NULL"""


def search_text_select(
    award_maker: bool = True,
    awards: str = "serve_award",
    transactions: str = '"transaction"',
) -> str:
    """The texts (award_id, text) of the awards of AWARDS (serve_award rows), from
    their transactions TRANSACTIONS; reads search_category and search_funding."""
    products = PRODUCTS_SQL.format(awards=awards) if award_maker else ""
    return SEARCH_TEXT_SQL.format(
        awards=awards, transactions=transactions, products=products
    )


def search_text_sql(
    award_maker: bool = True,
    awards: str = "serve_award",
    transactions: str = '"transaction"',
    table: str = "search_text",
) -> str:
    """Temp table TABLE (search_text) of the awards of AWARDS (serve_award rows), from
    their transactions TRANSACTIONS (every award, or the awards a refresh
    recomputes)."""
    select = search_text_select(award_maker, awards, transactions)
    return f"CREATE OR REPLACE TEMP TABLE {table} AS {select}"


# Search words: each text split into words of letters and digits (two or more)
# (search_plain, one row per word and award), and each pair of neighbouring words
# joined (PAIRS_SQL, one row per pair in each text) — a pair's word is kept in the
# word table when it is itself a word of the store (a plain word of some award: the
# vocabulary). These are the refresh's, for the awards it recomputes
# (custodes/search/refresh.py); the full build (FULL_WORDS_SQL below) makes the same
# rows from each distinct text split once.
# A text split into its words: runs of letters and digits (an empty word at an edge).
SPLIT = "regexp_split_to_array(text, '[^A-Z0-9]+')"


def words_select(texts: str = "search_text") -> str:
    """(award_id, words) of each text of TEXTS (award_id, text), split into words."""
    return f"""
    SELECT award_id, {SPLIT} AS words
    FROM {texts} WHERE text IS NOT NULL"""


WORDS_SELECT = words_select()
SEARCH_WORDS_SQL = [
    f"CREATE OR REPLACE TEMP TABLE search_words AS {WORDS_SELECT}",
    """CREATE OR REPLACE TEMP TABLE search_plain AS
    SELECT DISTINCT token, award_id
    FROM (SELECT unnest(words) AS token, award_id FROM search_words)
    WHERE length(token) >= 2""",
]


def _pair_rows(words: str, ids: str) -> str:
    """(token, IDS, short) of each pair of neighbouring words (a, b) in each text of
    WORDS (IDS, words), one row per place: IDS is an award's id (a text per award) or
    the list of the awards that have the text (a distinct text); SHORT: one of the two
    words has one character (the pairs serve_token_pair_short keeps)."""
    return f"""
    SELECT a || b AS token, {ids}, (length(a) = 1 OR length(b) = 1) AS short
    FROM (SELECT {ids}, unnest(words[:-1]) AS a, unnest(words[2:]) AS b
          FROM {words} WHERE len(words) > 1)
    WHERE length(a) > 0 AND length(b) > 0"""


def pairs_sql(words: str = "search_words") -> str:
    """(token, award_id, short) of each pair of neighbouring words in each text of
    WORDS (award_id, words), one row per place (`_pair_rows`)."""
    return _pair_rows(words, "award_id")


PAIRS_SQL = pairs_sql()

# When a word enters the vocabulary (no award had it on its own, one now does), the
# awards that have it as a pair gain it (custodes/search/refresh.py). Those awards
# are found without a table of every pair: a pair of two words of two or more
# characters is two plain words of the award, so its awards are among those that
# hold both halves of the new word split at some place (serve_word, read for the
# splits whose two halves are both in the vocabulary), and the refresh reads their
# texts again to keep those that have the two words side by side. Pairs with a
# one-character word (U S, A 1) are not in serve_word as two words: they are kept
# in serve_token_pair_short, as they occur (an award's pair once per text that has
# it, not made distinct), stored in the order of its words' first three letters (an
# integer: a pair's word has two or more), so that a look-up of a few words skips
# most row groups (when it held every pair, at 2M transactions: 9.4 CPU s written
# in this order, 12.8 sorted by the whole word, 4.7 in no order, but then a look-up
# read every row; within one three-letter key the rows' order is not fixed). These
# are about one pair in twenty (4,953,078 of 95,788,641 at 10M transactions). Up to
# SERVE_FORMAT 16, serve_token_pair held every pair (96M rows at 10M: writing it took
# 19 s of a full rebuild); it is now a view that splits the texts when read
# (`pair_view_sql`), kept for one release.
PAIR_ORDER = "ascii(token[1]) * 65536 + ascii(token[2]) * 256 + ascii(token[3])"


def token_rows_sql(vocabulary: str) -> str:
    """(token, award_id, joined) of search_plain and of the search_pair words (a
    pair may repeat) found in VOCABULARY (a relation of token); joined: the word
    comes only from joining two neighbouring words."""
    return f"""
    SELECT token, award_id, false AS joined FROM search_plain
    UNION ALL
    SELECT DISTINCT token, award_id, true AS joined FROM search_pair j
    WHERE token IN (SELECT token FROM {vocabulary})
      AND NOT EXISTS (SELECT 1 FROM search_plain p
                      WHERE p.token = j.token AND p.award_id = j.award_id)"""


# The full build's words. Each distinct text is split once, with the list of the
# awards that have it (an award once per text row that has it, as the refresh's
# search_words would hold it): a category's label, a recipient's name or a
# description shared by many awards is split once, and its pairs are made once
# (FULL_PAIRS_SQL), their awards unnested after the join with the vocabulary or the
# sort of the short pairs (an unnest keeps the sorted order).
# The words are numbered (search_word_no: every distinct word of two or more
# letters, the vocabulary, numbered in word order) before they are made distinct
# per award, so that the GROUP BY with the vocabulary's pairs (WORD_AWARD_SQL) and the
# word table's sort work on two integers (word number, award) instead of a string:
# the word table is sorted by these numbers, the same order as by the words (a
# word's number rises with it). Rows are the same as SEARCH_WORDS_SQL's and
# PAIRS_SQL's (the A/B bench's fingerprints of the word table are equal). At 2M
# transactions under 600 MB (1,864,547 texts, 542,146 distinct; CPU s of
# bench/search_tables_ab.py, load 3-6): words 3.4 -> 2.4, the words made distinct
# 7.2 -> 4.9, the pairs 12.1 -> 10.1, the word table 13.7 -> 12.9; the same peak
# memory (730 MB). Texts repeat less in a real store (93,253 texts, 60,629 distinct
# in the shared data): the per-text part of the gain shrinks with it. Tried and
# slower: list_distinct of each text's words before the DISTINCT (13.3 against 8.6),
# the word table sorted in four slices of word numbers (no gain: 13.3 against 13.9).
FULL_WORDS_SQL = [
    f"""CREATE OR REPLACE TEMP TABLE search_words AS
    SELECT {SPLIT} AS words, list(award_id) AS awards
    FROM search_text WHERE text IS NOT NULL GROUP BY text""",
    """CREATE OR REPLACE TEMP TABLE search_word_no AS
    SELECT token, (row_number() OVER (ORDER BY token))::INTEGER AS word_no
    FROM (SELECT DISTINCT token FROM (SELECT unnest(words) AS token
                                      FROM search_words)
          WHERE length(token) >= 2)""",
]

# Each word of each award once (search_word_award: by number, built after the pairs),
# with `joined` when the award has it only from a pair of the vocabulary
# (search_pair): one GROUP BY of the plain words and the pairs, where making the plain
# words distinct first and then keeping the pairs they lack took an anti-join of the
# pairs with every plain word. At 10M transactions (one run each, 3 GB): 10.0 + 28.2 s
# for the words made distinct and the word table, against 10.2 + 24.9 s; the same
# rows in the same order.
WORD_AWARD_SQL = """
    CREATE OR REPLACE TEMP TABLE search_word_award AS
    SELECT word_no, award_id, bool_and(joined) AS joined
    FROM (SELECT w.word_no, unnest(t.awards) AS award_id, false AS joined
          FROM (SELECT unnest(words) AS token, awards FROM search_words) t
          JOIN search_word_no w USING (token)
          UNION ALL
          SELECT word_no, award_id, true FROM search_pair)
    GROUP BY word_no, award_id"""

# The word table: stored in word order so that a prefix lookup reads only the row
# groups that can match. It holds each award's words and nothing of the award: a
# search reads the awards' columns from serve_award by id (the in-memory index holds
# them as arrays by award id, custodes/search/index.py; the SQL path joins them). Up
# to SERVE_FORMAT 17 serve_token repeated the award's facet columns on every word's
# row (50.6M rows at 10M transactions): joining and decoding them and writing the wide
# rows took 26.9 s of a full rebuild (52.5 CPU s), the three columns sorted alone
# 6.8 s (13.3 CPU s). serve_token is now a view of the same rows (TOKEN_VIEW_SQL),
# kept for one release. The rows are token_rows_sql's, by word number
# (search_word_award).
SERVE_WORD_SQL = """
    CREATE OR REPLACE TABLE serve_word AS
    SELECT w.token, t.award_id, t.joined
    FROM search_word_award t JOIN search_word_no w USING (word_no)
    ORDER BY t.word_no, t.award_id"""

# serve_token's columns after token and award_id: serve_award's, as the table had them
TOKEN_FACETS = (
    "agency_code",
    "category",
    "vendor_id",
    "maker",
    "obligation_usd",
    "fiscal_years",
)

TOKEN_VIEW_SQL = f"""
    CREATE OR REPLACE VIEW serve_token AS
    SELECT w.token, w.award_id, {", ".join(f"a.{c}" for c in TOKEN_FACETS)}, w.joined
    FROM serve_word w JOIN serve_award a USING (award_id)"""

# The full build's pairs, from each distinct text (search_words of FULL_WORDS_SQL):
# the vocabulary's (search_pair: a pair's word that is some award's word on its own,
# by number) and the short ones (serve_token_pair_short). The texts' pairs are joined
# with the vocabulary before their awards are unnested, so the pairs that are no word
# (most of them) are never repeated per award. At 10M transactions (one run each,
# temp tables, 3 GB): every pair unnested and sorted 15.2 s then the vocabulary's
# 1.4 s, against the vocabulary's 2.5 s and the short pairs 1.4 s.
FULL_PAIRS_SQL = [
    f"""CREATE OR REPLACE TEMP TABLE search_pair AS
    SELECT DISTINCT word_no, award_id
    FROM (SELECT w.word_no, unnest(p.awards) AS award_id
          FROM ({_pair_rows("search_words", "awards")}) p
          JOIN search_word_no w USING (token))""",
    f"""CREATE OR REPLACE TABLE serve_token_pair_short AS
    SELECT token, unnest(awards) AS award_id
    FROM (SELECT token, awards FROM ({_pair_rows("search_words", "awards")})
          WHERE short ORDER BY {PAIR_ORDER})""",
]


def pair_view_sql(award_maker: bool = True) -> str:
    """serve_token_pair, deprecated: every pair of every award as it occurs (what the
    table held up to SERVE_FORMAT 16), as a view that splits the texts when read."""
    category = category_words_sql(select=True)
    funding = funding_words_sql(select=True)
    text = search_text_select(award_maker)
    return f"""
    CREATE OR REPLACE VIEW serve_token_pair AS
    WITH search_category AS ({category}), search_funding AS ({funding}),
         search_text AS ({text}),
         search_words AS ({WORDS_SELECT})
    SELECT token, award_id FROM ({pairs_sql()})"""


# Tables of earlier formats that are views now: serve_token_pair (a table up to
# SERVE_FORMAT 16) and serve_token (up to 17). A full build drops the table before it
# creates the view.
VIEWS_NOW = ("serve_token_pair", "serve_token")


def tables_stored(store: Store) -> list[str]:
    """Which of VIEWS_NOW the store still holds as tables."""
    names = ", ".join(literal(n) for n in VIEWS_NOW)
    return [
        name
        for (name,) in store.execute(
            "SELECT table_name FROM duckdb_tables() "
            f"WHERE table_name IN ({names}) AND NOT temporary ORDER BY table_name"
        )
    ]


SERVE_TOKEN_COUNT_SQL = """
    CREATE OR REPLACE TABLE serve_token_count AS
    SELECT token, count(*) AS word_rows,
           count(*) FILTER (WHERE NOT joined) AS plain_rows
    FROM serve_word GROUP BY token ORDER BY token"""

POPULAR_AWARDS = 1000  # a word matching fewer awards is fast enough live (a few ms)
# The hits are de-duplicated a quarter of the common words at a time: consecutive word
# numbers, so each quarter reads a range of serve_word (stored in word order). One
# DISTINCT of every hit ran out of memory in a full rebuild of a 2M store whose
# descriptions repeat as little as real ones do (under 600 MB, the pressure 3 GB puts
# on 10M: 12.9M hits); by quarters it does not, and costs less: 1.9 CPU s against 3.4.
HIT_SLICES = 4
TOP_AWARDS = 500


# The top of a common word's awards by TOP_ORDER (money, largest first, none last;
# then award id) as one sortable key, so that max_by keeps the TOP_AWARDS largest of
# each word in a heap instead of sorting every hit.
TOP_KEY = (
    "struct_pack(k := obligation_usd IS NOT NULL, o := coalesce(obligation_usd, 0), "
    "i := -award_id)"
)


def top_ids_sql(hits: str, word: str = "token") -> str:
    """(WORD, award_id, rank): each word's TOP_AWARDS first awards by TOP_KEY among
    HITS (a relation of WORD, award_id, obligation_usd, one row per pair), ranked
    from 1 as row_number() OVER (PARTITION BY WORD ORDER BY obligation_usd DESC
    NULLS LAST, award_id) would."""
    return f"""
    SELECT {word}, unnest(ids) AS award_id, unnest(range(1, len(ids) + 1)) AS rank
    FROM (SELECT {word}, max_by(award_id, {TOP_KEY}, {TOP_AWARDS}) AS ids
          FROM {hits} GROUP BY {word})"""


HIT_MONEY = """(SELECT h.word_no, h.award_id, a.obligation_usd FROM popular_hit h
    JOIN serve_award a USING (award_id))"""


def _hit_slice(i: int) -> str:
    """The common words of slice I of HIT_SLICES (consecutive word numbers)."""
    return (
        f"(x.word_no - 1) * {HIT_SLICES} // (SELECT max(word_no) FROM popular_word)"
        f" = {int(i)}"
    )


def popular_sql(min_awards: int = POPULAR_AWARDS) -> list[str]:
    """The statements that build the common-word tables (words of MIN_AWARDS awards).

    An award with several words that start with the same common word counts once. Its
    other columns follow from its id (serve_award's, by id), so the hits
    are only (word, award) pairs: the facet counts group them by a number standing
    for each distinct combination of the award's columns (popular_group), and the top
    lists keep each word's largest awards with max_by, joining the columns after.
    Measured at 1M transactions (load 11), each against the one statement before:
    hits 4.6 s (was 7.5 s with the columns grouped along), facets 3.2 s (7.2 s),
    tops 2.2 s (7.1 s). The words and their rows are read from serve_token_count
    (built just before), not counted again from serve_word. The hits hold each
    common word's number (popular_word, numbered in word order), not the word: at 2M
    transactions (11.8M hits of 1,021 words, CPU seconds at load 4.6-8) hits 3.3 ->
    2.5, facets 2.0 -> 1.5, tops 2.0 -> 1.5. A common word that starts no other word
    of the store (1,891 of 3,316 at 10M transactions) has one row per award in
    serve_word already: only the words that start several are made distinct (at 10M,
    one run each on the same store, the hits 12.2 -> 8.6 s, 23.1 -> 16.6 CPU s; the
    same 78,872,123 hits)."""
    return [
        f"""CREATE OR REPLACE TEMP TABLE popular_word AS
    SELECT token, (row_number() OVER (ORDER BY token))::INTEGER AS word_no
    FROM serve_token_count WHERE word_rows >= {int(min_awards)}""",
        """CREATE OR REPLACE TEMP TABLE popular_prefix AS
    SELECT p.word_no, c.token, count(*) OVER (PARTITION BY p.word_no) AS words
    FROM popular_word p JOIN serve_token_count c ON starts_with(c.token, p.token)""",
        *(
            (
                "CREATE OR REPLACE TEMP TABLE popular_hit AS"
                if i == 0
                else "INSERT INTO popular_hit"
            )
            + f"""
    SELECT x.word_no, s.award_id
    FROM popular_prefix x JOIN serve_word s ON s.token = x.token
    WHERE x.words = 1 AND {_hit_slice(i)}
    UNION ALL
    SELECT DISTINCT x.word_no, s.award_id
    FROM popular_prefix x JOIN serve_word s ON s.token = x.token
    WHERE x.words > 1 AND {_hit_slice(i)}"""
            for i in range(HIT_SLICES)
        ),
        """CREATE OR REPLACE TEMP TABLE popular_group AS
    SELECT row_number() OVER () AS group_, fiscal_years, agency_code, category,
           vendor_id, maker, list(award_id) AS award_ids
    FROM serve_award GROUP BY ALL""",
        """CREATE OR REPLACE TABLE serve_popular AS
    SELECT w.token, h.awards
    FROM (SELECT word_no, count(*) AS awards FROM popular_hit GROUP BY word_no) h
    JOIN popular_word w USING (word_no)
    ORDER BY w.token""",
        """CREATE OR REPLACE TABLE serve_popular_facet AS
    SELECT w.token, g.fiscal_years, g.agency_code, g.category, g.vendor_id, g.maker,
           f.awards, f.obligation_usd
    FROM (SELECT h.word_no, a.group_, count(*) AS awards,
                 sum(a.obligation_usd) AS obligation_usd
          FROM popular_hit h JOIN (
              SELECT g.group_, s.award_id, s.obligation_usd
              FROM (SELECT group_, unnest(award_ids) AS award_id
                    FROM popular_group) g
              JOIN serve_award s USING (award_id)) a USING (award_id)
          GROUP BY ALL) f
    JOIN popular_group g USING (group_) JOIN popular_word w USING (word_no)
    ORDER BY w.token""",
        f"""CREATE OR REPLACE TABLE serve_popular_top AS
    SELECT w.token, t.award_id, a.agency_code, a.category, a.vendor_id, a.maker,
           a.fiscal_years, t.rank
    FROM ({top_ids_sql(HIT_MONEY, "word_no")}) t
    JOIN serve_award a USING (award_id) JOIN popular_word w USING (word_no)
    ORDER BY w.token, t.rank""",
        "DROP TABLE popular_hit",
        "DROP TABLE popular_group",
        "DROP TABLE popular_prefix",
        "DROP TABLE popular_word",
    ]


def search_tables_sql(
    popular_awards: int = POPULAR_AWARDS,
    award_maker: bool = True,
    stored: Sequence[str] = (),
) -> list[str]:
    """The statements that build the search's tables from serve_award, in order
    (AWARD_MAKER: the store has resolve's award_maker table; STORED: the tables of
    VIEWS_NOW it still holds, `tables_stored`)."""
    # each temp table dropped once nothing further reads it: at 10M the texts, words
    # and pairs are tens of millions of rows that DuckDB keeps on disk beside the
    # sorts of serve_word and the common words
    return [
        *(f"DROP TABLE {name}" for name in stored if name in VIEWS_NOW),
        category_words_sql(),
        funding_words_sql(),
        search_text_sql(award_maker),
        FULL_WORDS_SQL[0],
        "DROP TABLE search_text",
        "DROP TABLE search_category",
        "DROP TABLE search_funding",
        *FULL_WORDS_SQL[1:],
        *FULL_PAIRS_SQL,
        WORD_AWARD_SQL,
        "DROP TABLE search_words",
        "DROP TABLE search_pair",
        SERVE_WORD_SQL,
        "DROP TABLE search_word_no",
        "DROP TABLE search_word_award",
        SERVE_TOKEN_COUNT_SQL,
        *popular_sql(popular_awards),
        pair_view_sql(award_maker),
        TOKEN_VIEW_SQL,
    ]


def store_search_tables_sql(
    store: Store, popular_awards: int = POPULAR_AWARDS
) -> list[str]:
    """`search_tables_sql` for STORE: whether it has resolve's award_maker, and
    which of VIEWS_NOW it holds as tables."""
    return search_tables_sql(
        popular_awards, store.has_table("award_maker"), tables_stored(store)
    )


def category_words_sql(select: bool = False) -> str:
    """search_category(category, words): each taxonomy category's label and id, for
    the awards classified in it (not `none`, whose label would make every award
    outside surveillance match SURVEILLANCE); SELECT: the query, not the table."""
    taxonomy = load_taxonomy()
    rows = [
        (c.id, f"{c.label} {c.id.replace('_', ' ')}".upper())
        for c in taxonomy.categories
        if c.id != NONE
    ]
    return _values_table("search_category", ("category", "words"), rows, select)


def funding_words_sql(select: bool = False) -> str:
    """search_funding(award_key, piid, agency_code, words): the data web's curated
    funding entries (custodes/data/dataweb/funding.yaml), each award or PIID with the
    name and id of the system it pays for; empty when the data web does not load;
    SELECT: the query, not the table."""
    rows = []
    try:
        web = shipped_dataweb()
        for entry in web.of_kind("funding"):
            d = entry.data
            system = str(d["system"])
            words = f"{web.label(system)} {system.removeprefix('sys.')}"
            agency = (
                resolve_sub_agency(str(d["agency"])).code if d.get("agency") else None
            )
            rows.append(
                (
                    d.get("award_key"),
                    d.get("piid"),
                    agency,
                    re.sub(r"[_.]", " ", words).upper(),
                )
            )
    except (CustodesError, KeyError, OSError):  # no data web: nothing to add
        rows = []
    return _values_table(
        "search_funding", ("award_key", "piid", "agency_code", "words"), rows, select
    )


def _values_table(
    name: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]], select: bool
) -> str:
    """A temporary table NAME of text COLUMNS holding ROWS (quoted as literals), or
    (SELECT) the query that gives them."""
    names = ", ".join(columns)
    if not rows:
        query = (
            "SELECT "
            + ", ".join(f"NULL::VARCHAR AS {c}" for c in columns)
            + " WHERE false"
        )
    else:
        values = ", ".join(
            "(" + ", ".join(literal(None if v is None else str(v)) for v in row) + ")"
            for row in rows
        )
        query = f"SELECT * FROM (VALUES {values}) v({names})"
    return query if select else f"CREATE OR REPLACE TEMP TABLE {name} AS {query}"
