"""The search's tables in `custodes refresh`: built beside the web app's tables, and
kept up to date for the awards a refresh recomputes.

The word table holds each award's words (serve_word), with, for every word, the
number of its rows (serve_token_count). A word can also come from joining two
neighbouring words, when the result is a word some award has on its own (the
vocabulary: custodes/search/tables.py): so an award's words depend on the other
awards' words. A refresh therefore works in three parts, all exact:

1. the recomputed awards (refresh_award_no) lose their rows and get them again, from
   their new texts, with the same SQL as a full build;
2. words that enter the vocabulary (no award had them on their own, one now does) join
   the neighbouring words of other awards. Those awards are found from the word
   table: the new word split in two at each place, the awards that hold both halves
   as words (or, for a half of one character, serve_token_pair_short's pairs), whose
   texts are then split again to keep those that have the two side by side. Words
   that leave the vocabulary leave the awards that had them only joined;
3. the common words' tables (serve_popular, serve_popular_facet, serve_popular_top)
   are corrected by what the awards whose words changed took out and put in, per
   common word that starts one of their words. A word that becomes common, and a word
   whose largest awards can no longer be told from the stored list (one of them
   shrank below the others), are worked out whole, as a full build does.
"""

from __future__ import annotations

from typing import Any

from custodes.figures.serve_refresh import apply_delta
from custodes.figures.serve_tables import Extra
from custodes.search.tables import (
    PAIR_ORDER,
    PAIRS_SQL,
    POPULAR_AWARDS,
    SEARCH_TABLES,
    SEARCH_WORDS_SQL,
    TOKEN_FACETS,
    TOP_AWARDS,
    category_words_sql,
    funding_words_sql,
    pair_view_sql,
    pairs_sql,
    search_text_sql,
    store_search_tables_sql,
    token_rows_sql,
    top_ids_sql,
    words_select,
)
from custodes.store.duckdb import Store
from custodes.store.sql import literal

T_NOS = "(SELECT award_no FROM refresh_award_no)"
FACETS = TOKEN_FACETS  # an award's columns the common words' tables count by
TOP_ORDER = "obligation_usd DESC NULLS LAST, award_id"
TEMP = (
    "search_text", "search_plain", "search_pair", "search_category",
    "search_funding", "s_old", "s_new", "s_delta_count", "s_vocab_in",
    "s_vocab_out", "s_affected", "s_rows_old", "s_rows_new", "s_popular_new",
    "s_hit_old", "s_hit_new", "s_changed_words", "s_top_candidates",
    "s_recompute", "s_prefix", "s_hit_all", "s_old_rowid", "s_split",
    "s_join_candidate", "s_join_text", "s_join_pair",
)  # fmt: skip


class SearchTables(Extra):
    name = "search"
    tables = SEARCH_TABLES

    def __init__(self, popular_awards: int = POPULAR_AWARDS) -> None:
        self.popular_awards = popular_awards

    def full_sql(self, store: Store) -> list[str]:
        return store_search_tables_sql(store, self.popular_awards)

    def update(self, store: Store) -> dict[str, Any]:
        return update(store, self.popular_awards)

    def signature(self) -> str:
        return f"common words: {self.popular_awards} awards"


def _prefixes(rows: str) -> str:
    """(ptoken, token, award_id) for every prefix of at least two letters of each
    word of ROWS (token, award_id)."""
    return f"""
    SELECT substr(token, 1, n) AS ptoken, token, award_id
    FROM (SELECT token, award_id, unnest(range(2, length(token) + 1)) AS n
          FROM {rows})"""


