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
(without a window, `prev_P = -1`), which costs no more than a sum; one window function
per pair builds both columns. `first_month` does the same for calendar months.
`analyse_build` records what the frame was built from; analyses use the frame only
while it is current and otherwise fall back to the joins.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from custodes.figures import award_numbers
from custodes.figures.definition import UNCLASSIFIED, has_components_sql
from custodes.figures.recipients import (
    VENDOR_ONCE_SQL,
    WITHHELD,
    recipient_name_sql,
    vendor_id_sql,
    vendor_name_sql,
    withheld_sql,
)
from custodes.figures.review import reviewed_sql
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
    have: dict[str, bool], tx: str = TRANSACTIONS, tv: str = "transaction_vendor"
) -> str:
    """Transactions of TX with category, vendor (TV: their links to vendors) and
    family attached, as `build_frame` does."""
    component = "component_category" if have["component_category"] else "NULL"
    cls = (
        f"LEFT JOIN (SELECT award_key, category, {component}::VARCHAR AS "
        "component_category, method FROM classification) c USING (award_key)"
        if have["classification"]
        else "LEFT JOIN (SELECT NULL::VARCHAR AS award_key, NULL::VARCHAR AS category, "
        "NULL::VARCHAR AS component_category, NULL::VARCHAR AS method WHERE false) c "
        "USING (award_key)"
    )
    if have["transaction_vendor"] and have["vendor"]:
        ven = f"""LEFT JOIN {tv} tv USING (transaction_key)
                 LEFT JOIN ({VENDOR_ONCE_SQL}) v ON v.vendor_id = tv.vendor_id
                 LEFT JOIN ({VENDOR_ONCE_SQL}) f
                     ON f.vendor_id = coalesce(v.family_id, tv.vendor_id)"""
        vid, vname = vendor_id_sql("t", "tv.vendor_id"), vendor_name_sql("t", "v.name")
        fam, fname = f"coalesce(v.family_id, {vid})", f"coalesce(f.name, {vname})"
    else:
        ven, vid, vname = "", vendor_id_sql("t", None), vendor_name_sql("t", None)
        fam, fname = vid, vname
    withheld = withheld_sql("t")
    return f"""
        SELECT t.transaction_key, t.award_key, t.piid, t.modification_number,
               t.action_date, t.fiscal_year, t.obligation_usd,
               {recipient_name_sql("t")} AS recipient_name,
               t.awarding_sub_agency_code, t.awarding_sub_agency_name, t.description,
               t.ingest_run_id,
               CASE WHEN t.obligation_usd < 0 THEN 'deobligation'
                    WHEN t.modification_number IS NULL
                         OR t.modification_number IN ('0', '', '00') THEN 'new award'
                    ELSE 'modification' END AS kind,
               (year(t.action_date) * 100 + month(t.action_date))::INTEGER AS month,
               coalesce(c.category, '{UNCLASSIFIED}') AS category,
               c.component_category,
               {reviewed_sql("c.method")} AS reviewed,
               {vid} AS vendor_id,
               coalesce({vname}, '{WITHHELD}') AS vendor_name,
               CASE WHEN {withheld} THEN NULL ELSE {fam} END AS family_id,
               CASE WHEN {withheld} THEN '{WITHHELD}' ELSE {fname} END AS family_name
        FROM {tx} t {cls} {ven}"""


def _lag_columns() -> list[tuple[str, str]]:
    """(name, SQL): one window per pair, the fiscal year of the pair's previous
    transaction (-1 for its first), in order of fiscal year; and the previous month of
    the award."""
    cols = []
    for name, column in PAIRS.items():
        part = "award_no" + (f", {column}" if column else "")
        cols.append(
            (
                f"prev_{name}",
                f"lag(fiscal_year, 1, -1) OVER (PARTITION BY {part} "
                f"ORDER BY fiscal_year, transaction_key)::SMALLINT",
            )
        )
    cols.append(
        (
            "prev_month_",
            "lag(month, 1, -1) OVER (PARTITION BY award_no ORDER BY month, "
            "transaction_key)",
        )
    )
    return cols


def _lag_sql() -> str:
    return ",\n               ".join(f"{sql} AS {name}" for name, sql in _lag_columns())


def _flags_sql() -> str:
    """first_<pair>: the first transaction of the pair in its fiscal year."""
    cols = [
        f"prev_{name} IS DISTINCT FROM fiscal_year AS first_{name}" for name in PAIRS
    ]
    cols.append("prev_month_ IS DISTINCT FROM month AS first_month")
    return ", ".join(cols)


def frame_rows_sql(
    have: dict[str, bool], tx: str = TRANSACTIONS, tv: str = "transaction_vendor"
) -> str:
    """analyse_frame's rows for the transactions of TX (whole awards: the flags are
    worked out within each award), each award under its stable number
    (custodes/figures/award_numbers.py)."""
    return f"""
    WITH labelled AS ({_labelled_sql(have, tx, tv)}),
    lagged AS (
        SELECT l.*, n.award_no, {_lag_sql()}
        FROM labelled l JOIN award_number n USING (award_key))
    SELECT * EXCLUDE (prev_month_), {_flags_sql()}
    FROM lagged"""


def frame_sql(have: dict[str, bool]) -> list[str]:
    """The statements that build analyse_frame from scratch: the rows of
    `frame_rows_sql`, but the window functions run over a narrow copy (the row number
    and the columns they read) instead of carrying every column of ten million
    transactions through their sorts, one window per statement (each adds its column
    to the copy), so that one sort at a time holds memory; their results join back by
    row number. Measured at 10M transactions (load 8-11): the windows 88 s instead of
    163 s all in one statement; at 1M (load 7) the frame 22.5 s instead of 39.7 s in
    one statement."""
    cols = ", ".join(c for c in PAIRS.values() if c)
    lags = _lag_columns()
    steps = [
        f"""CREATE OR REPLACE TEMP TABLE frame_labelled AS
        SELECT l.*, n.award_no FROM ({_labelled_sql(have)}) l
        JOIN award_number n USING (award_key)""",
        f"""CREATE OR REPLACE TEMP TABLE frame_lagged_0 AS
        SELECT rowid AS row_, award_no, fiscal_year, month, transaction_key, {cols}
        FROM frame_labelled""",
    ]
    for i, (name, sql) in enumerate(lags, start=1):
        steps.append(
            f"""CREATE OR REPLACE TEMP TABLE frame_lagged_{i} AS
            SELECT *, {sql} AS {name} FROM frame_lagged_{i - 1}"""
        )
        steps.append(f"DROP TABLE frame_lagged_{i - 1}")
    last = f"frame_lagged_{len(lags)}"
    picked = ", ".join(f"w.{name}" for name, _ in lags)
    return [
        *steps,
        f"""CREATE OR REPLACE TABLE analyse_frame AS
        SELECT * EXCLUDE (prev_month_), {_flags_sql()}
        FROM (SELECT l.*, {picked} FROM frame_labelled l
              JOIN {last} w ON w.row_ = l.rowid)
        ORDER BY fiscal_year, award_no""",
        f"DROP TABLE {last}",
        "DROP TABLE frame_labelled",
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


def write_analysis_tables(store: Store) -> dict[str, Any]:
    """Rebuild the analyse_* tables (call inside a transaction); returns the
    analyse_build row."""
    have = _present(store)
    award_numbers.number_new(store, '(SELECT DISTINCT award_key FROM "transaction")')
    for sql in frame_sql(have):
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
