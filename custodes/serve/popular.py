"""Search results of common words, worked out once at prepare time.

A search for a word that thousands of awards contain (SERVICES, SUPPORT, ICE) has to
count facets over all of those awards, which on a large store takes hundreds of
milliseconds per request, and such words are the ones people search for most. For
every word that starts a word of at least POPULAR_AWARDS awards' text, prepare stores:

- serve_popular(token, awards): the word and how many awards match it (the awards
  with a word starting with it, as a live search matches);
- serve_popular_facet: those awards counted by every combination of the filterable
  columns (agency, category, vendor, maker and the award's list of fiscal years), so
  that facets and totals under any filter are sums over a few thousand rows;
- serve_popular_top: the TOP_AWARDS largest matching awards, with the same columns.

A one-word search with filters on those columns reads these tables. The result page
is exact: if the stored largest awards hold enough matches for the requested page,
they are the largest matches of the filtered search too (any larger match would be
among them); otherwise the page is read live. Multi-word searches, prefixes of
common words and other parameters take the live path, with the same results.
"""

from __future__ import annotations

from typing import Any

from custodes.serve.facets import SMALL, count_facets, count_years

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


FACETS_SQL = """
    SELECT agency_code, category, vendor_id, maker,
           coalesce(sum(awards), 0)::BIGINT AS awards,
           sum(obligation_usd) AS obligation_usd,
           GROUPING(agency_code, category, vendor_id, maker) AS g
    FROM serve_popular_facet WHERE token = ? AND {where}
    GROUP BY GROUPING SETS ((agency_code), (category), (vendor_id), (maker), ())"""

YEARS_SQL = """
    SELECT fiscal_year, sum(awards)::BIGINT AS awards FROM (
        SELECT unnest(fiscal_years) AS fiscal_year, awards
        FROM serve_popular_facet WHERE token = ? AND {where})
    GROUP BY 1 ORDER BY 1"""

# The stored combinations of one word, when few (at most SMALL: counted in Python).
ROWS_SQL = f"""
    SELECT fiscal_years, agency_code, category, vendor_id, maker, awards,
           obligation_usd
    FROM serve_popular_facet WHERE token = ? AND {{where}} LIMIT {SMALL + 1}"""

TOP_SQL = """
    SELECT award_id FROM serve_popular_top WHERE token = ? AND {where}
    ORDER BY rank LIMIT {size} OFFSET {offset}"""


def popular_tokens(reader: Any) -> frozenset[str]:
    """The stored common words, read once per open store."""
    return reader.derived("popular_tokens", _read_popular_tokens)


def _read_popular_tokens(reader: Any) -> frozenset[str]:
    if not reader.has("serve_popular"):
        return frozenset()
    rows = reader.rows("SELECT token FROM serve_popular", cache=False)
    return frozenset(r["token"] for r in rows)


def popular_search(
    reader: Any, token: str, where: str, args: list[Any], size: int, page: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int] | None] | None:
    """Facet rows, year facet and the page's award ids for a common word, or None when
    the word is not a stored common word. The ids are None when the stored largest
    awards cannot answer this page (the caller reads it live)."""
    if token not in popular_tokens(reader):
        return None
    offset = (page - 1) * size
    top = (
        TOP_SQL.format(where=where, size=int(size), offset=int(offset)),
        [token, *args],
    )
    # not cached: up to SMALL rows, and the page made from them is
    rows, ids = reader.batch(
        [(ROWS_SQL.format(where=where), [token, *args]), top], cache=False
    )
    if len(rows) <= SMALL:  # few combinations: counted in Python
        facets, years = count_facets(rows, "awards"), count_years(rows, "awards")
    else:
        facets, years = reader.batch(
            [
                (FACETS_SQL.format(where=where), [token, *args]),
                (YEARS_SQL.format(where=where), [token, *args]),
            ]
        )
    total = next((r["awards"] for r in facets if r["g"] == 15), 0) or 0
    wanted = min(size, max(0, total - offset))
    found = [r["award_id"] for r in ids]
    return facets, years, found if len(found) >= wanted else None
