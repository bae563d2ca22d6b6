"""Search results of common words, worked out once at prepare time.

A search for a word that thousands of awards contain (SERVICES, SUPPORT, ICE) has to
count facets over all of those awards, which on a large store takes hundreds of
milliseconds per request, and such words are the ones people search for most. For
every word that starts a word of at least POPULAR_AWARDS awards' text, prepare stores
(the SQL is in custodes/search/tables.py):

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

from custodes.search.facets import SMALL, count_facets, count_years

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

# The stored combinations of one word, when few (at most `small`: counted in Python).
ROWS_SQL = """
    SELECT fiscal_years, agency_code, category, vendor_id, maker, awards,
           obligation_usd
    FROM serve_popular_facet WHERE token = ? AND {where} LIMIT {limit}"""

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
    reader: Any,
    token: str,
    where: str,
    args: list[Any],
    size: int,
    page: int,
    small: int = SMALL,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int] | None, bool] | None:
    """Facet rows, year facet, the page's award ids for a common word and whether they
    were counted in Python (at most SMALL stored combinations) rather than in SQL;
    None when the word is not a stored common word. The ids are None when the stored
    largest awards cannot answer this page (the caller reads it live)."""
    if token not in popular_tokens(reader):
        return None
    offset = (page - 1) * size
    top = (
        TOP_SQL.format(where=where, size=int(size), offset=int(offset)),
        [token, *args],
    )
    # not cached: up to SMALL rows, and the page made from them is
    rows_sql = ROWS_SQL.format(where=where, limit=max(0, int(small)) + 1)
    rows, ids = reader.batch([(rows_sql, [token, *args]), top], cache=False)
    in_python = len(rows) <= small  # few combinations: counted in Python
    if in_python:
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
    page_ids = found if len(found) >= wanted else None
    return facets, years, page_ids, in_python
