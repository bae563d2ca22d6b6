"""The web app's summary tables, brought up to date for the awards a refresh recomputes.

`custodes refresh` (custodes/figures/refresh.py) hands over the awards whose rows change
(temp table refresh_award_no: award_no, award_key), every transaction of them
(refresh_tx) and their vendor links (refresh_tv). Here:

- the per-award tables (serve_award, serve_award_year, serve_vendor_award,
  serve_award_maker, serve_transaction) lose those awards' rows and get them again,
  computed by the same SQL as a full build (custodes/figures/serve_tables.py)
  over those transactions only;
- the tables summed over awards (serve_spending, serve_vendor_year) are corrected by
  what those awards took out and put in: sums of exact decimals and counts, so the
  result is the sum a full build makes. A group whose sum meets a NULL is recomputed
  instead, since NULL is not a number to subtract;
- the per-vendor tables (serve_vendor, serve_vendor_page) are recomputed for the
  vendors concerned: those of the awards, the vendors resolve changed, and the vendors
  whose page lists them (family, parent, resellers and makers);
- serve_coverage is recomputed for the fiscal years concerned, serve_withheld_name whole
  (one read of a boolean column); a change there reaches every vendor row.

serve_award.vendor_rank is deprecated and NULL (serve_tables.VENDOR_RANK_SQL): it is
no longer numbered again here.

Rows of a full build are stored in the order pages read them (by vendor, by word, by
award); rows written here are appended. Pages order what they show, so a page reads the
same whatever the physical order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from custodes.figures import serve_tables as st
from custodes.figures.coverage import coverage_select_sql
from custodes.store.duckdb import Store

T_NOS = "(SELECT award_no FROM refresh_award_no)"
T_KEYS = "(SELECT award_key FROM refresh_award_no)"
TEMP = (
    "refresh_award_old",
    "refresh_year_old",
    "refresh_share_old",
    "refresh_award_new",
    "refresh_maker_old",
    "refresh_vendor_old",
    "refresh_vendor_touched",
    "refresh_page_touched",
    "refresh_withheld",
)


def update(store: Store, extras: Sequence[st.Extra] = ()) -> dict[str, Any]:
    """Bring every serve_* table (and EXTRAS) up to date for the awards of
    refresh_award_no."""
    have = st.present(store)
    out: dict[str, Any] = {}
    # the awards' rows as they were: every delta subtracts them
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE refresh_award_old AS
        SELECT * FROM serve_award WHERE award_id IN {T_NOS}"""
    )
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE refresh_year_old AS
        SELECT * FROM serve_award_year WHERE award_id IN {T_NOS}"""
    )
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE refresh_share_old AS
        SELECT * FROM serve_vendor_award WHERE award_id IN {T_NOS}"""
    )
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE refresh_maker_old AS
        SELECT * FROM serve_award_maker WHERE award_key IN {T_KEYS}"""
    )
    withheld_changed = _withheld(store)
    out["withheld_names_changed"] = withheld_changed
    # per-award rows
    columns = st.award_columns_sql(
        have, st.components_sql(store, have), "refresh_tx", "refresh_tv"
    )
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE refresh_award_new AS
        SELECT n.award_no AS award_id, NULL::INTEGER AS vendor_rank, c.*
        FROM ({columns}) c JOIN award_number n USING (award_key)"""
    )
    store.execute(f"DELETE FROM serve_award WHERE award_id IN {T_NOS}")
    store.execute("INSERT INTO serve_award SELECT * FROM refresh_award_new")
    out["awards"] = int(store.scalar("SELECT count(*) FROM refresh_award_new"))
    store.execute(f"DELETE FROM serve_award_year WHERE award_id IN {T_NOS}")
    store.execute(
        "INSERT INTO serve_award_year "
        + st.award_year_sql("refresh_tx", "refresh_award_new")
    )
    _spending(store)
    # each vendor's part of the awards (the one attribution of money to vendors)
    store.execute(f"DELETE FROM serve_vendor_award WHERE award_id IN {T_NOS}")
    store.execute(
        "INSERT INTO serve_vendor_award "
        + st.vendor_award_rows_sql(have, "refresh_tx", "refresh_tv", "refresh_award_no")
    )
    _vendor_year(store)
    # vendors: those of the awards, and those resolve changed
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE refresh_vendor_touched AS
        SELECT vendor_id FROM refresh_award_old WHERE vendor_id IS NOT NULL
        UNION SELECT vendor_id FROM refresh_award_new WHERE vendor_id IS NOT NULL
        UNION SELECT vendor_id FROM refresh_share_old WHERE vendor_id IS NOT NULL
        UNION SELECT vendor_id FROM serve_vendor_award
              WHERE award_id IN {T_NOS} AND vendor_id IS NOT NULL"""
        + (
            " UNION SELECT vendor_id FROM refresh_vendor_diff"
            if store.has_table("refresh_vendor_diff")
            else ""
        )
    )
    out["vendors"] = _vendors(store, have, everything=withheld_changed)
    for extra in extras:
        out[extra.name] = extra.update(store)
    store.execute(f"DELETE FROM serve_award_maker WHERE award_key IN {T_KEYS}")
    if have["award_maker"]:
        store.execute(
            "INSERT INTO serve_award_maker "
            + st.award_maker_rows_sql("refresh_award_new")
        )
    # the vendor pages' channels read it: before them, as in a full build
    store.execute(*st.serve_maker_channel_sql(have))
    out["vendor_pages"] = _vendor_pages(store, have, everything=withheld_changed)
    store.execute(f"DELETE FROM serve_transaction WHERE award_id IN {T_NOS}")
    store.execute(
        "INSERT INTO serve_transaction "
        + st.transaction_rows_sql(have, "refresh_tx", "refresh_award_new", "refresh_tv")
    )
    out["years"] = _coverage(store)
    _actions(store, have)
    st.write_build_row(store, have)
    for name in TEMP:
        store.execute(f"DROP TABLE IF EXISTS {name}")
    return out


def _actions(store: Store, have: dict[str, bool]) -> None:
    """serve_action and serve_contract_action rows of the recomputed awards (one row
    per transaction, keyed by award)."""
    from custodes.figures.contracts import contract_action_rows_sql, contract_formats
    from custodes.figures.news import SERVE_ACTION_SQL
    from custodes.ingest.rawrow import raw_values_are_json

    store.execute(f"DELETE FROM serve_action WHERE award_id IN {T_NOS}")
    store.execute(
        SERVE_ACTION_SQL.replace(
            "CREATE OR REPLACE TABLE serve_action AS", "INSERT INTO serve_action"
        ).replace("ORDER BY", f"WHERE t.award_id IN {T_NOS} ORDER BY")
    )
    store.execute(f"DELETE FROM serve_contract_action WHERE award_id IN {T_NOS}")
    rows = contract_action_rows_sql(
        raw_values_are_json(store.con),
        contract_formats(),
        f"(SELECT * FROM serve_award WHERE award_id IN {T_NOS})",
        # the transactions of those awards, by row id (custodes/figures/refresh_steps)
        "t.rowid IN (SELECT tx_rowid_ FROM refresh_tx_rowid)",
    )
    if rows:
        store.execute(f"INSERT INTO serve_contract_action {rows}")


def _withheld(store: Store) -> bool:
    """serve_withheld_name recomputed (one read of the person flag); whether it
    changed."""
    store.execute(
        "CREATE OR REPLACE TEMP TABLE refresh_withheld AS " + st.WITHHELD_ROWS_SQL
    )
    changed = bool(
        store.scalar(
            """SELECT count(*) FROM (
                (SELECT * FROM refresh_withheld
                 EXCEPT SELECT * FROM serve_withheld_name)
                UNION ALL
                (SELECT * FROM serve_withheld_name
                 EXCEPT SELECT * FROM refresh_withheld)
            )"""
        )
    )
    if changed:
        store.execute("DELETE FROM serve_withheld_name")
        store.execute("INSERT INTO serve_withheld_name SELECT * FROM refresh_withheld")
    return changed


def _same(keys: Sequence[str], left: str, right: str) -> str:
    return " AND ".join(f"{left}.{c} IS NOT DISTINCT FROM {right}.{c}" for c in keys)


def apply_delta(
    store: Store,
    table: str,
    keys: Sequence[str],
    old: str,
    new: str,
    recompute: str,
    zero_sums: Sequence[str] = (),
) -> None:
    """Correct TABLE (KEYS, obligation_usd, awards, other columns left NULL) by the
    contributions that went (OLD) and came (NEW): relations of (KEYS, obligation_usd),
    one row per award and group. Groups whose sum meets a NULL are recomputed with
    RECOMPUTE: a SELECT of TABLE's rows from the whole store for the groups of temp
    table refresh_delta_null (condition `_same(keys, 'd', ...)`). ZERO_SUMS: further
    columns of OLD, NEW and TABLE summed with NULL as 0 (the full build coalesces
    them), e.g. serve_spending.reviewed_usd."""
    k = ", ".join(keys)
    z_new = "".join(f", coalesce({c}, 0) AS z_{c}" for c in zero_sums)
    z_old = "".join(f", -coalesce({c}, 0)" for c in zero_sums)
    z_sum = "".join(f", sum(z_{c}) AS z_{c}" for c in zero_sums)
    z_merged = "".join(
        f", coalesce(t.{c}, 0) + coalesce(d.z_{c}, 0) AS {c}" for c in zero_sums
    )
    z_changed = "".join(f" OR d.z_{c} <> 0" for c in zero_sums)
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE refresh_delta AS
        SELECT {k}, sum(v) AS v, sum(n)::BIGINT AS n, bool_or(v IS NULL) AS has_null
               {z_sum}
        FROM (SELECT {k}, obligation_usd AS v, 1 AS n {z_new} FROM {new}
              UNION ALL
              SELECT {k}, -obligation_usd, -1 {z_old} FROM {old})
        GROUP BY ALL"""
    )
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE refresh_delta_merged AS
        SELECT {", ".join(f"d.{c}" for c in keys)},
               coalesce(t.obligation_usd, 0) + coalesce(d.v, 0) AS obligation_usd,
               (coalesce(t.awards, 0) + d.n)::BIGINT AS awards {z_merged},
               d.has_null OR (t.awards IS NOT NULL AND t.obligation_usd IS NULL)
                   AS needs_all,
               t.rowid AS rowid_
        FROM refresh_delta d LEFT JOIN {table} t ON {_same(keys, "t", "d")}
        WHERE d.n <> 0 OR d.v <> 0 OR d.has_null {z_changed}"""
    )
    # the groups' rows by the row ids the join above found (one row per group), not
    # by matching every key of every row again (at 1M, serve_popular_facet: a
    # correlated delete grouped all 440,265 rows first, 1.78 s)
    store.execute(
        f"""DELETE FROM {table} WHERE rowid IN (
            SELECT rowid_ FROM refresh_delta_merged WHERE rowid_ IS NOT NULL)"""
    )
    cols = st.table_columns(store, table)
    picked = ", ".join(
        f"m.{c}"
        if c in (*keys, "obligation_usd", "awards", *zero_sums)
        else f"NULL AS {c}"
        for c in cols
    )
    store.execute(
        f"""INSERT INTO {table} ({", ".join(cols)})
        SELECT {picked} FROM refresh_delta_merged m
        WHERE awards > 0 AND NOT needs_all"""
    )
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE refresh_delta_null AS
        SELECT {k} FROM refresh_delta_merged WHERE needs_all"""
    )
    if store.scalar("SELECT count(*) FROM refresh_delta_null"):
        store.execute(f"INSERT INTO {table} ({', '.join(cols)}) {recompute}")
    for name in ("refresh_delta", "refresh_delta_merged", "refresh_delta_null"):
        store.execute(f"DROP TABLE {name}")