def update(store: Store, popular_awards: int = POPULAR_AWARDS) -> dict[str, Any]:
    """Bring the search's tables up to date for the awards of refresh_award_no (their
    serve_award rows already replaced, the rows they had in refresh_award_old;
    refresh_tx: their transactions)."""
    out: dict[str, Any] = {}
    # 1. the recomputed awards' words, from their new texts
    # their rows by row id: one scan of serve_word's award ids finds them, for the
    # copy here and for the delete below (serve_word is not written in between)
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE s_old_rowid AS
        SELECT rowid AS rowid_ FROM serve_word WHERE award_id IN {T_NOS}"""
    )
    store.execute(
        """CREATE OR REPLACE TEMP TABLE s_old AS
        SELECT * FROM serve_word WHERE rowid IN (SELECT rowid_ FROM s_old_rowid)"""
    )
    awards = f"(SELECT * FROM serve_award WHERE award_id IN {T_NOS})"
    award_maker = store.has_table("award_maker")
    store.execute(category_words_sql())
    store.execute(funding_words_sql())
    store.execute(search_text_sql(award_maker, awards, "refresh_tx"))
    for sql in SEARCH_WORDS_SQL:
        store.execute(sql)
    # their pairs as they occur (the short ones as serve_token_pair_short holds them)
    store.execute(f"CREATE OR REPLACE TEMP TABLE search_pair AS {PAIRS_SQL}")
    store.execute("DROP TABLE search_words")
    # how many awards have each word on its own, after the change
    store.execute(
        """CREATE OR REPLACE TEMP TABLE s_delta_count AS
        SELECT token, sum(d)::BIGINT AS d FROM (
            SELECT token, 1 AS d FROM search_plain
            UNION ALL SELECT token, -1 FROM s_old WHERE NOT joined)
        GROUP BY token HAVING sum(d) <> 0"""
    )
    store.execute(
        """CREATE OR REPLACE TEMP TABLE s_vocab_in AS
        SELECT d.token FROM s_delta_count d LEFT JOIN serve_token_count c USING (token)
        WHERE coalesce(c.plain_rows, 0) = 0 AND d.d > 0"""
    )
    store.execute(
        """CREATE OR REPLACE TEMP TABLE s_vocab_out AS
        SELECT d.token FROM s_delta_count d JOIN serve_token_count c USING (token)
        WHERE c.plain_rows > 0 AND c.plain_rows + d.d = 0"""
    )
    # the recomputed awards' rows: their plain words and the pairs in the vocabulary
    vocabulary = """(SELECT token FROM search_pair
                     WHERE token IN (SELECT token FROM serve_token_count
                                     WHERE plain_rows > 0)
                       AND token NOT IN (SELECT token FROM s_vocab_out)
                     UNION SELECT token FROM s_vocab_in)"""
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE s_new AS
        SELECT token, award_id, joined FROM ({token_rows_sql(vocabulary)})"""
    )
    # 2. other awards whose joined words come or go with the vocabulary; when no
    # word enters or leaves it (most deliveries) there are none, and the word
    # tables are not read for them
    moves = store.scalar(
        "SELECT (SELECT count(*) FROM s_vocab_in) + (SELECT count(*) FROM s_vocab_out)"
    )
    if moves:
        _joining(store, award_maker)
        store.execute(
            f"""CREATE OR REPLACE TEMP TABLE s_affected AS
            SELECT DISTINCT award_id FROM s_join_pair
            UNION
            SELECT DISTINCT award_id FROM serve_word
            WHERE token IN (SELECT token FROM s_vocab_out)
              AND award_id NOT IN {T_NOS}"""
        )
    else:
        store.execute(
            "CREATE OR REPLACE TEMP TABLE s_affected AS "
            "SELECT award_id FROM s_old WHERE false"
        )
    affected = int(store.scalar("SELECT count(*) FROM s_affected"))
    out["awards_joining_words"] = affected
    if not affected:
        store.execute("CREATE OR REPLACE TEMP TABLE s_rows_old AS SELECT * FROM s_old")
        store.execute("CREATE OR REPLACE TEMP TABLE s_rows_new AS SELECT * FROM s_new")
    else:
        store.execute(
            """CREATE OR REPLACE TEMP TABLE s_rows_old AS
            SELECT * FROM s_old
            UNION ALL SELECT * FROM serve_word
            WHERE award_id IN (SELECT award_id FROM s_affected)"""
        )
        store.execute(
            """CREATE OR REPLACE TEMP TABLE s_rows_new AS
            SELECT * FROM s_new
            UNION ALL
            SELECT * FROM serve_word
            WHERE award_id IN (SELECT award_id FROM s_affected)
              AND token NOT IN (SELECT token FROM s_vocab_out)
            UNION ALL
            SELECT token, award_id, true FROM s_join_pair"""
        )
    # the word table and its pairs
    store.execute(
        "DELETE FROM serve_word WHERE rowid IN (SELECT rowid_ FROM s_old_rowid)"
    )
    if affected:
        store.execute(
            """DELETE FROM serve_word
            WHERE award_id IN (SELECT award_id FROM s_affected)
              AND token IN (SELECT token FROM s_vocab_out)"""
        )
    store.execute(
        """INSERT INTO serve_word
        SELECT * FROM s_new
        UNION ALL
        SELECT * FROM s_rows_new WHERE award_id IN (SELECT award_id FROM s_affected)
          AND token IN (SELECT token FROM s_vocab_in)
        ORDER BY token, award_id"""
    )
    store.execute(f"DELETE FROM serve_token_pair_short WHERE award_id IN {T_NOS}")
    store.execute(
        "INSERT INTO serve_token_pair_short SELECT token, award_id FROM search_pair "
        f"WHERE short ORDER BY {PAIR_ORDER}"
    )
    # the deprecated view reads the tables as they are: made again in case resolve's
    # award_maker came since it was
    store.execute(pair_view_sql(award_maker))
    # word counts
    store.execute(
        """CREATE OR REPLACE TEMP TABLE s_changed_words AS
        SELECT token, sum(n)::BIGINT AS n, sum(p)::BIGINT AS p FROM (
            SELECT token, 1 AS n, CASE WHEN joined THEN 0 ELSE 1 END AS p
            FROM s_rows_new
            UNION ALL
            SELECT token, -1, CASE WHEN joined THEN 0 ELSE -1 END FROM s_rows_old)
        GROUP BY token HAVING sum(n) <> 0 OR sum(p) <> 0"""
    )
    store.execute(
        """CREATE OR REPLACE TEMP TABLE s_count_new AS
        SELECT d.token, coalesce(c.word_rows, 0) + d.n AS word_rows,
               coalesce(c.plain_rows, 0) + d.p AS plain_rows
        FROM s_changed_words d LEFT JOIN serve_token_count c USING (token)"""
    )
    store.execute(
        "DELETE FROM serve_token_count "
        "WHERE token IN (SELECT token FROM s_changed_words)"
    )
    store.execute(
        "INSERT INTO serve_token_count SELECT * FROM s_count_new WHERE word_rows > 0 "
        "ORDER BY token"
    )
    out["words_changed"] = int(store.scalar("SELECT count(*) FROM s_changed_words"))
    # 3. the common words
    out.update(_popular(store, popular_awards))
    for name in (*TEMP, "s_count_new"):
        store.execute(f"DROP TABLE IF EXISTS {name}")
    return out


