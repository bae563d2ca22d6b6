"""A search answered in SQL, for when the in-memory index is not ready or cannot answer.

The matching awards are read from the award table, each search word's awards from its
range of the word table (serve_word, stored in word order). When the search's rarest
word has at most `small` word rows, the matching awards are fetched in one query
and counted in Python (custodes/search/facets.py); otherwise the search runs as one
batch on its own cursor: the matching awards go to a temporary table once, and the
facets, the fiscal-year facet and the page of results are read from it.
"""

from __future__ import annotations

from typing import Any

from custodes.search.facets import FILTERS, count_facets, count_years, top_ids
from custodes.search.query import Query
from custodes.search.terms import Plan

Found = tuple[list[dict[str, Any]], list[dict[str, Any]], list[int]]
COLUMNS = "agency_code, category, vendor_id, maker, obligation_usd, fiscal_years"
# the order of each sort (NULL last, ties by id)
ORDER = {
    "largest": "obligation_usd DESC NULLS LAST, award_id",
    "smallest": "obligation_usd ASC NULLS LAST, award_id",
    "newest": "first_action_date DESC NULLS LAST, award_id",
    "oldest": "first_action_date ASC NULLS LAST, award_id",
}


def filter_sql(query: Query, dates: bool = True) -> tuple[str, list[Any]]:
    """The filters (not the search words) as a WHERE clause on serve_award's columns;
    without DATES, no date range."""
    chosen = query.chosen()
    where, args = ["true"], []
    for key, column in FILTERS:
        if chosen[key] is None:
            continue
        if key == "vendor" and query.vendor_awards:
            # every award the vendor was paid on: also those it shared with another
            # payee that ended under another vendor (custodes/search/payees.py)
            listed = ", ".join(str(int(i)) for i in query.vendor_awards)
            where.append(f"({column} = ? OR award_id IN ({listed}))")
        else:
            where.append(f"{column} = ?")
        args.append(chosen[key])
    if query.fiscal_year is not None:
        where.append("list_contains(fiscal_years, ?)")
        args.append(query.fiscal_year)
    if query.min_usd is not None:
        where.append("obligation_usd >= ?")
        args.append(query.min_usd)
    if query.max_usd is not None:
        where.append("obligation_usd <= ?")
        args.append(query.max_usd)
    if dates and query.date_to is not None:
        where.append("first_action_date <= ?")
        args.append(query.date_to)
    if dates and query.date_from is not None:
        where.append("last_action_date >= ?")
        args.append(query.date_from)
    return " AND ".join(where), args


def plan_sql(plan: Plan, within: str = "") -> tuple[str, list[Any]]:
    """PLAN's clauses as a condition on award_id, with its parameters; WITHIN: a
    condition on award_id that every word's rows are read under as well (a few
    awards' rows, instead of every award that holds the word)."""
    clauses, args = [], []
    for clause in plan.clauses:
        alternatives = []
        for alternative in clause.alternatives:
            terms = []
            for term in alternative:
                words = []
                for w in term.words:
                    if w.exact:  # the word and its plural
                        words.append("token = ? OR token = ?")
                        args += [w.text, w.text + "S"]
                    else:  # '~' sorts after every letter and digit
                        words.append("(token >= ? AND token < ?)")
                        args += [w.text, w.text + "~"]
                terms.append(
                    "award_id IN (SELECT award_id FROM serve_word WHERE ("
                    + " OR ".join(words)
                    + ")"
                    + (f" AND {within}" if within else "")
                    + ")"
                )
            alternatives.append("(" + " AND ".join(terms) + ")")
        clauses.append("(" + " OR ".join(alternatives) + ")")
    return " AND ".join(clauses) or "true", args


def plan_hits_sql(plan: Plan, query: Query, within: str = "") -> tuple[str, list[Any]]:
    """The awards matching PLAN and QUERY's filters, read from the award table (any
    plan, any filter, any order); WITHIN: only awards meeting this condition on
    award_id (`plan_sql`)."""
    cond, args = plan_sql(plan, within)
    where, more = filter_sql(query)
    cols = f"{COLUMNS}, first_action_date"
    only = f"{within} AND " if within else ""
    return (
        f"SELECT award_id, {cols} FROM serve_award WHERE {only}{cond} AND {where}",
        [*args, *more],
    )


FACETS_SQL = """
    SELECT agency_code, category, vendor_id, maker, count(*) AS awards,
           sum(obligation_usd) AS obligation_usd,
           GROUPING(agency_code, category, vendor_id, maker) AS g
    FROM hits
    GROUP BY GROUPING SETS ((agency_code), (category), (vendor_id), (maker), ())"""

YEAR_FACET_SQL = """
    SELECT fiscal_year, count(*) AS awards
    FROM (SELECT unnest(fiscal_years) AS fiscal_year FROM hits)
    GROUP BY 1 ORDER BY 1"""

TOP_SQL = """SELECT award_id FROM hits ORDER BY {order} LIMIT {size} OFFSET {offset}"""


def counted_in_python(reader: Any, plan: Plan, query: Query) -> Found:
    """A search whose rarest clause has few word rows: its rows fetched at once and
    counted in Python."""
    sql, params = plan_hits_sql(plan, query)
    rows = reader.rows(sql, params, cache=False)  # few rows, one per award
    top = top_ids(rows, query.size, query.offset, query.sort)
    return count_facets(rows), count_years(rows), top


def counted_in_sql(reader: Any, plan: Plan, query: Query) -> Found:
    """Any search: the matching awards in a temporary table, counted there."""
    sql, params = plan_hits_sql(plan, query)
    top = TOP_SQL.format(
        order=ORDER[query.sort], size=int(query.size), offset=int(query.offset)
    )
    _, facets, years, page, _ = reader.batch(
        [
            (f"CREATE TEMP TABLE hits AS {sql}", params),
            (FACETS_SQL, []),
            (YEAR_FACET_SQL, []),
            (top, []),
            ("DROP TABLE hits", []),
        ]
    )
    return facets, years, [r["award_id"] for r in page]
