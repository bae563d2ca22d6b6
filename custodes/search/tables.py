"""The search's tables, built by `custodes serve --prepare` (custodes/serve/prepare.py)
after serve_award:

- serve_token: every word of every award's search text with the award's id and its
  facet columns, stored in word order, so that a search reads only the row groups
  that can hold its words;
- serve_token_count: how many rows of serve_token each word has (held in memory to
  read the rarest word first and to bound a search's matches, search/tokens.py);
- serve_popular, serve_popular_facet, serve_popular_top: search results of common
  words, worked out once (custodes/search/popular.py).
"""

from __future__ import annotations

SEARCH_TABLES = (
    "serve_token",
    "serve_token_count",
    "serve_popular",
    "serve_popular_facet",
    "serve_popular_top",
)

# Search words: each award's search text split into tokens of letters and digits,
# stored sorted so that a prefix lookup reads only the row groups that can match.
# It repeats the award's facet columns, so that a search reads only its words' rows.
SERVE_TOKEN_SQL = """
    CREATE OR REPLACE TABLE serve_token AS
    WITH t AS (
        SELECT DISTINCT token, award_id FROM (
            SELECT unnest(regexp_split_to_array(search_text, '[^A-Z0-9]+')) AS token,
                   award_id
            FROM serve_award)
        WHERE length(token) >= 2)
    SELECT t.token, t.award_id, a.agency_code, a.category, a.vendor_id, a.maker,
           a.obligation_usd, a.fiscal_years
    FROM t JOIN serve_award a USING (award_id)
    ORDER BY t.token, t.award_id"""

SERVE_TOKEN_COUNT_SQL = """
    CREATE OR REPLACE TABLE serve_token_count AS
    SELECT token, count(*) AS word_rows FROM serve_token
    GROUP BY token ORDER BY token"""

POPULAR_AWARDS = 1000  # a word matching fewer awards is fast enough live (a few ms)
TOP_AWARDS = 500


def popular_sql(min_awards: int = POPULAR_AWARDS) -> list[str]:
    """The statements that build the common-word tables (words of MIN_AWARDS awards)."""
    return [
        f"""CREATE OR REPLACE TEMP TABLE popular_prefix AS
    WITH counts AS (SELECT token, count(*) AS n FROM serve_token GROUP BY token)
    SELECT p.token AS ptoken, c.token
    FROM (SELECT token FROM counts WHERE n >= {int(min_awards)}) p
    JOIN counts c ON starts_with(c.token, p.token)""",
        # an award with several words that start with the same common word counts once;
        # its other columns follow from its id, so only (word, award) is grouped
        """CREATE OR REPLACE TEMP TABLE popular_hit AS
    SELECT x.ptoken AS token, s.award_id, any_value(s.agency_code) AS agency_code,
           any_value(s.category) AS category, any_value(s.vendor_id) AS vendor_id,
           any_value(s.maker) AS maker, any_value(s.obligation_usd) AS obligation_usd,
           any_value(s.fiscal_years) AS fiscal_years
    FROM popular_prefix x JOIN serve_token s ON s.token = x.token
    GROUP BY x.ptoken, s.award_id""",
        """CREATE OR REPLACE TABLE serve_popular AS
    SELECT token, count(*) AS awards FROM popular_hit GROUP BY token ORDER BY token""",
        """CREATE OR REPLACE TABLE serve_popular_facet AS
    SELECT token, fiscal_years, agency_code, category, vendor_id, maker,
           count(*) AS awards, sum(obligation_usd) AS obligation_usd
    FROM popular_hit GROUP BY ALL ORDER BY token""",
        f"""CREATE OR REPLACE TABLE serve_popular_top AS
    SELECT * FROM (
        SELECT token, award_id, agency_code, category, vendor_id, maker, fiscal_years,
               row_number() OVER (PARTITION BY token
                   ORDER BY obligation_usd DESC NULLS LAST, award_id) AS rank
        FROM popular_hit)
    WHERE rank <= {TOP_AWARDS} ORDER BY token, rank""",
        "DROP TABLE popular_hit",
        "DROP TABLE popular_prefix",
    ]


def search_tables_sql(popular_awards: int = POPULAR_AWARDS) -> list[str]:
    """The statements that build the search's tables from serve_award, in order."""
    return [SERVE_TOKEN_SQL, SERVE_TOKEN_COUNT_SQL, *popular_sql(popular_awards)]