SPENDING_KEYS = ("fiscal_year", "agency_code", "category", "component_category")


def _spending(store: Store) -> None:
    """serve_spending by delta; agency names of the codes concerned afterwards."""
    contrib = """(SELECT y.fiscal_year, a.agency_code, a.category, a.component_category,
                 y.obligation_usd,
                 CASE WHEN a.reviewed THEN y.obligation_usd END AS reviewed_usd
                 FROM {years} y JOIN {awards} a USING (award_id))"""
    same = _same(SPENDING_KEYS, "d", "g")
    apply_delta(
        store,
        "serve_spending",
        SPENDING_KEYS,
        contrib.format(years="refresh_year_old", awards="refresh_award_old"),
        contrib.format(years="serve_award_year", awards="refresh_award_new"),
        f"""SELECT * FROM ({st.spending_rows_sql()}) g
        WHERE EXISTS (SELECT 1 FROM refresh_delta_null d WHERE {same})""",
        zero_sums=("reviewed_usd",),
    )
    st.name_agencies(
        store,
        "(SELECT agency_code FROM refresh_award_old "
        "UNION SELECT agency_code FROM refresh_award_new)",
    )


VENDOR_YEAR_KEYS = ("vendor_id", "fiscal_year", "category")


def _vendor_year(store: Store) -> None:
    """serve_vendor_year by delta: the vendors' parts of the awards (serve_vendor_award,
    one row per vendor, award and year) as they were and as they are."""
    contrib = """(SELECT s.vendor_id, s.fiscal_year, a.category, s.obligation_usd
                 FROM {shares} s JOIN {awards} a USING (award_id)
                 WHERE s.vendor_id IS NOT NULL)"""
    same = _same(VENDOR_YEAR_KEYS, "d", "g")
    apply_delta(
        store,
        "serve_vendor_year",
        VENDOR_YEAR_KEYS,
        contrib.format(shares="refresh_share_old", awards="refresh_award_old"),
        contrib.format(shares="serve_vendor_award", awards="refresh_award_new"),
        f"""SELECT * FROM ({st.vendor_year_rows_sql()}) g
        WHERE EXISTS (SELECT 1 FROM refresh_delta_null d WHERE {same})""",
    )


