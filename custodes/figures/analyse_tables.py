"""`custodes analyse prepare`: one analysis-ready row per transaction, built once.

Every analysis groups the same transactions by some dimension and counts the awards in
each group. Done from the raw tables, each analysis joins ten million transactions to
their classification, vendor and family on text keys and counts distinct award keys;
on a large store that takes seconds. This step does the joins once and writes
`analyse_frame`: the transaction columns the analyses read, every dimension already
attached, an integer award number, and a few flags that turn "count the distinct
awards in this group" into a plain filtered count.

How the flags count awards exactly. For a pair P (the award alone, or the award with
its vendor, family, kind, recipient name or awarding sub-agency), `prev_P` holds the
fiscal year of P's previous transaction in order of fiscal year (-1 for P's first), and
`first_P` marks the first transaction of P in each fiscal year (its previous one is in
another year). An award has a transaction of P inside the window of fiscal years
[A, B] exactly when one of P's transactions in the window is the first of its year and
the year before lies before A; each such pair is counted once. So the award count of a
group is `count(*) FILTER (first_P AND prev_P < A)` over the group's rows in the window
(without a window, `prev_P = -1`), which costs no more than a sum. Both columns come
from one aggregate per pair, not from a window over every transaction: the first
transaction (least transaction_key) of each group of P in a fiscal year, and the fiscal
year of P's group before it (a window over the groups, far fewer than the rows).
`first_month` does the same for calendar months.
`analyse_build` records what the frame was built from; analyses use the frame only
while it is current and otherwise fall back to the joins.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from custodes.figures import award_numbers
from custodes.figures.definition import UNCLASSIFIED, has_components_sql
from custodes.figures.news import kind_sql
from custodes.figures.recipients import (
    VENDOR_ONCE_SQL,
    WITHHELD,
    recipient_name_sql,
    vendor_id_sql,
    vendor_name_sql,
    withheld_sql,
)
from custodes.figures.review import reviewed_sql
from custodes.figures.serve_tables import ALIAS_LINKS, vendor_link_sql
from custodes.store.duckdb import Store
from custodes.store.queries import STAGE_RUNS, last_runs

FRAME_FORMAT = "6"  # bump when analyse_frame changes shape
TRANSACTIONS = '"transaction"'

# Pairs whose award counts the flags serve: name -> the column paired with the award.
PAIRS = {
    "award": None,
    "vendor": "vendor_id",
    "family": "family_id",
    "kind": "kind",
    "recipient": "recipient_name",
    "agency": "awarding_sub_agency_code",
}


def _present(store: Store) -> dict[str, bool]:
    names = ("classification", "transaction_vendor", "vendor", "award_maker")
    have = {n: store.has_table(n) for n in names}
    have["component_category"] = have["classification"] and bool(
        store.scalar(has_components_sql())
    )
    return have


def _labelled_sql(
    have: dict[str, bool],
    tx: str = TRANSACTIONS,
    tv: str = "transaction_vendor",
    keys: bool = False,
    rowid: bool = False,
) -> str:
    """Transactions of TX with category, vendor (TV: their links to vendors, or
    ALIAS_LINKS: read from vendor_alias by each transaction's recipient record, where
    resolve's full run has just written transaction_vendor by that join) and family
    attached, as `build_frame` does. KEYS: only what the flags are worked out from
    (each transaction's row id `tr_`, its transaction_key, award_key, fiscal year,
    month and the columns of PAIRS), without the joins the other columns need.
    ROWID: each transaction's row id `tr_` first."""
    component = "component_category" if have["component_category"] else "NULL"
    cls = (
        f"LEFT JOIN (SELECT award_key, category, {component}::VARCHAR AS "
        "component_category, method FROM classification) c USING (award_key)"
        if have["classification"]
        else "LEFT JOIN (SELECT NULL::VARCHAR AS award_key, NULL::VARCHAR AS category, "
        "NULL::VARCHAR AS component_category, NULL::VARCHAR AS method WHERE false) c "
        "USING (award_key)"
    )
    names = f"""LEFT JOIN ({VENDOR_ONCE_SQL}) f
                     ON f.vendor_id = coalesce(v.family_id, tv.vendor_id)"""
    if have["transaction_vendor"] and have["vendor"]:
        ven = f"""{vendor_link_sql(tv)}
                 LEFT JOIN ({VENDOR_ONCE_SQL}) v ON v.vendor_id = tv.vendor_id
                 {"" if keys else names}"""
        vid, vname = vendor_id_sql("t", "tv.vendor_id"), vendor_name_sql("t", "v.name")
        fam, fname = f"coalesce(v.family_id, {vid})", f"coalesce(f.name, {vname})"
    else:
        ven, vid, vname = "", vendor_id_sql("t", None), vendor_name_sql("t", None)
        fam, fname = vid, vname
    withheld = withheld_sql("t")
    kind = f"{kind_sql('t')} AS kind"
    month = "(year(t.action_date) * 100 + month(t.action_date))::INTEGER AS month"
    family_id = f"CASE WHEN {withheld} THEN NULL ELSE {fam} END AS family_id"
    if keys:
        return f"""
        SELECT t.rowid AS tr_, t.transaction_key, t.award_key, t.fiscal_year, {month},
               {kind}, {recipient_name_sql("t")} AS recipient_name,
               t.awarding_sub_agency_code, {vid} AS vendor_id, {family_id}
        FROM {tx} t {ven}"""
    return f"""
        SELECT {"t.rowid AS tr_, " if rowid else ""}t.transaction_key, t.award_key,
               t.piid, t.modification_number,
               t.action_date, t.fiscal_year, t.obligation_usd,
               {recipient_name_sql("t")} AS recipient_name,
               t.awarding_sub_agency_code, t.awarding_sub_agency_name, t.description,
               t.ingest_run_id,
               {kind},
               {month},
               coalesce(c.category, '{UNCLASSIFIED}') AS category,
               c.component_category,
               {reviewed_sql("c.method")} AS reviewed,
               {vid} AS vendor_id,
               coalesce({vname}, '{WITHHELD}') AS vendor_name,
               {family_id},
               CASE WHEN {withheld} THEN '{WITHHELD}' ELSE {fname} END AS family_name
        FROM {tx} t {cls} {ven}"""


def _groups() -> list[tuple[str, str, str]]:
    """(flag, the columns of its groups, the column counted in): one per pair (the
    award with the pair's column, in a fiscal year), and the award in a month."""
    out = []
    for name, column in PAIRS.items():
        out.append(
            (name, "award_no" + (f", {column}" if column else ""), "fiscal_year")
        )
    out.append(("month", "award_no", "month"))
    return out


def _firsts_sql(
    src: str, key: str, name: str, part: str, within: str, ordered: bool = False
) -> str:
    """The first transaction (least transaction_key) of each group of SRC (PART and
    WITHIN, NULLs grouped together), by its KEY (a unique column); for fiscal years
    also `prev`: the fiscal year of the pair's group before it (-1 for the first), the
    value the window `lag(fiscal_year, 1, -1) OVER (PARTITION BY PART ORDER BY
    fiscal_year, transaction_key)` gives that transaction. The month needs no `prev`:
    a month (year * 100 + month) is never -1, so the first of each month group
    always differs from the month before it. ORDERED: SRC is a table whose statement
    sorted it by fiscal year, award and transaction_key and KEY is its row id, so the
    least row id of a group within a fiscal year is its least transaction_key (a
    plain min instead of arg_min by a string); a month is not assumed to lie within
    one fiscal year, so its first is still taken by transaction_key."""
    first = f"arg_min({key}, transaction_key) AS key_"
    if within == "month":
        return f"SELECT {first} FROM {src} GROUP BY {part}, month"
    if ordered:
        first = f"min({key}) AS key_"
    return f"""SELECT {first},
        lag(fiscal_year, 1, -1) OVER (PARTITION BY {part} ORDER BY fiscal_year)
            ::SMALLINT AS prev
        FROM {src} GROUP BY {part}, fiscal_year"""


def _flag_columns(src: str, key: str, firsts: str) -> tuple[list[str], list[str]]:
    """The flags of SRC's rows (alias `s`), from the tables FIRSTS.format(name) of
    `_firsts_sql` joined on KEY: (the columns, the joins). A transaction that is not
    the first of its group has the same fiscal year as the one before it in its pair
    (prev_<pair> = its fiscal year, first_<pair> false); the first has the group's
    prev and is first when that differs from its fiscal year, as the window form
    gives."""
    cols, joins = [], []
    for name, _, within in _groups():
        f = f"f_{name}"
        joins.append(f"LEFT JOIN {firsts.format(name)} {f} ON {f}.key_ = s.{key}")
        if within == "fiscal_year":
            cols.append(
                f"(CASE WHEN {f}.key_ IS NULL THEN s.fiscal_year ELSE {f}.prev END)"
                f"::SMALLINT AS prev_{name}"
            )
    for name, _, within in _groups():
        f = f"f_{name}"
        cols.append(
            f"({f}.key_ IS NOT NULL AND {f}.prev IS DISTINCT FROM s.fiscal_year)"
            f" AS first_{name}"
            if within == "fiscal_year"
            else f"{f}.key_ IS NOT NULL AS first_{name}"
        )
    return cols, joins


def _assemble_sql(src: str, key: str, firsts: str) -> str:
    """analyse_frame's rows: SRC's rows with the flags (`_flag_columns`)."""
    cols, joins = _flag_columns(src, key, firsts)
    return f"""SELECT s.*, {", ".join(cols)}
        FROM {src} s {" ".join(joins)}"""


def frame_rows_sql(
    have: dict[str, bool], tx: str = TRANSACTIONS, tv: str = "transaction_vendor"
) -> str:
    """analyse_frame's rows for the transactions of TX (whole awards: the flags are
    worked out within each award), each award under its stable number
    (custodes/figures/award_numbers.py). The flags come from one aggregate per pair
    (the first transaction of each group), not from a window over every
    transaction; `frame_sql` runs the same steps over temp tables."""
    firsts = ",\n    ".join(
        f"firsts_{name} AS "
        f"({_firsts_sql('labelled', 'transaction_key', name, part, within)})"
        for name, part, within in _groups()
    )
    return f"""
    WITH labelled AS (
        SELECT l.*, n.award_no FROM ({_labelled_sql(have, tx, tv)}) l
        JOIN award_number n USING (award_key)),
    {firsts}
    {_assemble_sql("labelled", "transaction_key", "firsts_{}")}"""


def frame_sql(have: dict[str, bool], tv: str = "transaction_vendor") -> list[str]:
    """The statements that build analyse_frame from scratch: the steps of
    `frame_rows_sql` over temp tables, with the wide rows written once, last. First
    the narrow rows the flags are worked out from (`frame_keys`: each transaction's
    row id `tr_` in the transaction table, its transaction_key, award number, fiscal
    year, month and the pairs' columns), sorted by fiscal year, award
    and transaction_key, so that each group's first is its least row id. Then the
    flags by row id (`frame_flags`: `tr_`, the award number and the flags). The final
    statement joins them to the labelled transactions by `tr_` (a hash table of the
    narrow flags) and writes the wide rows once, on every core, in the order they
    come: no analysis reads the frame in a stored order (a refresh appends its rows
    at the end anyway). At 10M transactions (one run each, 3 GB) the statement took
    28.5 s (54.1 CPU s) with the wide rows sorted by fiscal year and award, 16.2 s
    (30.7) without; reads of a year and of one award took 9.0 and 3.7 ms on the
    sorted frame, 12.1 and 14.6 ms on the other. TV: as `_labelled_sql`."""
    steps = [
        f"""CREATE OR REPLACE TEMP TABLE frame_keys AS
        SELECT l.* EXCLUDE (award_key), n.award_no
        FROM ({_labelled_sql(have, tv=tv, keys=True)}) l
        JOIN award_number n USING (award_key)
        ORDER BY fiscal_year, award_no, transaction_key"""
    ]
    for name, part, within in _groups():
        steps.append(
            f"CREATE OR REPLACE TEMP TABLE frame_firsts_{name} AS "
            + _firsts_sql("frame_keys", "rowid", name, part, within, ordered=True)
        )
    cols, joins = _flag_columns("frame_keys", "rowid", "frame_firsts_{}")
    return [
        *steps,
        f"""CREATE OR REPLACE TEMP TABLE frame_flags AS
        SELECT s.tr_, s.award_no, {", ".join(cols)}
        FROM frame_keys s {" ".join(joins)}""",
        *(f"DROP TABLE frame_firsts_{name}" for name, _, _ in _groups()),
        "DROP TABLE frame_keys",
        f"""CREATE OR REPLACE TABLE analyse_frame AS
        SELECT l.* EXCLUDE (tr_), f.* EXCLUDE (tr_)
        FROM ({_labelled_sql(have, tv=tv, rowid=True)}) l
        JOIN frame_flags f USING (tr_)""",
        "DROP TABLE frame_flags",
    ]


def award_maker_rows_sql(awards: str) -> str:
    """analyse_award_maker rows of the awards of AWARDS (award_key, award_no)."""
    return f"""
    SELECT DISTINCT a.award_no, m.award_key, m.maker
    FROM award_maker m JOIN {awards} a USING (award_key)"""


NO_AWARD_MAKER_SQL = (
    "CREATE OR REPLACE TABLE analyse_award_maker "
    "(award_no INTEGER, award_key VARCHAR, maker VARCHAR)"
)


def award_maker_sql(have: dict[str, bool]) -> str:
    """One row per (award, maker) named, keyed by award number; absent makers get
    NO_MAKER at query time."""
    if not have["award_maker"]:
        return NO_AWARD_MAKER_SQL
    rows = award_maker_rows_sql(
        "(SELECT DISTINCT award_key, award_no FROM analyse_frame)"
    )
    return f"CREATE OR REPLACE TABLE analyse_award_maker AS {rows} ORDER BY 1"


def award_bound_rows_sql(frame: str = "analyse_frame") -> str:
    return f"""
    SELECT award_no,
           coalesce(sum(obligation_usd) FILTER (WHERE obligation_usd > 0), 0)
               AS positive_usd
    FROM {frame} GROUP BY award_no"""


# Each award's sum of positive obligations: an upper bound on its net obligations in any
# scope (leaving transactions out can only lower it), which lets "top awards" look at
# a few thousand awards instead of grouping all of them (analyses.top_awards).
AWARD_BOUND_SQL = f"""
    CREATE OR REPLACE TABLE analyse_award AS {award_bound_rows_sql()}
    ORDER BY positive_usd DESC, award_no"""

SPANNING_SQL = """
    SELECT count(*) FROM (SELECT award_no FROM {frame} GROUP BY 1
    HAVING count(DISTINCT awarding_sub_agency_code) > 1)"""


def _markers(store: Store) -> dict[str, Any]:
    """What the frame depends on, as analyse_build records it: last_<run table>."""
    runs = last_runs(store)
    return {f"last_{table}": runs[stage] for stage, table, _ in STAGE_RUNS}


def build_analysis_frame(store: Store) -> dict[str, Any]:
    """Rebuild analyse_frame, analyse_award_maker, analyse_award and analyse_build in
    one transaction."""
    with store.transaction():
        return write_analysis_tables(store)


def write_analysis_tables(
    store: Store, numbered: bool = False, linked: bool = False
) -> dict[str, Any]:
    """Rebuild the analyse_* tables (call inside a transaction); returns the
    analyse_build row. NUMBERED: the caller has just numbered every award of the
    store (`custodes refresh` does, before any table), so that this does not read
    every transaction's award key again to find none new. LINKED: resolve's full run
    has just written transaction_vendor (`custodes refresh` resolving from scratch),
    so each transaction's vendor is read from vendor_alias (ALIAS_LINKS: a few
    thousand records instead of a hash table of every transaction key)."""
    have = _present(store)
    if not numbered:
        award_numbers.number_new(store, award_numbers.STORE_AWARDS)
    tv = ALIAS_LINKS if linked else "transaction_vendor"
    for sql in frame_sql(have, tv):
        store.execute(sql)
    store.execute(award_maker_sql(have))
    store.execute(AWARD_BOUND_SQL)
    spanning = store.scalar(SPANNING_SQL.format(frame="analyse_frame"))
    return _write_build_row(store, spanning)


def _write_build_row(store: Store, spanning: int) -> dict[str, Any]:
    row = {
        "built_at": datetime.now(UTC).replace(tzinfo=None),
        **_markers(store),
        "transactions": store.scalar("SELECT count(*) FROM analyse_frame"),
        "awards": store.scalar("SELECT count(*) FROM analyse_award"),
        "awards_in_several_sub_agencies": spanning,
        "format": FRAME_FORMAT,
    }
    store.execute(
        "CREATE OR REPLACE TABLE analyse_build (built_at TIMESTAMP, "
        "last_ingest_run INTEGER, last_classification_run TIMESTAMP, "
        "last_resolve_run TIMESTAMP, last_review_decision TIMESTAMP, "
        "transactions BIGINT, awards BIGINT, "
        "awards_in_several_sub_agencies BIGINT, format VARCHAR)"
    )
    store.execute(
        f"INSERT INTO analyse_build ({', '.join(row)}) "
        f"VALUES ({', '.join('?' * len(row))})",
        list(row.values()),
    )
    return row


def update(store: Store) -> dict[str, Any]:
    """Bring the analyse_* tables up to date for the awards of `custodes refresh`
    (temp tables refresh_award_no: award_no, award_key; refresh_tx: every transaction
    of them; refresh_tv: their vendor links): their rows are computed again by the
    same SQL as a full build, and the build row's counts follow."""
    have = _present(store)
    nos = "(SELECT award_no FROM refresh_award_no)"
    before = store.scalar(
        f"SELECT count(*) FROM (SELECT award_no FROM analyse_frame "
        f"WHERE award_no IN {nos} GROUP BY 1 "
        "HAVING count(DISTINCT awarding_sub_agency_code) > 1)"
    )
    store.execute(f"DELETE FROM analyse_frame WHERE award_no IN {nos}")
    store.execute(
        "CREATE OR REPLACE TEMP TABLE refresh_frame AS "
        + frame_rows_sql(have, "refresh_tx", "refresh_tv")
    )
    store.execute("INSERT INTO analyse_frame SELECT * FROM refresh_frame")
    store.execute(f"DELETE FROM analyse_award_maker WHERE award_no IN {nos}")
    if have["award_maker"]:
        store.execute(
            "INSERT INTO analyse_award_maker "
            + award_maker_rows_sql(
                "(SELECT DISTINCT award_key, award_no FROM refresh_frame)"
            )
        )
    store.execute(f"DELETE FROM analyse_award WHERE award_no IN {nos}")
    store.execute("INSERT INTO analyse_award " + award_bound_rows_sql("refresh_frame"))
    after = store.scalar(SPANNING_SQL.format(frame="refresh_frame"))
    old = store.scalar("SELECT awards_in_several_sub_agencies FROM analyse_build")
    rows = int(store.scalar("SELECT count(*) FROM refresh_frame"))
    store.execute("DROP TABLE refresh_frame")
    _write_build_row(store, int(old or 0) - int(before or 0) + int(after or 0))
    return {"transactions": rows}


def refresh_reason(store: Store) -> str | None:
    """Why `custodes refresh` must build the analyse_* tables whole (None: it can
    update them): missing, or laid out by another version."""
    names = ("analyse_frame", "analyse_award_maker", "analyse_award", "analyse_build")
    if not all(store.has_table(t) for t in names):
        return "the analysis frame has not been built"
    built = store.rows("SELECT format FROM analyse_build")
    if not built or built[0]["format"] != FRAME_FORMAT:
        return "this version of custodes lays the analysis frame out differently"
    return None


def frame_stale_reason(store: Store) -> str | None:
    """Why analyse_frame cannot be used as it is, or None when it is current."""
    if not (store.has_table("analyse_frame") and store.has_table("analyse_build")):
        return "it has not been built"
    built = store.rows("SELECT * FROM analyse_build")[0]
    if built["format"] != FRAME_FORMAT:
        return "this version of custodes lays it out differently"
    runs = last_runs(store)
    for stage, table, _ in STAGE_RUNS:
        if built[f"last_{table}"] != runs[stage]:
            return f"a newer {stage} run exists than the one it was built from"
    return None
