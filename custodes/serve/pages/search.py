"""Search across awards, vendors and data-web systems, with facets and filters."""

from __future__ import annotations

from typing import Any

from custodes.model.agencies import load_agencies
from custodes.search.awardrows import load_award_rows
from custodes.search.directory import load_vendor_directory
from custodes.search.facets import (
    FACET_ROWS,
    FILTERS,
    SMALL,
    count_facets,
    count_years,
    top_ids,
)
from custodes.search.index import common_search, index_search
from custodes.search.indexbuild import search_index
from custodes.search.popular import popular_search
from custodes.search.tokens import load_token_counts
from custodes.serve import params as P
from custodes.serve.pages import Ctx, build_notices, category_label
from custodes.serve.views import Table, View

USE_INDEX = True  # tests turn it off to compare with the SQL paths
# A one-word search for a common word is answered from its prepared results held in
# memory (custodes/search/common.py, 0.3-1.3 ms on the 10M bench store) before the
# index counts it (up to ~4 ms for 60,000 awards); tests turn it off to send common
# words through the index too.
USE_COMMON = True


def award_filter_sql(ctx: Ctx) -> tuple[str, list[Any], dict[str, Any]]:
    """The filters (not the search words) as a WHERE clause; the columns it names exist
    in both serve_award and serve_token."""
    p = ctx.params
    chosen = {
        "q": (q := P.text(p, "q")),
        "agency": P.agency(p),
        "fy": P.fiscal_year(p),
        "category": P.identifier(p, "category"),
        "vendor": P.identifier(p, "vendor"),
        "maker": P.text(p, "maker", 100),
    }
    P.search_terms(q)  # bounds the number of words
    where, args = ["true"], []
    for key, column in FILTERS:
        if chosen[key] is not None:
            where.append(f"{column} = ?")
            args.append(chosen[key])
    if chosen["fy"] is not None:
        where.append("list_contains(fiscal_years, ?)")
        args.append(chosen["fy"])
    return " AND ".join(where), args, chosen


def hits_sql(
    where: str, args: list[Any], tokens: list[str], grouped: bool = True
) -> tuple[str, list[Any]]:
    """The matching awards with the facet columns (a SELECT). With search words, read
    from the word table only (the first word's rows, kept when every other word also
    matches); without, from the award table. A word matches words that start with
    it, so an award can have several rows of the first word: GROUPED keeps one."""
    cols = "agency_code, category, vendor_id, maker, obligation_usd, fiscal_years"
    if not tokens:
        return f"SELECT award_id, {cols} FROM serve_award WHERE {where}", args
    more = "".join(
        " AND award_id IN (SELECT award_id FROM serve_token "
        "WHERE token >= ? AND token < ?)"
        for _ in tokens[1:]
    )
    params = [tokens[0], tokens[0] + "~", *args]
    for token in tokens[1:]:
        params += [token, token + "~"]  # '~' sorts after every letter and digit
    rows = f"FROM serve_token WHERE token >= ? AND token < ? AND {where}{more}"
    if not grouped:
        return f"SELECT award_id, {cols} {rows}", params
    anyv = ", ".join(f"any_value({c}) AS {c}" for c in cols.split(", "))
    return f"SELECT award_id, {anyv} {rows} GROUP BY award_id", params


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

TOP_SQL = """SELECT award_id FROM hits ORDER BY obligation_usd DESC NULLS LAST, award_id
    LIMIT {size} OFFSET {offset}"""


def run_search(
    ctx: Ctx, chosen: dict[str, Any], where: str, args: list[Any], size: int, page: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int]]:
    """Facet rows, year facet and the page's award ids. The search's rarest word is
    looked at first. Once the in-memory index (custodes/search/index.py) is ready, a
    one-word search for a common word is answered from that word's prepared results
    held in memory (custodes/search/common.py), and any other search with words from
    the index. Otherwise, or when those cannot answer: a common word from its prepared
    tables (custodes/search/popular.py); when the rarest word has few rows (at most
    SMALL), the matching awards are fetched and counted in Python
    (custodes/search/facets.py); else they go to a temporary table once, and facets and
    the page are read from it."""
    tokens = P.search_tokens(ctx.params.get("q"))
    offset = (page - 1) * size
    counts = load_token_counts(ctx.reader)
    if tokens and counts is not None:
        tokens = counts.rarest_first(tokens)
    index = search_index(ctx.reader) if USE_INDEX else None
    if index is not None and tokens:
        if len(tokens) == 1 and USE_COMMON:
            found = common_search(index, tokens[0], chosen, size, page)
            if found is not None:
                return found
        found = index_search(index, tokens, chosen, size, page)
        if found is not None:
            return found
    if len(tokens) == 1:
        popular = popular_search(ctx.reader, tokens[0], where, args, size, page)
        if popular is not None:
            popular_facets, popular_years, popular_top = popular
            if popular_top is not None:
                return popular_facets, popular_years, popular_top
    if tokens and counts is not None and counts.rows(tokens[0]) <= SMALL:
        # one row per award (an award's other columns are the same in each row)
        sql, params = hits_sql(where, args, tokens, grouped=False)
        matched = ctx.reader.rows(sql, params, cache=False)  # up to SMALL rows
        rows = list({r["award_id"]: r for r in matched}.values())
        return count_facets(rows), count_years(rows), top_ids(rows, size, offset)
    sql, params = hits_sql(where, args, tokens)
    _, facets, years, top, _ = ctx.reader.batch(
        [
            (f"CREATE TEMP TABLE hits AS {sql}", params),
            (FACETS_SQL, []),
            (YEAR_FACET_SQL, []),
            (TOP_SQL.format(size=int(size), offset=int(offset)), []),
            ("DROP TABLE hits", []),
        ]
    )
    return facets, years, [r["award_id"] for r in top]