def _joining(store: Store, award_maker: bool) -> None:
    """Temp table s_join_pair(token, award_id): each word entering the vocabulary
    (s_vocab_in) with each award outside the recomputed ones that has it as a pair of
    neighbouring words, as the awards' texts are (their words have not changed).

    A pair of two words of two or more characters is two plain words of its award, so
    its awards hold both halves of the new word split at that place: the splits whose
    halves are both some award's word (serve_token_count, as it was) are looked up in
    serve_word, the awards that hold both halves of one are candidates, and their
    texts are split again (`search_text_sql`, as a full build) to keep the pairs that
    are there. A pair with a one-character word is read from
    serve_token_pair_short."""
    store.execute(
        """CREATE OR REPLACE TEMP TABLE s_split AS
        SELECT x.token, x.a, x.b
        FROM (SELECT token, substr(token, 1, n) AS a, substr(token, n + 1) AS b
              FROM (SELECT token, unnest(range(2, length(token) - 1)) AS n
                    FROM s_vocab_in)) x
        JOIN serve_token_count ca ON ca.token = x.a AND ca.plain_rows > 0
        JOIN serve_token_count cb ON cb.token = x.b AND cb.plain_rows > 0"""
    )
    halves = [
        w
        for (w,) in store.execute(
            "SELECT a FROM s_split UNION SELECT b FROM s_split ORDER BY 1"
        )
    ]
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE s_join_candidate AS
        WITH h AS ({_plain_awards(halves)})
        SELECT l.award_id FROM s_split x JOIN h l ON l.token = x.a
        JOIN h r ON r.token = x.b AND r.award_id = l.award_id
        UNION
        SELECT award_id FROM serve_token_pair_short
        WHERE token IN (SELECT token FROM s_vocab_in)
        EXCEPT SELECT award_no FROM refresh_award_no"""
    )
    awards = "(SELECT * FROM serve_award WHERE award_id IN " + (
        "(SELECT award_id FROM s_join_candidate))"
    )
    transactions = (
        '(SELECT * FROM "transaction" WHERE award_key IN '
        f"(SELECT award_key FROM {awards}))"
    )
    store.execute(search_text_sql(award_maker, awards, transactions, "s_join_text"))
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE s_join_pair AS
        SELECT DISTINCT token, award_id
        FROM ({pairs_sql(f"({words_select('s_join_text')})")})
        WHERE token IN (SELECT token FROM s_vocab_in)"""
    )


