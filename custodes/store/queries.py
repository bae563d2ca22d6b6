"""Read-only questions about the store itself: what is in it, and where it came from."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from custodes.console import money
from custodes.errors import NotFound
from custodes.store.duckdb import Store
from custodes.store.sql import ident, literal
from custodes.store.tables import TABLES

# The run table of each stage whose output feeds derived tables (the web app's serve_*
# tables, analyse_frame, snapshots), and the column that orders its runs.
STAGE_RUNS = (
    ("ingest", "ingest_run", "run_id"),
    ("resolve", "resolve_run", "run_at"),
    ("classify", "classification_run", "run_at"),
    # `custodes review accept|correct` changes a classification row between runs
    ("review", "review_decision", "decided_at"),
)


def last_runs(store: Store) -> dict[str, Any]:
    """The latest run of each stage in STAGE_RUNS; None for a stage that never ran."""
    return {
        stage: store.scalar(f"SELECT max({column}) FROM {table}")
        if store.has_table(table)
        else None
        for stage, table, column in STAGE_RUNS
    }


# A transaction that starts its award (modification number 0; "0000" in some feeds).
BASE_TRANSACTION_SQL = "regexp_full_match(coalesce({t}modification_number, ''), '0+')"


def base_transaction_sql(alias: str = "") -> str:
    """SQL: the transaction (ALIAS, e.g. "t") starts its award."""
    return BASE_TRANSACTION_SQL.format(t=f"{alias}." if alias else "")


def modifications_only_award_sql(alias: str = "t") -> str:
    """SQL aggregate over an award's transactions (ALIAS): true when the store holds
    none that starts the award but some that carry a modification number, so the
    award is known only through later modifications (an option exercised, funding
    added) and its text says little of what was bought. An award whose rows carry no
    modification number at all is not counted: nothing tells."""
    return (
        f"(NOT bool_or({base_transaction_sql(alias)}) "
        f"AND bool_or({alias}.modification_number IS NOT NULL))"
    )


# Why `custodes sync --history` cannot fetch an award's earlier transactions
# (history_reason_sql), with what to do instead.
HISTORY_REASONS = {
    "early": "starting before the first day the source's search serves (ingest the "
    "earlier fiscal years' files where you have them)",
    "unserved": "IDVs, whose own transactions the search does not serve",
    "answered": "asked for before, the source holding no transaction that starts them",
}


def history_reason_sql(
    key: str, first: str, earliest: date, skips: Sequence[str], answered: bool
) -> str:
    """SQL: why `custodes sync --history` cannot fetch the earlier transactions of an
    award known only through modifications (a HISTORY_REASONS key), NULL when it
    can. KEY and FIRST are SQL for its award key and its first action date in the
    store: 'early' when that is before EARLIEST (the first day the source's search
    serves), 'unserved' when its key starts with one of SKIPS (kinds of award the
    search does not serve, IDVs), 'answered' when (ANSWERED: the store has
    `sync_history`) an earlier history run answered it; one that found no base
    would find none again."""
    whens = [f"WHEN {first} < DATE {literal(earliest.isoformat())} THEN 'early'"]
    whens += [
        f"WHEN starts_with({key}, {literal(prefix)}) THEN 'unserved'"
        for prefix in skips
    ]
    if answered:
        whens.append(
            f"WHEN {key} IN (SELECT award_key FROM sync_history) THEN 'answered'"
        )
    return f"(CASE {' '.join(whens)} ELSE NULL END)"


def history_counts_sql(flag: str, reason: str) -> str:
    """SQL select items: of the awards where FLAG holds (known only through
    modifications), how many `sync --history` can still fetch (`reachable`: REASON,
    a history_reason_sql column, is NULL) and how many it cannot, by reason
    (`unreachable_early`, ...)."""
    items = [f"count(*) FILTER (WHERE {flag} AND {reason} IS NULL) AS reachable"]
    items += [
        f"count(*) FILTER (WHERE {flag} AND {reason} = {literal(r)}) AS unreachable_{r}"
        for r in HISTORY_REASONS
    ]
    return ", ".join(items)


def unreachable(row: dict[str, Any]) -> dict[str, int] | None:
    """ROW's counts of awards `sync --history` cannot fetch, by reason (None when
    ROW has none)."""
    if row.get("reachable") is None:
        return None
    return {r: int(row.get(f"unreachable_{r}") or 0) for r in HISTORY_REASONS}


def modifications_only_sql(where: str = "", reason: str | None = None) -> str:
    """Awards of the transactions matching WHERE (a condition on t): how many, their net
    obligations there, and how many of them and which dollars the store knows only
    through later modifications (its other transactions count: a base transaction of
    another fiscal year is held); with REASON (`history_reason_sql` over the
    award's transactions t), how many of those `sync --history` can still fetch
    (`reachable`) and why not the others (`unreachable_*`; else NULL)."""
    cond = f"WHERE {where}" if where else ""
    return f"""
    WITH scope_ AS (
      SELECT t.award_key, sum(t.obligation_usd) AS usd FROM "transaction" t {cond}
      GROUP BY 1),
    mods_ AS (
      SELECT t.award_key, {reason or "NULL::VARCHAR"} AS reason_ FROM "transaction" t
      WHERE t.award_key IN (SELECT award_key FROM scope_)
      GROUP BY 1 HAVING {modifications_only_award_sql("t")})
    SELECT count(*) AS of_awards,
           coalesce(sum(s.usd), 0) AS of_obligation_usd,
           count(m.award_key) AS awards,
           coalesce(sum(s.usd) FILTER (WHERE m.award_key IS NOT NULL), 0)
               AS obligation_usd,
           {
        history_counts_sql("m.award_key IS NOT NULL", "m.reason_")
        if reason
        else "NULL::BIGINT AS reachable"
    }
    FROM scope_ s LEFT JOIN mods_ m USING (award_key)"""


def modifications_only_line(
    awards: int,
    usd: Any,
    of_awards: int,
    of_usd: Any,
    reachable: int | None = None,
    unreachable: dict[str, int] | None = None,
) -> str:
    """The sentence every coverage statement carries about awards known only through
    later modifications (empty when there are none), with what can be done: `sync
    --history` for the REACHABLE of them it can still fetch (all, when not known),
    and for the others, by reason (UNREACHABLE: HISTORY_REASONS key -> awards), what
    to do instead."""
    if not awards:
        return ""
    head = (
        f"{awards:,} of {of_awards:,} awards ({money(usd, cents=False)} of "
        f"{money(of_usd, cents=False)} net) are known here only through later "
        "modifications (the store holds no transaction that starts them, "
        "modification 0): their text may not say what was bought, and their "
        "category may be missed."
    )
    if reachable is None or reachable >= awards:
        return (
            f"{head} Run `custodes sync --history` to fetch their earlier "
            "transactions, or ingest the earlier fiscal years' files."
        )
    why = "; ".join(
        f"{HISTORY_REASONS[r]}: {n:,}" for r, n in (unreachable or {}).items() if n
    )
    instead = (
        f"`custodes sync --history` cannot fetch the earlier transactions of "
        f"{awards - reachable:,} of them" + (f" ({why})" if why else "") + ": "
        "check their labels by hand (`custodes review`)."
    )
    if reachable:
        return (
            f"{head} Run `custodes sync --history` to fetch the earlier transactions "
            f"of {reachable:,} of them. {instead[:1].upper()}{instead[1:]}"
        )
    return f"{head} {instead}"


def modifications_only_row_line(row: dict[str, Any]) -> str:
    """modifications_only_line of a ROW of counts (modifications_only_sql's, with
    history_counts_sql's when known)."""
    return modifications_only_line(
        row["awards"],
        row["obligation_usd"],
        row["of_awards"],
        row["of_obligation_usd"],
        row.get("reachable"),
        unreachable(row),
    )


def modifications_only(
    store: Store, where: str = "", reason: str | None = None
) -> dict[str, Any]:
    """modifications_only_sql's counts with their sentence (`line`)."""
    row = store.rows(modifications_only_sql(where, reason))[0]
    row["line"] = modifications_only_row_line(row)
    return row


def stats(store: Store, reason: str | None = None) -> dict[str, Any]:
    """Rows, awards, date range, totals per fiscal year and sub-agency, quarantine;
    REASON: modifications_only_sql's."""
    head = store.rows(
        "SELECT count(*) AS transactions, count(DISTINCT award_key) AS awards, "
        "min(action_date) AS first_action_date, max(action_date) AS last_action_date, "
        "sum(obligation_usd) AS total_obligation_usd, "
        'count(DISTINCT recipient_name) AS recipient_names FROM "transaction"'
    )[0]
    head["by_fiscal_year"] = store.rows(
        "SELECT fiscal_year, count(*) AS transactions, "
        "count(DISTINCT award_key) AS awards, "
        'sum(obligation_usd) AS obligation_usd FROM "transaction" GROUP BY 1 ORDER BY 1'
    )
    head["by_sub_agency"] = store.rows(
        "SELECT awarding_sub_agency_code AS code, "
        "any_value(awarding_sub_agency_name) AS name, "
        "count(*) AS transactions, sum(obligation_usd) AS obligation_usd "
        'FROM "transaction" GROUP BY 1 ORDER BY obligation_usd DESC'
    )
    head["by_fiscal_year_and_sub_agency"] = store.rows(
        "SELECT fiscal_year, awarding_sub_agency_code AS code, "
        "count(*) AS transactions, "
        'sum(obligation_usd) AS obligation_usd FROM "transaction" '
        "GROUP BY 1, 2 ORDER BY 1, 2"
    )
    head["by_source_format"] = store.rows(
        'SELECT source_format, count(*) AS transactions FROM "transaction" '
        "GROUP BY 1 ORDER BY 1"
    )
    head["built_award_keys"] = store.scalar(
        "SELECT count(*) FROM \"transaction\" WHERE award_key_source <> 'source'"
    )
    head["modifications_only"] = modifications_only(store, reason=reason)
    head["quarantined"] = store.scalar("SELECT count(*) FROM quarantine")
    head["ingest_runs"] = store.scalar("SELECT count(*) FROM ingest_run")
    head["last_ingest"] = store.scalar("SELECT max(finished_at) FROM ingest_run")
    return head


def transaction(store: Store, key: str) -> dict[str, Any]:
    """The canonical row and the raw source row (after minimisation) for one key."""
    rows = store.rows('SELECT * FROM "transaction" WHERE transaction_key = ?', [key])
    if not rows:
        like = store.rows(
            'SELECT transaction_key FROM "transaction" WHERE transaction_key ILIKE ? '
            "OR award_key ILIKE ? OR piid ILIKE ? ORDER BY 1 LIMIT 10",
            [f"%{key}%"] * 3,
        )
        hint = (
            (" Close matches: " + ", ".join(r["transaction_key"] for r in like))
            if like
            else ""
        )
        raise NotFound(f"No transaction with key {key!r}.{hint}")
    # source_row is ingest's view; a store whose rows were written by hand lacks it
    raw = (
        store.scalar("SELECT raw_json FROM source_row WHERE transaction_key = ?", [key])
        if store.has_table("source_row")
        else None
    )
    revisions = store.rows(
        "SELECT replaced_by_run, replaced_at, obligation_usd, raw_json "
        "FROM transaction_revision WHERE transaction_key = ? ORDER BY replaced_at",
        [key],
    )
    return {
        "canonical": rows[0],
        "raw": json.loads(raw) if raw else None,
        "revisions": revisions,
    }


def quarantine(
    store: Store, run_id: int | None = None, limit: int = 100
) -> dict[str, Any]:
    where, params = ("WHERE run_id = ?", [run_id]) if run_id is not None else ("", [])
    total = store.scalar(f"SELECT count(*) FROM quarantine {where}", params)
    rows = store.rows(
        f"SELECT run_id, source_file, line, reason, raw_text FROM quarantine {where} "
        f"ORDER BY run_id, source_file, line LIMIT {int(limit)}",
        params,
    )
    by_reason = store.rows(
        "SELECT regexp_replace(reason, '''[^'']*''', '''…''', 'g') AS reason, "
        "count(*) AS n "
        f"FROM quarantine {where} GROUP BY 1 ORDER BY 2 DESC",
        params,
    )
    return {"total": total, "by_reason": by_reason, "rows": rows}


def ingest_runs(store: Store) -> list[dict[str, Any]]:
    return store.rows(
        "SELECT run_id, command, started_at, finished_at, files, rows_read, "
        "rows_stored, rows_updated, rows_unchanged, duplicates, quarantined "
        "FROM ingest_run ORDER BY run_id"
    )


def tables(store: Store | None) -> list[dict[str, Any]]:
    """Every registered table (custodes/store/tables.py) and whether STORE holds it,
    with its rows (views are not counted); then any table STORE holds that is not
    registered (owner None). STORE None: the registry alone."""
    present: dict[str, str] = {}
    if store is not None:
        present = dict(
            store.execute(
                "SELECT table_name, table_type FROM information_schema.tables "
                "WHERE table_schema = 'main' ORDER BY table_name"
            )
        )
    found = []
    for name, t in {**TABLES, **{n: None for n in present if n not in TABLES}}.items():
        rows = None
        if store is not None and present.get(name) == "BASE TABLE":
            rows = int(store.scalar(f"SELECT count(*) FROM {ident(name)}"))
        found.append(
            {
                "table": name,
                "owner": t.owner if t else None,
                "kind": t.kind if t else "unregistered",
                "command": f"custodes {t.command}" if t else None,
                "what": t.what if t else None,
                "present": name in present,
                "rows": rows,
                "ddl": t.ddl.strip() if t and t.ddl else None,
            }
        )
    return found