def add_labels(ctx: Ctx, rows: list[dict[str, Any]]) -> None:
    """Agency and vendor names for the facet rows (kept out of the word table)."""
    _, subtier = load_agencies()
    names = load_vendor_directory(ctx.reader).names
    for r in rows:
        code = r["agency_code"]
        r["agency_name"] = subtier[code].name if code in subtier else code
        r["vendor_name"] = names.get(r["vendor_id"], r["vendor_id"])


def build_facets(
    rows: list[dict[str, Any]],
) -> tuple[int, dict[str, list[dict[str, Any]]]]:
    total = 0
    out: dict[str, list[dict[str, Any]]] = {
        "agency": [],
        "category": [],
        "vendor": [],
        "maker": [],
    }
    for r in rows:
        if r["g"] == 15:
            total = r["awards"]
        elif r["g"] == 7 and r["agency_code"] is not None:
            out["agency"].append(
                {
                    "value": r["agency_code"],
                    "label": r["agency_name"],
                    "awards": r["awards"],
                }
            )
        elif r["g"] == 11:
            out["category"].append(
                {
                    "value": r["category"],
                    "label": category_label(r["category"]),
                    "awards": r["awards"],
                }
            )
        elif r["g"] == 13 and r["vendor_id"] is not None:
            out["vendor"].append(
                {
                    "value": r["vendor_id"],
                    "label": r["vendor_name"],
                    "awards": r["awards"],
                }
            )
        elif r["g"] == 14 and r["maker"] is not None:
            out["maker"].append(
                {"value": r["maker"], "label": r["maker"], "awards": r["awards"]}
            )
    for key in out:
        # ties by value: a stable order, and for vendors the same 15 add_labels named
        out[key].sort(key=lambda f: (-f["awards"], str(f["value"])))
        out[key] = out[key][:FACET_ROWS]
    return total, out


def search(ctx: Ctx) -> View:
    page, size = P.page(ctx.params)
    where, args, chosen = award_filter_sql(ctx)
    view = View("search.html", "Search", notices=build_notices(ctx.reader))
    view.data = {"chosen": chosen, "page": page, "size": size, "total": 0, "facets": {}}
    if not ctx.reader.has("serve_award"):
        return view
    facet_rows, years, top = run_search(ctx, chosen, where, args, size, page)
    add_labels(ctx, facet_rows)
    total, facets = build_facets(facet_rows)
    facets["fy"] = [
        {
            "value": r["fiscal_year"],
            "label": f"FY{r['fiscal_year']}",
            "awards": r["awards"],
        }
        for r in years
    ]
    # in the order of TOP: largest obligations first (NULL last), then by id
    awards = load_award_rows(ctx.reader).get(ctx.reader, top)
    for r in awards:
        r["category_label"] = category_label(r["category"])
    view.data.update(total=total, facets=facets, pages=max(1, -(-total // size)))
    view.tables["awards"] = Table(
        [
            ("award_key", "Award"),
            ("piid", "PIID"),
            ("agency_name", "Agency"),
            ("vendor_name", "Vendor"),
            ("category_label", "Category"),
            ("maker", "Maker"),
            ("description", "Description"),
            ("first_action_date", "First action"),
            ("obligation_usd", "Obligations"),
        ],
        awards,
        f"Awards {min(total, (page - 1) * size + 1)}–{min(total, page * size)} "
        f"of {total:,}",
        money=("obligation_usd",),
        links={
            "award_key": "/award/{award_key}",
            "vendor_name": "/vendor/{vendor_id}",
            "category_label": "/category/{category}",
        },
    )
    words = P.search_terms(chosen["q"])
    if words:
        view.tables["vendors"] = Table(
            [
                ("vendor_id", "Vendor id"),
                ("name", "Vendor"),
                ("awards", "Awards"),
                ("obligation_usd", "Obligations"),
            ],
            load_vendor_directory(ctx.reader).matching(words),
            "Vendors whose name matches",
            money=("obligation_usd",),
            links={"name": "/vendor/{vendor_id}"},
        )
        view.tables["systems"] = Table(
            [("id", "System id"), ("label", "Name"), ("kind", "Kind")],
            [
                {k: n.get(k) for k in ("id", "label", "kind")}
                for n in ctx.dataweb.search(words)
            ]
            if ctx.dataweb.available
            else [],
            "Data-web systems and agencies that match",
            links={"label": "/dataweb/node/{id}"},
        )
    return view