def _plain_awards(words: list[str]) -> str:
    """(token, award_id) of the awards that have one of WORDS on its own, from
    serve_word: few words each read from their own range (the table is stored in
    word order), more by a join that reads the whole table."""
    if not words:
        return "SELECT NULL::VARCHAR AS token, NULL::INTEGER AS award_id WHERE false"
    if len(words) > RANGE_WORDS:
        return """SELECT token, award_id FROM serve_word
        WHERE NOT joined AND token IN (SELECT a FROM s_split UNION
                                       SELECT b FROM s_split)"""
    return " UNION ALL ".join(
        f"SELECT token, award_id FROM serve_word WHERE token = {literal(w)} "
        "AND NOT joined"
        for w in words
    )


def _popular(store: Store, min_awards: int) -> dict[str, Any]:
    """The common words' tables, corrected by the awards whose words changed
    (s_rows_old -> s_rows_new)."""
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE s_popular_new AS
        SELECT token FROM serve_token_count WHERE word_rows >= {int(min_awards)}"""
    )
    entering = (
        "(SELECT token FROM s_popular_new EXCEPT SELECT token FROM serve_popular)"
    )
    leaving = "(SELECT token FROM serve_popular EXCEPT SELECT token FROM s_popular_new)"
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE s_recompute AS SELECT token FROM {entering}"""
    )
    n_in = int(store.scalar("SELECT count(*) FROM s_recompute"))
    # kept in a table first: LEAVING reads serve_popular, which the first DELETE
    # changes, so the words leaving must be known before any table loses them
    store.execute(
        f"CREATE OR REPLACE TEMP TABLE s_leaving AS SELECT token FROM {leaving}"
    )
    n_out = int(store.scalar("SELECT count(*) FROM s_leaving"))
    for table in ("serve_popular", "serve_popular_facet", "serve_popular_top"):
        store.execute(
            f"DELETE FROM {table} WHERE token IN (SELECT token FROM s_leaving)"
        )
    store.execute("DROP TABLE s_leaving")
    # hits of the common words that stay: (word, award) with the award's columns
    stay = "(SELECT token FROM serve_popular)"
    # the awards' columns before (the recomputed awards' rows as they were; the
    # awards whose joined words moved are not recomputed) and after
    columns = ", ".join(FACETS)
    awards = {
        "old": f"""(SELECT award_id, {columns} FROM refresh_award_old
                    UNION ALL SELECT award_id, {columns} FROM serve_award
                    WHERE award_id IN (SELECT award_id FROM s_affected))""",
        "new": "serve_award",
    }
    for side in ("old", "new"):
        pairs = f"(SELECT DISTINCT token, award_id FROM s_rows_{side})"
        hits = f"""(SELECT x.ptoken AS token, x.award_id
                    FROM ({_prefixes(pairs)}) x WHERE x.ptoken IN {stay})"""
        store.execute(
            f"CREATE OR REPLACE TEMP TABLE s_hit_{side} AS "
            + _with_columns(hits, awards[side])
        )
    # serve_popular: awards per word
    store.execute(
        """UPDATE serve_popular SET awards = serve_popular.awards + d.n FROM (
            SELECT token, sum(n)::BIGINT AS n FROM (
                SELECT token, 1 AS n FROM s_hit_new
                UNION ALL SELECT token, -1 FROM s_hit_old)
            GROUP BY token HAVING sum(n) <> 0) d
        WHERE serve_popular.token = d.token"""
    )
    # serve_popular_facet: counts and sums by every combination of columns
    keys = ("token", "fiscal_years", "agency_code", "category", "vendor_id", "maker")
    same = " AND ".join(f"d.{c} IS NOT DISTINCT FROM h.{c}" for c in keys)
    apply_delta(
        store,
        "serve_popular_facet",
        keys,
        "s_hit_old",
        "s_hit_new",
        f"""SELECT {", ".join(keys)}, count(*) AS awards,
                   sum(obligation_usd) AS obligation_usd
            FROM ({_hits_of("(SELECT DISTINCT token FROM refresh_delta_null)")}) h
            WHERE EXISTS (SELECT 1 FROM refresh_delta_null d WHERE {same})
            GROUP BY ALL""",
    )
    tops = _tops(store)
    # the words that became common: worked out whole
    recompute = int(store.scalar("SELECT count(*) FROM s_recompute"))
    if recompute:
        _whole(store)
    return {
        "common_words_new": n_in,
        "common_words_gone": n_out,
        **tops,
        "common_words_worked_out": recompute,
    }