def _vendors(store: Store, have: dict[str, bool], everything: bool) -> int:
    """serve_vendor for the vendors concerned (all of them when EVERYTHING); their
    rows as they were are kept in refresh_vendor_old."""
    where = (
        ""
        if everything
        else "WHERE vendor_id IN (SELECT vendor_id FROM refresh_vendor_touched)"
    )
    store.execute(
        f"CREATE OR REPLACE TEMP TABLE refresh_vendor_old AS "
        f"SELECT * FROM serve_vendor {where}"
    )
    sql, params = st.serve_vendor_rows_sql(have, where)
    store.execute(f"DELETE FROM serve_vendor {where}")
    store.execute("INSERT INTO serve_vendor " + sql, params)
    return int(store.scalar("SELECT count(*) FROM refresh_vendor_old"))


def _vendor_pages(store: Store, have: dict[str, bool], everything: bool) -> int:
    """serve_vendor_page for the vendors whose page shows something that changed:
    their own row or aliases, a family member's or child's row, the parent's name,
    a reseller or maker relation."""
    if everything:
        store.execute("DELETE FROM serve_vendor_page")
        store.execute("INSERT INTO serve_vendor_page " + st.vendor_page_rows_sql(have))
        return int(store.scalar("SELECT count(*) FROM serve_vendor_page"))
    aliases = (
        " UNION SELECT vendor_id FROM refresh_vendor_changed"
        if store.has_table("refresh_vendor_changed")
        else ""
    )
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE refresh_page_touched AS
        WITH changed AS (
            SELECT vendor_id, parent_id, family_id FROM refresh_vendor_old
            UNION SELECT vendor_id, parent_id, family_id FROM serve_vendor
            WHERE vendor_id IN (SELECT vendor_id FROM refresh_vendor_touched))
        SELECT vendor_id FROM changed
        UNION SELECT parent_id FROM changed
        UNION SELECT w.vendor_id FROM serve_vendor w
            WHERE w.parent_id IN (SELECT vendor_id FROM changed)
               OR w.family_id IN (SELECT family_id FROM changed)
        UNION SELECT maker_vendor_id FROM serve_award_maker
            WHERE award_key IN {T_KEYS}
        UNION SELECT vendor_id FROM serve_award_maker WHERE award_key IN {T_KEYS}
        UNION SELECT maker_vendor_id FROM refresh_maker_old
        UNION SELECT vendor_id FROM refresh_maker_old{aliases}"""
    )
    store.execute(
        "DELETE FROM serve_vendor_page WHERE vendor_id IN "
        "(SELECT vendor_id FROM refresh_page_touched)"
    )
    store.execute(
        "INSERT INTO serve_vendor_page "
        + st.vendor_page_rows_sql(
            have,
            "WHERE v.vendor_id IN (SELECT vendor_id FROM refresh_page_touched)",
        )
    )
    return int(store.scalar("SELECT count(*) FROM refresh_page_touched"))


def _coverage(store: Store) -> int:
    """serve_coverage for the fiscal years the awards had or have."""
    store.execute(
        """CREATE OR REPLACE TEMP TABLE refresh_years AS
        SELECT DISTINCT fiscal_year FROM (
            SELECT fiscal_year FROM refresh_year_old UNION ALL
            SELECT fiscal_year FROM refresh_tx)
        WHERE fiscal_year IS NOT NULL"""
    )
    years = "(SELECT fiscal_year FROM refresh_years)"
    store.execute(f"DELETE FROM serve_coverage WHERE fiscal_year IN {years}")
    store.execute(
        "INSERT INTO serve_coverage " + coverage_select_sql(f"t.fiscal_year IN {years}")
    )
    n = int(store.scalar("SELECT count(*) FROM refresh_years"))
    store.execute("DROP TABLE refresh_years")
    return n
