"""The web app's summary tables, which it reads instead of raw rows.

The web app never aggregates millions of transactions per request. `custodes serve
--prepare` (custodes/serve/prepare.py) builds, in one transaction, these small tables
keyed the way the pages ask, and the search's tables (custodes/search/tables.py)
beside them:

- serve_award: one row per award (totals, dates, agency, vendor, category, maker,
  a short description and an upper-cased search text), with its stable number
  (award_id, custodes/figures/award_numbers.py); stored by vendor, largest first
  (vendor_rank: deprecated, NULL, see VENDOR_RANK_SQL);
- serve_award_year: award x fiscal year obligations (fiscal-year facet and filter);
- serve_spending: fiscal year x agency x category totals (dashboard, category pages);
- serve_vendor_award: what each vendor was paid on each award in each fiscal year,
  every transaction under its own vendor (`vendor_award_rows_sql`: the one
  attribution of money to vendors, which every vendor figure reads);
- serve_vendor: one row per vendor with totals and search text;
- serve_vendor_year: vendor x fiscal year x category totals (vendor chart);
- serve_vendor_page: per vendor, its serve_vendor row and the short lists its page
  shows (spending by year, corporate family, names, resellers, makers resold) as lists
  in one row, so that a vendor page reads one row instead of a query per list;
- serve_award_maker, serve_transaction, serve_coverage, serve_withheld_name;
- serve_build: when and from which tables the above were built.

Every table here is built from scratch by `write_serve_tables` (`custodes serve
--prepare`, `custodes figures build`, `custodes refresh --full`) and kept up to date
award by award by `custodes refresh` (custodes/figures/serve_refresh.py), with the same
SQL: each query below that reads transactions takes the relation to read (the whole
store, or the transactions of the awards a refresh recomputes).

Vendors come from `custodes resolve` (vendor, transaction_vendor) and categories from
`custodes classify` (classification) when those tables exist. Without them, each
distinct recipient name stands in for a vendor and every award is 'unclassified'; the
pages say so. Recipients flagged as individuals are never shown by name and never
become vendors: custodes maps institutions, not people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from custodes.figures import award_numbers
from custodes.figures.components import COMPONENT_COLUMNS, component_columns_sql
from custodes.figures.contracts import contract_action_sql, contract_formats
from custodes.figures.coverage import serve_coverage_sql
from custodes.figures.definition import DEFAULT, UNCLASSIFIED
from custodes.figures.makers import channels_sql
from custodes.figures.news import SERVE_ACTION_SQL
from custodes.figures.recipients import (
    VENDOR_ONCE_SQL,
    WITHHELD,
    vendor_id_sql,
    vendor_name_sql,
    withheld_sql,
)
from custodes.figures.review import reviewed_sql
from custodes.ingest.rawrow import raw_values_are_json
from custodes.resolve.records import alias_join_sql
from custodes.store.duckdb import Store
from custodes.store.queries import last_runs, modifications_only_award_sql
from custodes.store.sql import literal

# bump when the serve_* tables change shape (13: agency names; 14: serve_vendor_award,
# money by vendor per transaction; 15: a serve_award column, modifications_only;
# 16: each transaction's own vendor in serve_transaction and serve_action; 17: the
# search's pairs in serve_token_pair_short, serve_token_pair a view; 18: the search's
# words in serve_word without the award's columns, serve_token a view)
SERVE_FORMAT = "18"
# The tables built here (the search's are listed in custodes/search/tables.py).
SERVE_TABLES = (
    "serve_award",
    "serve_award_year",
    "serve_spending",
    "serve_vendor_award",
    "serve_vendor",
    "serve_vendor_year",
    "serve_vendor_page",
    "serve_withheld_name",
    "serve_award_maker",
    "serve_transaction",
    "serve_coverage",
    "serve_action",
    "serve_contract_action",
    "serve_maker_channel",
    "serve_build",
)
TRANSACTIONS = '"transaction"'
# As the TV argument below: each transaction's vendor link read from vendor_alias by
# its recipient record (custodes/resolve/records.py `alias_join_sql`: one row per
# record, about 5,400 in the bench stores) instead of from transaction_vendor by its
# key (a row per transaction: at 2M transactions under 600 MB, award_rows_sql took
# 7.7 s of CPU that way, 5.0 s this way). The same links only where resolve's full
# run has just written transaction_vendor by that join: `custodes refresh` when it
# resolves from scratch (write_serve_tables(linked=True)). Elsewhere
# transaction_vendor may be older than the transactions (an ingest since), and a
# transaction resolve has not seen keeps its stand-in vendor.
ALIAS_LINKS = "vendor_alias"

# serve_award.vendor_rank, deprecated: the award's rank among the awards of the
# vendor of its latest action was what the vendor page once paged by. Nothing reads
# it now (a vendor page lists every award the vendor was paid on, by its own part:
# serve_vendor_award), and a rank under the latest vendor alone is the attribution
# that issue 15 item 5 removed; the column stays, NULL, since the award page's .json
# carries every serve_award column. Rows stay stored by vendor, largest first.
VENDOR_RANK_SQL = "NULL::INTEGER"


# serve_transaction's columns after award_id, from the transaction (t)
TRANSACTION_COLUMNS = (
    "transaction_key",
    "action_date",
    "fiscal_year",
    "modification_number",
    "action_type",
    "obligation_usd",
    "description",
    "source_file",
    "source_line",
    "source_format",
    "parent_award_piid",
)


def agency_name_sql(code: str, name: str) -> str:
    """An awarding agency's name as every page shows it: the name custodes/data/
    agencies.yaml gives its CODE (an SQL expression), else NAME (the source's). The
    source spells one agency several ways ("U.S. IMMIGRATION AND CUSTOMS ENFORCEMENT"
    in the bulk files, "U.S. Immigration and Customs Enforcement" from the API), and
    an award's page, search results and the news showed whichever its rows had."""
    from custodes.model.agencies import load_agencies

    whens = " ".join(
        f"WHEN {literal(sub.code)} THEN {literal(sub.name)}"
        for sub in load_agencies()[1].values()
    )
    return f"CASE {code} {whens} ELSE {name} END"


def transaction_rows_sql(
    have: dict[str, bool],
    tx: str = TRANSACTIONS,
    awards: str = "serve_award",
    tv: str = "transaction_vendor",
    coded: Sequence[str] = (),
) -> str:
    """The award page's transaction timeline rows (serve_transaction), for the
    transactions TX of the awards of AWARDS, each with the vendor it was paid to
    (vendor_id, vendor_name: `transaction_vendor_sql`'s rule, its links from TV, or
    ALIAS_LINKS); the CODED columns as their place in their list of values
    (`coded_values_sql`)."""
    columns = ", ".join(
        f"list_position(getvariable('{CODED_VARIABLE}{c}'), t.{c}) AS {c}"
        if c in coded
        else f"t.{c}"
        for c in TRANSACTION_COLUMNS
    )
    vendor_id, vendor_name, joins = _vendor_columns(have, tv)
    return f"""
    SELECT a.award_id, {columns}, {vendor_id} AS vendor_id,
           {vendor_name} AS vendor_name
    FROM {tx} t JOIN {awards} a USING (award_key) {joins}"""


# The award page's transaction timeline, stored by award so that one award's rows are
# read from a few row groups instead of scanning every transaction. The sort of every
# transaction carries its columns of few values (the source file's path, about 80
# characters; the action type) as their place in a list of the values, held in a
# session variable and turned back into the value after the sort by a projection,
# which keeps the order (as the search's word table does, custodes/search/tables.py):
# at 2M transactions (10 files, 11 action types; load 5.2-5.3, twice each, 3 GB) the
# statement 5.20/4.79 -> 4.64/4.06 s CPU (8.1/8.0 -> 7.1/4.5 s wall), the same rows in
# the same order. A column of more than CODED_MAX values rides along as it is
# (finding a value's place reads the list).
CODED_TRANSACTION = ("source_file", "action_type")
CODED_MAX = 64
CODED_VARIABLE = "serve_values_"


def coded_values_sql(column: str) -> str:
    """Set the session variable of COLUMN's values (sorted, without NULL)."""
    return f"""SET VARIABLE {CODED_VARIABLE}{column} = (
    SELECT list(DISTINCT {column} ORDER BY {column})
           FILTER (WHERE {column} IS NOT NULL)
    FROM {TRANSACTIONS})"""


def serve_transaction_sql(
    have: dict[str, bool], tv: str = "transaction_vendor", coded: Sequence[str] = ()
) -> str:
    """serve_transaction from scratch, the CODED columns coded for the sort (their
    variables set by `coded_values_sql`); TV: resolve's links, or ALIAS_LINKS."""
    columns = ", ".join(
        f"getvariable('{CODED_VARIABLE}{c}')[{c}] AS {c}" if c in coded else c
        for c in TRANSACTION_COLUMNS
    )
    rows = transaction_rows_sql(have, tv=tv, coded=coded)
    return f"""
    CREATE OR REPLACE TABLE serve_transaction AS
    SELECT award_id, {columns}, vendor_id, vendor_name FROM ({rows}
    ORDER BY a.award_id, t.action_date)"""


def write_serve_transaction(
    store: Store, have: dict[str, bool] | None = None, tv: str = "transaction_vendor"
) -> None:
    """serve_transaction from scratch, its columns of few values coded for the
    sort; HAVE: `present(store)` when not given; TV: resolve's links, or
    ALIAS_LINKS."""
    have = present(store) if have is None else have
    coded = []
    for column in CODED_TRANSACTION:
        store.execute(coded_values_sql(column))
        values = store.scalar(f"SELECT len(getvariable('{CODED_VARIABLE}{column}'))")
        if values is not None and values <= CODED_MAX:
            coded.append(column)
    store.execute(serve_transaction_sql(have, tv, coded))
    for column in CODED_TRANSACTION:
        store.execute(f"RESET VARIABLE {CODED_VARIABLE}{column}")


def award_maker_rows_sql(awards: str = "serve_award") -> str:
    """serve_award_maker rows of the awards of AWARDS: each award maker with each
    vendor paid on the award and what it was paid on it (serve_vendor_award: its own
    transactions), one row per maker and vendor (an award of one vendor: one row per
    maker, with the award's whole obligations)."""
    return f"""
    SELECT m.award_key, m.maker, m.maker_vendor_id, p.vendor_id, p.vendor_name,
           p.obligation_usd
    FROM award_maker m JOIN {awards} a USING (award_key)
    JOIN (SELECT award_id, vendor_id, min(vendor_name) AS vendor_name,
                 sum(obligation_usd) AS obligation_usd
          FROM serve_vendor_award
          WHERE award_id IN (SELECT x.award_id FROM {awards} x
                             JOIN award_maker y USING (award_key))
          GROUP BY 1, 2) p USING (award_id)"""


SERVE_AWARD_MAKER_SQL = f"""
    CREATE OR REPLACE TABLE serve_award_maker AS {award_maker_rows_sql()}
    ORDER BY m.maker_vendor_id, p.vendor_id"""

NO_AWARD_MAKER_SQL = """
    CREATE OR REPLACE TABLE serve_award_maker (award_key VARCHAR, maker VARCHAR,
        maker_vendor_id VARCHAR, vendor_id VARCHAR, vendor_name VARCHAR,
        obligation_usd DECIMAL(18, 2))"""

WITHHELD_ROWS_SQL = f"""
    SELECT DISTINCT recipient_name FROM "transaction" t
    WHERE {withheld_sql("t")} AND recipient_name IS NOT NULL"""

SERVE_WITHHELD_SQL = (
    f"CREATE OR REPLACE TABLE serve_withheld_name AS {WITHHELD_ROWS_SQL} "
    "ORDER BY recipient_name"
)


def present(store: Store) -> dict[str, bool]:
    names = (
        "vendor",
        "transaction_vendor",
        "vendor_alias",
        "classification",
        "award_maker",
        "classification_run",
    )
    return {n: store.has_table(n) for n in names}


def components_sql(store: Store, have: dict[str, bool]) -> str:
    """classify's component columns as the store has them (custodes/figures/
    components.py)."""
    return component_columns_sql(store.rows) if have["classification"] else ""


def transaction_vendor_sql(
    have: dict[str, bool], tx: str = TRANSACTIONS, tv: str = "transaction_vendor"
) -> str:
    """Each transaction of TX with its vendor id and name, by the one rule of
    custodes/figures/recipients.py (a stand-in where resolve linked none, NULL for a
    natural person). TV: resolve's links (transaction_key, vendor_id) of TX."""
    vendor_id, vendor_name, joins = _vendor_columns(have, tv)
    return f"""
        SELECT t.transaction_key, {vendor_id} AS vendor_id,
               {vendor_name} AS vendor_name
        FROM {tx} t {joins}"""


def award_label_sql(have: dict[str, bool], components: str = "") -> str:
    """award_key -> category, maker (from classify and resolve when present), and
    COMPONENTS: classify's component columns (custodes/figures/components.py)."""
    parts = components or ", ".join(
        f"NULL::{kind} AS {name}" for name, kind in COMPONENT_COLUMNS.items()
    )
    cls = (
        f"SELECT c.award_key, c.category, c.maker AS cls_maker, {parts}, "
        f"c.confidence, {reviewed_sql('c.method')} AS reviewed "
        "FROM classification c"
        if have["classification"]
        else "SELECT DISTINCT award_key, NULL::VARCHAR AS category, "
        f"NULL::VARCHAR AS cls_maker, {parts}, NULL::DOUBLE AS confidence, "
        'false AS reviewed FROM "transaction"'
    )
    mk = (
        "SELECT award_key, string_agg(DISTINCT maker, '; ' ORDER BY maker) AS am_maker "
        "FROM award_maker GROUP BY 1"
        if have["award_maker"]
        else "SELECT NULL::VARCHAR AS award_key, NULL::VARCHAR AS am_maker WHERE false"
    )
    return f"""
        SELECT c.award_key, coalesce(c.category, '{UNCLASSIFIED}') AS category,
               coalesce(m.am_maker, c.cls_maker) AS maker,
               {", ".join(f"c.{name}" for name in COMPONENT_COLUMNS)},
               c.confidence, c.reviewed
        FROM ({cls}) c LEFT JOIN ({mk}) m USING (award_key)"""


# An award's name, vendor and description come from one of its transactions: the
# latest (ties: the largest transaction key) and the longest description (ties: the
# last in sort order); its PIID, sub-agency and PSC are the smallest it has; so that
# every build of the same store picks the same ones.
# "Latest" is the pair (action date, transaction key): `award_rows_sql` (LATEST_PAIR).
# The longest description (ties: the last in sort order) is the largest pair of its
# length and it: the aggregate keeps one copy of it per award, where arg_max by
# (length, description) keeps two (the value and the key). The pair as a struct,
# not as a string of the length's ten digits followed by the description, which
# built a new string of every description: at 10M transactions (2.5M awards, 3 GB,
# in turn twice, load 11-12) the aggregate alone took 3.5 s of CPU against 4.7 s;
# the same descriptions. NULLs are left out by the filter, as the string's max left
# them out (a struct of NULLs is not NULL).
LONGEST_SQL = (
    "max(struct_pack(n := length(t.description), d := t.description))"
    " FILTER (WHERE t.description IS NOT NULL).d"
)


# An award's vendor is that of its latest transaction whose vendor is not NULL
# (arg_max leaves NULL values out), and a transaction that is not a natural person's
# and has a recipient name always has one (its stand-in at least). So one arg_max
# picks, per award, the latest such transaction's recipient record (PICKED_FIELDS,
# a struct), and the vendor joins read that one row per award instead of every
# transaction, where three arg_max (recipient name, vendor id, vendor name) each
# kept its own copy of a per-transaction key. The rare transactions without a
# recipient name (a vendor only where resolve linked them) are joined one by one as
# before and compete by the same key. The recipient name so picked is the latest
# named one's where the award has no natural person's transaction; of the others
# `award_columns_sql` withholds it. At 2M transactions under 600 MB (a slice of
# 500,000 transactions, 2026-12-07, alternating, twice each) 2.15/1.93 -> 1.65/1.82 s
# of CPU with ALIAS_LINKS, 2.84/3.06 -> 2.14/2.30 s with transaction_vendor.
PICKED_FIELDS = (
    "action_date",
    "transaction_key",
    "recipient_name",
    "recipient_uei",
    "recipient_duns",
    "recipient_is_individual",
)
# (action date, transaction key) as a struct: compared field by field
LATEST_PAIR = "struct_pack(d := t.action_date, k := t.transaction_key)"


def award_rows_sql(
    have: dict[str, bool],
    where: str = "",
    tx: str = TRANSACTIONS,
    tv: str = "transaction_vendor",
) -> str:
    """One row per award with the vendor it is shown under (its latest transaction's,
    by the rule of custodes/figures/recipients.py), its totals and dates. WHERE
    restricts the transactions read (whole awards only: it must keep or drop every
    transaction of an award). TX: the transactions read (whole awards only); TV:
    their vendor links. The web app's awards and `custodes vendor show` both read
    awards through this one query. recipient_name: the latest named transaction's
    that is not a natural person's (`award_columns_sql` withholds it where the award
    has one of those). Each transaction's vendor is worked out as in
    `transaction_vendor_sql` (PICKED_FIELDS).

    Two aggregates by award, joined on the award key: the totals, and the latest
    transaction's record. Each holds part of the state per award of one aggregate
    of it all: at 10M transactions the one aggregate outgrew the memory limit and
    spilled (at 2M under a fifth of the limit, as 10M under 3 GB: 11.5-11.8 s of CPU
    as one, 9.4 s as two)."""
    cond = f"WHERE {where}" if where else ""
    vendor_id, vendor_name, joins = _vendor_columns(have, tv)
    withheld = withheld_sql("t")
    record = ", ".join(f"{f} := t.{f}" for f in PICKED_FIELDS)
    unpack = ", ".join(f"x.record_.{f} AS {f}" for f in PICKED_FIELDS)
    fields = ", ".join(f"t.{f}" for f in PICKED_FIELDS)
    named = f"t.action_date IS NOT NULL AND NOT {withheld}"
    return f"""
    WITH tx_ AS NOT MATERIALIZED (SELECT * FROM {tx} t {cond}),
    totals_ AS (
    SELECT t.award_key, min(t.piid) AS piid,
           min(t.awarding_sub_agency_code) AS agency_code,
           {
        agency_name_sql(
            "min(t.awarding_sub_agency_code)", "min(t.awarding_sub_agency_name)"
        )
    } AS agency_name,
           bool_or({withheld}) AS individual,
           {LONGEST_SQL} AS description,
           min(t.action_date) AS first_action_date,
           max(t.action_date) AS last_action_date,
           min(t.fiscal_year) AS first_fiscal_year,
           list_sort(list_distinct(list(t.fiscal_year))) AS fiscal_years,
           sum(t.obligation_usd) AS obligation_usd, count(*) AS transactions,
           min(t.psc_code) AS psc_code,
           {modifications_only_award_sql("t")} AS modifications_only
    FROM tx_ t GROUP BY t.award_key),
    picked_ AS (
    SELECT t.award_key, arg_max(struct_pack({record}), {LATEST_PAIR})
               FILTER (WHERE {named} AND t.recipient_name IS NOT NULL) AS record_
    FROM tx_ t GROUP BY t.award_key),
    vendors_ AS (
    SELECT t.award_key, {LATEST_PAIR} AS latest_, t.recipient_name,
           {vendor_id} AS vendor_id, {vendor_name} AS vendor_name
    FROM (SELECT x.award_key, {unpack} FROM picked_ x WHERE x.record_ IS NOT NULL
          UNION ALL
          SELECT t.award_key, {fields} FROM tx_ t
          WHERE {named} AND t.recipient_name IS NULL) t {joins}),
    latest_ AS (
    SELECT award_key, arg_max(recipient_name, latest_) AS recipient_name,
           arg_max(vendor_id, latest_) AS vendor_id,
           arg_max(vendor_name, latest_) AS vendor_name
    FROM vendors_ GROUP BY award_key)
    SELECT a.award_key, a.piid, a.agency_code, a.agency_name, a.individual,
           l.recipient_name, l.vendor_id, l.vendor_name, a.description,
           a.first_action_date, a.last_action_date, a.first_fiscal_year,
           a.fiscal_years, a.obligation_usd, a.transactions, a.psc_code,
           a.modifications_only
    FROM totals_ a LEFT JOIN latest_ l USING (award_key)"""


def vendor_link_sql(tv: str) -> str:
    """The join that gives a transaction t its resolve link `tv` (tv.vendor_id): by
    transaction key from TV (resolve's links), or from vendor_alias by t's recipient
    record when TV is ALIAS_LINKS."""
    if tv == ALIAS_LINKS:
        return f"LEFT JOIN vendor_alias tv ON {alias_join_sql('t', 'tv')}"
    return f"LEFT JOIN {tv} tv USING (transaction_key)"


def _vendor_columns(have: dict[str, bool], tv: str) -> tuple[str, str, str]:
    """(vendor id, vendor name, joins): a transaction t's vendor columns as
    `transaction_vendor_sql` gives them, and the joins they read (TV: resolve's
    links, or ALIAS_LINKS)."""
    if have["vendor"] and have["transaction_vendor"]:
        return (
            vendor_id_sql("t", "tv.vendor_id"),
            vendor_name_sql("t", "v.name"),
            f"""{vendor_link_sql(tv)}
    LEFT JOIN ({VENDOR_ONCE_SQL}) v ON v.vendor_id = tv.vendor_id""",
        )
    return vendor_id_sql("t", None), vendor_name_sql("t", None), ""


def award_columns_sql(
    have: dict[str, bool],
    components: str = "",
    tx: str = TRANSACTIONS,
    tv: str = "transaction_vendor",
    rows: str | None = None,
) -> str:
    """serve_award's columns after award_id and vendor_rank, one row per award of
    TX (every transaction of each award); ROWS: a table of `award_rows_sql`'s rows
    already worked out (`write_serve_award`), read instead of TX."""
    agg = f"SELECT * FROM {rows}" if rows else award_rows_sql(have, tx=tx, tv=tv)
    return f"""
    WITH agg AS ({agg}),
    lab AS ({award_label_sql(have, components)})
    SELECT a.award_key, a.piid, a.agency_code, a.agency_name,
           CASE WHEN a.individual THEN '{WITHHELD}' ELSE a.recipient_name END
               AS recipient_name,
           a.vendor_id, a.vendor_name, left(a.description, 400) AS description,
           a.first_action_date, a.last_action_date, a.first_fiscal_year, a.fiscal_years,
           a.obligation_usd, a.transactions, a.psc_code,
           coalesce(l.category, '{UNCLASSIFIED}') AS category, l.maker,
           upper(concat_ws(' ', a.piid, a.award_key, a.description,
                 CASE WHEN a.individual THEN NULL ELSE a.recipient_name END,
                 a.vendor_name, l.maker)) AS search_text,
           {", ".join(f"l.{name}" for name in COMPONENT_COLUMNS)},
           l.confidence, coalesce(l.reviewed, false) AS reviewed,
           a.modifications_only
    FROM agg a LEFT JOIN lab l USING (award_key)"""


def serve_award_sql(
    have: dict[str, bool],
    components: str = "",
    tv: str = "transaction_vendor",
    rows: str | None = None,
) -> str:
    """serve_award from scratch (every award numbered: award_numbers.number_new);
    TV: resolve's links, or ALIAS_LINKS; ROWS: as `award_columns_sql`."""
    return f"""
    CREATE OR REPLACE TABLE serve_award AS
    SELECT n.award_no AS award_id, {VENDOR_RANK_SQL} AS vendor_rank, c.*
    FROM ({award_columns_sql(have, components, tv=tv, rows=rows)}) c
    JOIN award_number n USING (award_key)
    ORDER BY c.vendor_id, c.obligation_usd DESC NULLS LAST, c.award_key"""


# serve_award's two aggregates by award (`award_rows_sql`) hold string states for
# every award: at 10M transactions under 3 GB they outgrow the memory limit and
# spill (at 2M under 600 MB, the same pressure: 2.2 GB spilled, 25.7 s of CPU where
# 3 GB took about 7). On a large store they run in slices of awards (picked by a
# hash of the award key, so a slice holds every transaction of its awards), each
# small enough to stay in memory, into a temp table that the labels, numbers, rank
# and sort are then put on. SLICE_TRANSACTIONS transactions a slice; under a DuckDB
# memory limit of at least WIDE_SLICE_GIB, WIDE_SLICE times as many: each slice reads
# every transaction, so fewer slices read less. (The sizes were measured for
# classify's aggregates, which sliced the same way until classify grouped its awards
# over numbered values: on the 10M refresh bench store, 2,508,957 awards, under 3 GB,
# 20 slices 72.9 CPU s, 5 slices 57.0 CPU s.)
SLICE_TRANSACTIONS = 500_000
WIDE_SLICE = 4
WIDE_SLICE_GIB = 2.5
_UNITS = {"bytes": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}


def slice_transactions(store: Store) -> int:
    """Transactions per aggregation slice under the store connection's memory limit
    (SLICE_TRANSACTIONS, WIDE_SLICE times that from WIDE_SLICE_GIB up)."""
    limit = str(store.scalar("SELECT current_setting('memory_limit')") or "")
    number, _, unit = limit.partition(" ")
    try:
        gib = float(number) * _UNITS[unit] / 2**30
    except (KeyError, ValueError):  # no limit, or a form not known here
        return SLICE_TRANSACTIONS
    return SLICE_TRANSACTIONS * (WIDE_SLICE if gib >= WIDE_SLICE_GIB else 1)


def award_slices(store: Store) -> int:
    """How many slices `write_serve_award` aggregates the awards in (1: at once)."""
    rows = int(store.scalar(f"SELECT count(*) FROM {TRANSACTIONS}") or 0)
    return max(1, rows // slice_transactions(store))


def write_serve_award(
    store: Store, have: dict[str, bool], components: str, tv: str
) -> None:
    """serve_award from scratch, its aggregates in `award_slices` slices."""
    slices = award_slices(store)
    if slices == 1:
        store.execute(serve_award_sql(have, components, tv))
        return
    for i in range(slices):
        rows = award_rows_sql(have, f"hash(t.award_key) % {slices} = {i}", tv=tv)
        store.execute(
            (
                "CREATE OR REPLACE TEMP TABLE serve_award_rows AS "
                if i == 0
                else "INSERT INTO serve_award_rows "
            )
            + rows
        )
    store.execute(serve_award_sql(have, components, tv, rows="serve_award_rows"))
    store.execute("DROP TABLE serve_award_rows")


def award_year_sql(tx: str = TRANSACTIONS, awards: str = "serve_award") -> str:
    """serve_award_year rows of the awards of AWARDS, from their transactions TX.
    The transactions are summed by award key and year first and the sums joined to
    AWARDS for award_id (one id per key), so the join reads one row per award and
    year instead of every transaction."""
    return f"""
    SELECT a.award_id, y.award_key, y.fiscal_year, y.obligation_usd
    FROM (SELECT award_key, fiscal_year, sum(obligation_usd) AS obligation_usd
          FROM {tx} GROUP BY 1, 2) y
    JOIN {awards} a USING (award_key)"""


# A full build sums serve_vendor_award (built first: what each vendor was paid on each
# award in each fiscal year) over its vendors instead of reading every transaction
# again: the same sums (exact decimals), from one row per vendor, award and year. At
# 10M transactions the statement from the transactions took 3.0 s in the quiet run of
# 2026-12-07 10:23 (13.6 s at load 6): an aggregate by award key and year of every
# transaction.
SERVE_AWARD_YEAR_SQL = """
    CREATE OR REPLACE TABLE serve_award_year AS
    SELECT y.award_id, a.award_key, y.fiscal_year, y.obligation_usd
    FROM (SELECT award_id, fiscal_year, sum(obligation_usd) AS obligation_usd
          FROM serve_vendor_award GROUP BY 1, 2) y
    JOIN serve_award a USING (award_id)
    ORDER BY 3, 1"""


def spending_rows_sql(where: str = "") -> str:
    """serve_spending rows (the agency names are set by `name_agencies`).
    component_category splits the awards of `none` that buy surveillance components
    (custodes/figures/components.py); sums over it keep the old rows' figures.
    reviewed_usd: the part of obligation_usd whose award a person decided
    (custodes/figures/review.py). serve_award_year has one row per award and year,
    and an award one agency and category, so a group's rows are distinct awards:
    count(*) is count(DISTINCT award_key) without a set of keys per group. The two
    join on award_id (one per award key, in both tables), an integer: at 2M
    transactions 0.31 -> 0.13-0.16 s CPU against the award key's string."""
    return f"""
    SELECT y.fiscal_year, a.agency_code, NULL::VARCHAR AS agency_name, a.category,
           sum(y.obligation_usd) AS obligation_usd,
           count(*) AS awards, a.component_category,
           coalesce(sum(y.obligation_usd) FILTER (WHERE a.reviewed), 0)
               AS reviewed_usd
    FROM serve_award_year y JOIN serve_award a USING (award_id) {where}
    GROUP BY 1, 2, 4, 7"""


SERVE_SPENDING_SQL = (
    f"CREATE OR REPLACE TABLE serve_spending AS {spending_rows_sql()} "
    "ORDER BY 1, 2, 4, 7"
)

# Each sub-agency code under one name: the smallest its awards carry.
NAME_AGENCIES_SQL = """
    UPDATE serve_spending SET agency_name = n.name FROM (
        SELECT agency_code, min(agency_name) AS name FROM serve_award
        WHERE agency_code IN (SELECT agency_code FROM serve_spending
                              WHERE agency_name IS NULL)
        GROUP BY 1) n
    WHERE serve_spending.agency_code = n.agency_code
      AND serve_spending.agency_name IS DISTINCT FROM n.name"""


def name_agencies(store: Store, codes: str | None = None) -> None:
    """Set serve_spending's agency names for the codes of rows without one, or for
    CODES (a subquery of agency_code) as well."""
    if codes:
        store.execute(
            f"UPDATE serve_spending SET agency_name = NULL WHERE agency_code IN {codes}"
        )
    store.execute(NAME_AGENCIES_SQL)


def vendor_parts_sql(
    have: dict[str, bool], tx: str = TRANSACTIONS, tv: str = "transaction_vendor"
) -> str:
    """The one attribution of money to vendors: what each vendor was paid on each
    award (award_key) in each fiscal year, every transaction under its own vendor
    (resolve's, else its recipient's stand-in; NULL for a natural person: withheld,
    never a vendor), by the rule of custodes/figures/recipients.py, as `custodes
    analyse totals --by vendor` counts it. An award whose transactions went to two
    vendors (a novation, an acquisition, a reseller change) gives each vendor its own
    transactions' money, not the whole award to the vendor of its latest action.
    TX: the transactions read; TV: their vendor links (or ALIAS_LINKS).
    serve_vendor_award (and through it serve_vendor, serve_vendor_year, the vendor
    pages and the dashboard's vendor table) and `custodes vendor show` all read money
    by vendor through this one query."""
    vendor_id, vendor_name, joins = _vendor_columns(have, tv)
    return f"""
    SELECT t.award_key, {vendor_id} AS vendor_id, t.fiscal_year,
           min({vendor_name}) AS vendor_name,
           sum(t.obligation_usd) AS obligation_usd, count(*) AS transactions
    FROM {tx} t {joins}
    GROUP BY 1, 2, 3"""


def vendor_award_rows_sql(
    have: dict[str, bool],
    tx: str = TRANSACTIONS,
    tv: str = "transaction_vendor",
    numbers: str = "award_number",
) -> str:
    """serve_vendor_award rows: `vendor_parts_sql` of TX (whole awards only) with each
    award's number from NUMBERS (award_key, award_no)."""
    return f"""
    SELECT s.vendor_id, n.award_no AS award_id, s.fiscal_year, s.vendor_name,
           s.obligation_usd, s.transactions
    FROM ({vendor_parts_sql(have, tx, tv)}) s
    JOIN {numbers} n ON n.award_key = s.award_key"""


# A full build sums serve_transaction (built first: every transaction with its award's
# number and its own vendor, by the same rule and links as `vendor_parts_sql`) by
# vendor, award and year instead of reading every transaction again with the vendor
# joins: the same rows in the same stored order (the key is unique). At 2M
# transactions under 600 MB (2026-12-07, alternating, twice each) 3.35/3.29 ->
# 0.87/0.85 s of CPU.
SERVE_VENDOR_AWARD_SQL = """
    CREATE OR REPLACE TABLE serve_vendor_award AS
    SELECT vendor_id, award_id, fiscal_year, min(vendor_name) AS vendor_name,
           sum(obligation_usd) AS obligation_usd, count(*) AS transactions
    FROM serve_transaction GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3"""


def vendor_year_rows_sql(where: str = "") -> str:
    """serve_vendor_year rows: each vendor's money by fiscal year and category, from
    serve_vendor_award (its own transactions; one row per vendor, award and year, so
    count(*) counts awards), the category from serve_award."""
    return f"""
    SELECT s.vendor_id, s.fiscal_year, a.category,
        sum(s.obligation_usd) AS obligation_usd,
           count(*) AS awards
    FROM serve_vendor_award s JOIN serve_award a USING (award_id)
    WHERE s.vendor_id IS NOT NULL {where} GROUP BY 1, 2, 3"""


SERVE_VENDOR_YEAR_SQL = (
    f"CREATE OR REPLACE TABLE serve_vendor_year AS {vendor_year_rows_sql()} "
    "ORDER BY 1, 2, 3"
)


def serve_vendor_rows_sql(
    have: dict[str, bool], where: str = ""
) -> tuple[str, list[str]]:
    """serve_vendor rows (of the vendors WHERE keeps: a condition on vendor_id), and
    the parameters of its one condition: which awards count as surveillance under the
    default Definition (surveillance_usd)."""
    rule = replace(DEFAULT, classified=have["classification"])
    counted, params = rule.where_sql("category", "component_category")
    and_where = where.replace("WHERE", "AND", 1)
    # each vendor's part of each award (serve_vendor_award), with the award's category
    shares = """SELECT s.vendor_id, s.award_id, s.vendor_name, s.obligation_usd,
                       s.transactions, a.category, a.component_category
                FROM serve_vendor_award s JOIN serve_award a USING (award_id)"""
    if have["vendor"]:
        # resolved vendors, and a stand-in for each recipient resolve linked to none
        source = f"""SELECT v.vendor_id, v.name, v.parent_id, v.family_id, v.kind
                    FROM vendor v {where}
                    UNION ALL
                    SELECT vendor_id, min(vendor_name), NULL, vendor_id,
                           'recipient'
                    FROM serve_vendor_award WHERE vendor_id IS NOT NULL
                      AND vendor_id NOT IN (SELECT vendor_id FROM vendor)
                      {and_where} GROUP BY vendor_id"""
    else:
        source = f"""SELECT vendor_id, min(vendor_name) AS name,
            NULL::VARCHAR AS parent_id,
                    vendor_id AS family_id, 'recipient' AS kind
                    FROM serve_vendor_award WHERE vendor_id IS NOT NULL
                    {and_where} GROUP BY vendor_id"""
    return (
        f"""
    WITH v AS ({source}),
    tot AS (SELECT vendor_id, sum(obligation_usd) AS obligation_usd,
                   count(DISTINCT award_id) AS awards,
                   sum(transactions) AS transactions,
                   string_agg(DISTINCT category, ', ' ORDER BY category) AS categories,
                   coalesce(sum(obligation_usd) FILTER (WHERE {counted}), 0)
                       AS surveillance_usd
            FROM ({shares}) s WHERE vendor_id IS NOT NULL
                 {and_where} GROUP BY 1)
    SELECT v.vendor_id, v.name, v.parent_id, v.family_id, v.kind,
           coalesce(tot.obligation_usd, 0) AS obligation_usd,
           coalesce(tot.awards, 0) AS awards, coalesce(tot.transactions,
               0) AS transactions,
           tot.categories, upper(concat_ws(' ', v.name, v.vendor_id)) AS search_text,
           coalesce(tot.surveillance_usd, 0) AS surveillance_usd
    FROM v LEFT JOIN tot USING (vendor_id)
    WHERE upper(v.name) NOT IN
        (SELECT upper(recipient_name) FROM serve_withheld_name)""",
        params,
    )


def serve_vendor_sql(have: dict[str, bool]) -> tuple[str, list[str]]:
    """serve_vendor from scratch, and the parameters of its condition."""
    rows, params = serve_vendor_rows_sql(have)
    return (
        f"CREATE OR REPLACE TABLE serve_vendor AS {rows} ORDER BY v.vendor_id",
        params,
    )


# Each vendor's part of each award (serve_vendor_award summed over fiscal years), with
# the award's key and labels, of the awards WHERE keeps: the rows a maker's channels
# and its resellers are counted from, so that a reseller (or the maker) is counted
# with what it was paid on an award, not with the whole award its latest action
# names.
VENDOR_PARTS_BY_AWARD_SQL = """
    SELECT a.award_key, s.vendor_id, min(s.vendor_name) AS vendor_name,
           sum(s.obligation_usd) AS obligation_usd, any_value(a.category) AS category,
           any_value(a.component_category) AS component_category
    FROM serve_vendor_award s JOIN serve_award a USING (award_id)
    WHERE {where}
    GROUP BY a.award_id, a.award_key, s.vendor_id"""
NAMED_AWARDS = "a.award_key IN (SELECT award_key FROM serve_award_maker)"


def serve_maker_channel_sql(have: dict[str, bool]) -> tuple[str, list[str]]:
    """serve_maker_channel: each maker's awards, paid to it directly and through each
    reseller (custodes/figures/makers.py), each vendor with its own part of an award
    (VENDOR_PARTS_BY_AWARD_SQL), and which count under the default Definition."""
    rule = replace(DEFAULT, classified=have["classification"])
    counted, params = rule.where_sql("aw.category", "aw.component_category")
    who = (
        "SELECT DISTINCT maker_vendor_id AS owner, maker_vendor_id AS vendor_id "
        "FROM serve_award_maker WHERE maker_vendor_id IS NOT NULL"
    )
    # the makers' own awards, and the awards that name a maker
    awards = VENDOR_PARTS_BY_AWARD_SQL.format(
        where="s.vendor_id IN (SELECT maker_vendor_id FROM serve_award_maker) "
        f"OR {NAMED_AWARDS}"
    )
    makers = "SELECT award_key, maker_vendor_id FROM serve_award_maker"
    return (
        "CREATE OR REPLACE TABLE serve_maker_channel AS "
        f"{channels_sql(who, awards, makers, counted)} "
        "ORDER BY owner, channel, obligation_usd DESC, vendor_id",
        params,
    )


def _listed(name: str, order: str, limit: int, fields: str) -> str:
    """A list of structs of FIELDS (name := expression, ...) in ORDER, LIMIT at most."""
    return f"list(struct_pack({fields}) ORDER BY {order})[1:{int(limit)}] AS {name}"


# Awards where a vendor is the named maker and another vendor was paid (its resellers),
# and the reverse (the makers whose products a vendor resold), by pair: each vendor
# paid on such an award with its own part of it (serve_award_maker has a row per
# vendor paid).
RESELLERS_SQL = """
    SELECT maker_vendor_id, vendor_id, min(vendor_name) AS vendor_name,
           count(*) AS awards, sum(obligation_usd) AS obligation_usd
    FROM serve_award_maker
    WHERE maker_vendor_id IS NOT NULL AND vendor_id IS DISTINCT FROM maker_vendor_id
    GROUP BY 1, 2"""

RESOLD_SQL = """
    SELECT vendor_id, maker, min(maker_vendor_id) AS maker_vendor_id,
           count(*) AS awards, sum(obligation_usd) AS obligation_usd
    FROM serve_award_maker
    WHERE vendor_id IS NOT NULL AND maker_vendor_id IS DISTINCT FROM vendor_id
    GROUP BY 1, 2"""


def _per_vendor_sql(
    name: str, key: str, order: str, limit: int, fields: str, rows: str
) -> str:
    """ROWS gathered into one list per vendor (KEY), the first LIMIT in ORDER."""
    listed = _listed(name, order, limit, fields)
    return f"SELECT {key} AS vendor_id, {listed} FROM ({rows}) GROUP BY 1"


VENDOR_YEARS_SQL = """
    SELECT vendor_id, fiscal_year, sum(obligation_usd) AS obligation_usd,
           sum(awards) AS awards
    FROM serve_vendor_year GROUP BY 1, 2"""

# Each vendor's subsidiaries and siblings (the vendor as `owner`).
FAMILY_SQL = """
    SELECT v.vendor_id AS owner, w.vendor_id, w.name, w.obligation_usd
    FROM serve_vendor v JOIN serve_vendor w
      ON w.parent_id = v.vendor_id
      OR (w.family_id = v.family_id AND w.vendor_id <> v.vendor_id)"""

ALIASES_SQL = """
    SELECT * FROM vendor_alias
    WHERE recipient_name NOT IN (SELECT recipient_name FROM serve_withheld_name)"""


# The lists of a vendor page: name, the column naming the vendor, order, how many the
# page shows, the fields of each item, and the rows they come from.
VENDOR_LISTS = (
    ("years", "vendor_id", "fiscal_year", 1000,
     "fiscal_year := fiscal_year, obligation_usd := obligation_usd, awards := awards",
     VENDOR_YEARS_SQL),
    ("family", "owner", "obligation_usd DESC, vendor_id", 100,
     "vendor_id := vendor_id, name := name, obligation_usd := obligation_usd",
     FAMILY_SQL),
    ("aliases", "vendor_id", "recipient_name, recipient_uei, recipient_duns", 500,
     "recipient_name := recipient_name, recipient_uei := recipient_uei, "
     "recipient_duns := recipient_duns, method := method, score := score, "
     "reason := reason",
     ALIASES_SQL),
    ("resellers", "maker_vendor_id", "obligation_usd DESC, vendor_id", 100,
     "vendor_id := vendor_id, vendor_name := vendor_name, awards := awards, "
     "obligation_usd := obligation_usd",
     RESELLERS_SQL),
    ("resold", "vendor_id", "obligation_usd DESC, maker", 100,
     "maker := maker, maker_vendor_id := maker_vendor_id, awards := awards, "
     "obligation_usd := obligation_usd",
     RESOLD_SQL),
    ("channels", "owner", "channel, obligation_usd DESC, vendor_id", 1000,
     "channel := channel, vendor_id := vendor_id, vendor_name := vendor_name, "
     "awards := awards, obligation_usd := obligation_usd, "
     "surveillance_usd := surveillance_usd",
     "SELECT * FROM serve_maker_channel"),
)  # fmt: skip


def vendor_page_rows_sql(have: dict[str, bool], where: str = "") -> str:
    """The vendor page's lists, one row per vendor (of the vendors WHERE keeps, a
    condition on v.vendor_id); each list keeps the order and length the page shows.
    Aliases are NULL without `custodes resolve`."""
    ctes = {
        name: _per_vendor_sql(name, key, order, limit, fields, rows)
        for name, key, order, limit, fields, rows in VENDOR_LISTS
    }
    if not have["vendor_alias"]:
        ctes["aliases"] = (
            "SELECT NULL::VARCHAR AS vendor_id, NULL AS aliases WHERE false"
        )
    withs = ", ".join(f"{name} AS ({sql})" for name, sql in ctes.items())
    lists = ", ".join(f"{name}.{name}" for name in ctes)
    joins = "".join(
        f" LEFT JOIN {name} ON {name}.vendor_id = v.vendor_id" for name in ctes
    )
    return f"""
    WITH {withs}
    SELECT v.* EXCLUDE (search_text), p.name AS parent_name, {lists}
    FROM serve_vendor v
    LEFT JOIN serve_vendor p ON p.vendor_id = v.parent_id{joins} {where}"""


def serve_vendor_page_sql(have: dict[str, bool]) -> str:
    """serve_vendor_page from scratch."""
    return (
        f"CREATE OR REPLACE TABLE serve_vendor_page AS {vendor_page_rows_sql(have)} "
        "ORDER BY v.vendor_id"
    )


class Extra:
    """Tables built beside these by a layer above figures (the search's): the
    statements of a full build; custodes/figures/refresh.py also asks them to
    `update` for the awards a refresh recomputes."""

    name = "extra"
    tables: Sequence[str] = ()

    def full_sql(self, store: Store) -> list[str]:
        return []

    def update(self, store: Store) -> dict[str, Any]:
        return {}

    def signature(self) -> str:
        """What its tables rest on besides the store (a refresh with another
        signature rebuilds them)."""
        return ""


def write_serve_tables(
    store: Store,
    after_awards: Sequence[str] = (),
    extras: Sequence[Extra] = (),
    numbered: bool = False,
    linked: bool = False,
) -> dict[str, object]:
    """Rebuild every serve_* table (call inside a transaction); returns the
    serve_build row. AFTER_AWARDS: statements to run once the award tables exist
    (the search's tables, which read serve_award); EXTRAS: the same, given as
    families of tables. NUMBERED: the caller has just numbered every award of the
    store (`custodes refresh` does, before any table), so that this does not read
    every transaction's award key again to find none new. LINKED: resolve's full run
    has just written transaction_vendor (`custodes refresh` resolving from scratch),
    so each transaction's vendor is read from vendor_alias (ALIAS_LINKS)."""
    have = present(store)
    tv = ALIAS_LINKS if linked else "transaction_vendor"
    store.execute(SERVE_WITHHELD_SQL)
    store.execute(serve_coverage_sql())
    if not numbered:
        award_numbers.number_new(store, award_numbers.STORE_AWARDS)
    write_serve_award(store, have, components_sql(store, have), tv)
    write_serve_transaction(store, have, tv)
    store.execute(SERVE_VENDOR_AWARD_SQL)
    store.execute(SERVE_AWARD_YEAR_SQL)
    store.execute(SERVE_SPENDING_SQL)
    name_agencies(store)
    store.execute(*serve_vendor_sql(have))
    store.execute(SERVE_VENDOR_YEAR_SQL)
    for sql in after_awards:
        store.execute(sql)
    for extra in extras:
        for sql in extra.full_sql(store):
            store.execute(sql)
    store.execute(SERVE_AWARD_MAKER_SQL if have["award_maker"] else NO_AWARD_MAKER_SQL)
    store.execute(*serve_maker_channel_sql(have))
    store.execute(serve_vendor_page_sql(have))
    store.execute("CREATE INDEX serve_award_key_idx ON serve_award (award_key)")
    # a page of search results reads its awards by id, spread over the table
    store.execute("CREATE INDEX serve_award_id_idx ON serve_award (award_id)")
    store.execute(SERVE_ACTION_SQL)
    store.execute(
        contract_action_sql(raw_values_are_json(store.con), contract_formats())
    )
    return write_build_row(store, have)


def write_build_row(store: Store, have: dict[str, bool]) -> dict[str, Any]:
    """serve_build: when and from what the tables were built (full or refreshed)."""
    store.execute(
        "CREATE OR REPLACE TABLE serve_build (built_at TIMESTAMP, "
        "last_ingest_run INTEGER, transactions BIGINT, awards BIGINT, "
        "vendors_from VARCHAR, categories_from VARCHAR, format VARCHAR)"
    )
    row = {
        "built_at": datetime.now(UTC).replace(tzinfo=None),
        "last_ingest_run": last_runs(store)["ingest"],
        "transactions": store.scalar('SELECT count(*) FROM "transaction"'),
        "awards": store.scalar("SELECT count(*) FROM serve_award"),
        "vendors_from": "resolve" if have["vendor"] else "recipient names",
        "categories_from": "classify" if have["classification"] else "none",
        "format": SERVE_FORMAT,
    }
    store.execute(
        "INSERT INTO serve_build VALUES (?, ?, ?, ?, ?, ?, ?)", list(row.values())
    )
    return row


def table_columns(store: Store, table: str) -> list[str]:
    return [
        r["column_name"]
        for r in store.rows(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = ? ORDER BY ordinal_position",
            [table],
        )
    ]


def refresh_reason(store: Store, extra: Sequence[str] = ()) -> str | None:
    """Why `custodes refresh` must build these tables whole (None: it can update
    them): missing, or laid out by another version."""
    if not all(store.has_table(t) for t in (*SERVE_TABLES, *extra)):
        return "the web app's summary tables have not been built"
    built = store.rows("SELECT format FROM serve_build")
    if not built or built[0]["format"] != SERVE_FORMAT:
        return "this version of custodes lays the web app's tables out differently"
    return None


def serve_tables_stale(
    store: Store, tables: Sequence[str] = SERVE_TABLES
) -> str | None:
    """Why the serve_* tables (and TABLES) need rebuilding, or None when current."""
    if not all(store.has_table(t) for t in tables):
        return "the web app's summary tables have not been built"
    built = store.rows("SELECT * FROM serve_build")[0]
    if built.get("format") != SERVE_FORMAT:
        return "this version of custodes lays them out differently"
    runs = last_runs(store)
    if built["last_ingest_run"] != runs["ingest"]:
        return "a newer ingest ran since they were built"
    have = present(store)
    if have["vendor"] != (built["vendors_from"] == "resolve"):
        return "vendor resolution changed since they were built"
    if have["classification"] != (built["categories_from"] == "classify"):
        return "classification changed since they were built"
    for stage, what in (
        ("resolve", "vendor resolution"),
        ("classify", "classification"),
        ("review", "a review decision"),
    ):
        if runs[stage] is not None and runs[stage] > built["built_at"]:
            return f"{what} ran again since they were built"
    return None