def _with_columns(pairs: str, awards: str = "serve_award") -> str:
    """(token, award_id, FACETS) of each distinct (token, award_id) of PAIRS, the
    award's columns from AWARDS (serve_award, or the awards' rows as they were):
    the pairs made distinct first, the columns joined after."""
    return f"""
    SELECT h.token, h.award_id, {", ".join(f"a.{c}" for c in FACETS)}
    FROM (SELECT DISTINCT token, award_id FROM {pairs}) h
    JOIN {awards} a USING (award_id)"""


def _hits_of(words: str) -> str:
    """(token, award_id, columns) of every award having a word that starts with one
    of WORDS (a relation of token), from serve_word as it now is."""
    return _with_columns(
        f"""(SELECT w.token, s.award_id
             FROM {words} w JOIN serve_word s ON starts_with(s.token, w.token))"""
    )


# Up to this many words are looked up one range of serve_word each (below); more
# are joined with the whole table.
RANGE_WORDS = 256


def _prefix_end(word: str) -> str | None:
    """The least string after every string that starts with WORD (its last character
    advanced: UTF-8 sorts as code points), or None when there is none to write."""
    if not word:
        return None
    nxt = ord(word[-1]) + 1
    if nxt > 0x10FFFF or 0xD800 <= nxt <= 0xDFFF:
        return None
    return word[:-1] + chr(nxt)


def _hits_of_words(words: list[str]) -> str | None:
    """`_hits_of` for the listed WORDS, each read from its own range of serve_word:
    the table is stored in word order, so a range given as constants skips every row
    group outside it, where a join on starts_with reads all of the table's rows (at
    10M transactions, 50M rows: 2.6 s for the 9 words of a delivery). None when there
    are too many words or one has no range to write (then `_hits_of`)."""
    if not words or len(words) > RANGE_WORDS:
        return None
    parts = []
    for word in words:
        end = _prefix_end(word)
        if end is None or "\x00" in word:
            return None
        w, e = (v.replace("'", "''") for v in (word, end))
        parts.append(
            f"""SELECT '{w}' AS token, award_id
            FROM serve_word WHERE token >= '{w}' AND token < '{e}'
              AND starts_with(token, '{w}')"""
        )
    return _with_columns(f"({' UNION ALL '.join(parts)})")


def _tops(store: Store) -> dict[str, int]:
    """serve_popular_top for the words whose hits changed: the stored list without the
    changed awards, plus their new hits, cut at TOP_AWARDS, when that is certainly
    the top (the list held every hit, or enough rows still sort before its old last
    one); otherwise the word is queued for a whole recount (s_recompute). A full list
    that holds none of the changed awards, and before whose last row no new hit
    sorts, stays as it is: its top is the same, and it is neither read again nor
    written (at 10M transactions, most of a delivery's ~3,000 words)."""
    store.execute(
        """CREATE OR REPLACE TEMP TABLE s_words AS
        SELECT DISTINCT token FROM (SELECT token FROM s_hit_old
                                    UNION ALL SELECT token FROM s_hit_new)"""
    )
    store.execute(
        """CREATE OR REPLACE TEMP TABLE s_changed_awards AS
        SELECT award_id FROM s_hit_old UNION SELECT award_id FROM s_hit_new"""
    )
    # the old last row of each full list, with the money it had then
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE s_last AS
        SELECT t.token, t.award_id,
               coalesce(h.obligation_usd, a.obligation_usd) AS obligation_usd
        FROM serve_popular_top t JOIN serve_award a USING (award_id)
        LEFT JOIN s_hit_old h ON h.token = t.token AND h.award_id = t.award_id
        WHERE t.token IN (SELECT token FROM s_words) AND t.rank = {TOP_AWARDS}"""
    )
    # c sorts before (or is) the old last row l, by TOP_ORDER
    before = """((c.obligation_usd IS NOT NULL
                  AND (l.obligation_usd IS NULL OR c.obligation_usd > l.obligation_usd))
                 OR (c.obligation_usd IS NOT DISTINCT FROM l.obligation_usd
                     AND c.award_id <= l.award_id))"""
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE s_top_same AS
        SELECT l.token FROM s_last l
        WHERE l.token NOT IN (
                SELECT t.token FROM serve_popular_top t
                JOIN s_changed_awards USING (award_id)
                WHERE t.token IN (SELECT token FROM s_last))
          AND l.token NOT IN (
                SELECT l.token FROM s_hit_new c JOIN s_last l USING (token)
                WHERE {before})"""
    )
    store.execute(
        """CREATE OR REPLACE TEMP TABLE s_top_words AS
        SELECT token FROM s_words WHERE token NOT IN (SELECT token FROM s_top_same)"""
    )
    store.execute(
        """CREATE OR REPLACE TEMP TABLE s_top_candidates AS
        SELECT t.token, t.award_id, a.agency_code, a.category, a.vendor_id, a.maker,
               a.fiscal_years, a.obligation_usd
        FROM serve_popular_top t JOIN serve_award a USING (award_id)
        WHERE t.token IN (SELECT token FROM s_top_words)
          AND t.award_id NOT IN (SELECT award_id FROM s_changed_awards)
        UNION ALL
        SELECT token, award_id, agency_code, category, vendor_id, maker, fiscal_years,
               obligation_usd FROM s_hit_new
        WHERE token IN (SELECT token FROM s_top_words)"""
    )
    store.execute(
        f"""INSERT INTO s_recompute
        SELECT l.token FROM s_last l
        WHERE l.token IN (SELECT token FROM s_top_words)
          AND (SELECT count(*) FROM s_top_candidates c WHERE c.token = l.token
               AND {before}) < {TOP_AWARDS}"""
    )
    store.execute(
        "DELETE FROM serve_popular_top WHERE token IN (SELECT token FROM s_top_words)"
    )
    # a few hundred candidates per word (its stored list and the new hits): ranked
    # by a sort, cheaper here than max_by's heap of struct keys (at 1M, 454,620
    # candidates of 552 words: 0.44-0.49 s against 0.95-1.38 s), the same order
    store.execute(
        f"""INSERT INTO serve_popular_top
        SELECT token, award_id, agency_code, category, vendor_id, maker,
               fiscal_years,
               row_number() OVER (PARTITION BY token ORDER BY {TOP_ORDER}) AS rank
        FROM s_top_candidates
        WHERE token NOT IN (SELECT token FROM s_recompute)
        QUALIFY rank <= {TOP_AWARDS}"""
    )
    n = {
        "common_words_tops_corrected": int(
            store.scalar("SELECT count(*) FROM s_top_words")
        ),
        "common_words_tops_unchanged": int(
            store.scalar("SELECT count(*) FROM s_top_same")
        ),
    }
    for name in ("s_words", "s_last", "s_top_same", "s_top_words", "s_changed_awards"):
        store.execute(f"DROP TABLE {name}")
    return n


def _whole(store: Store) -> None:
    """The common-word rows of the words of s_recompute, from the word table."""
    words = [r[0] for r in store.execute("SELECT DISTINCT token FROM s_recompute")]
    store.execute(
        "CREATE OR REPLACE TEMP TABLE s_hit_all AS "
        + (
            _hits_of_words(words)
            or _hits_of("(SELECT DISTINCT token FROM s_recompute)")
        )
    )
    for table in ("serve_popular", "serve_popular_facet", "serve_popular_top"):
        store.execute(
            f"DELETE FROM {table} WHERE token IN (SELECT token FROM s_recompute)"
        )
    store.execute(
        "INSERT INTO serve_popular SELECT token, count(*) AS awards FROM s_hit_all "
        "GROUP BY token"
    )
    store.execute(
        """INSERT INTO serve_popular_facet
        SELECT token, fiscal_years, agency_code, category, vendor_id, maker,
               count(*) AS awards, sum(obligation_usd) AS obligation_usd
        FROM s_hit_all GROUP BY ALL"""
    )
    store.execute(_top_insert_sql("s_hit_all"))


def _top_insert_sql(hits: str) -> str:
    """serve_popular_top's rows from HITS (token, award_id and the award's columns,
    one row per pair): each word's first TOP_AWARDS by TOP_ORDER, kept by max_by
    instead of a sort of every hit (custodes/search/tables.py top_ids_sql)."""
    return f"""INSERT INTO serve_popular_top
        SELECT h.token, h.award_id, h.agency_code, h.category, h.vendor_id, h.maker,
               h.fiscal_years, t.rank
        FROM ({top_ids_sql(hits)}) t JOIN {hits} h USING (token, award_id)"""
