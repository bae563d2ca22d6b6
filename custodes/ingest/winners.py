"""Keep one row per transaction key among the rows an ingest has just written.

Every row of every file is already in `"transaction"` (inside the open transaction, see
stage.py), with its file and line. Keys that occur once in the batch (nearly all) need
nothing. Of rows sharing a key, the first (by file, then line) wins; the others are
counted as exact duplicates or quarantined as conflicts, by comparing the whole raw rows,
and removed. The key's 64-bit hash only finds candidates: a collision can only send two
different keys down the exact path, which partitions by the key itself.
"""

from __future__ import annotations

from typing import Protocol

from custodes.ingest.rawrow import AS_LIST, raw_json_sql
from custodes.store.duckdb import Store


class Counts(Protocol):
    duplicates: int


def write_run_files(store: Store, files: list[tuple[int, str, list[str]]]) -> None:
    """Temp table run_file (idx, display, header) of the files read in this run."""
    con = store.con
    con.execute(
        "CREATE OR REPLACE TEMP TABLE run_file (idx INTEGER, display VARCHAR, "
        "header VARCHAR[])"
    )
    if files:
        con.executemany("INSERT INTO run_file VALUES (?, ?, ?)", files)


def run_raw_sql(where: str, json_values: bool) -> str:
    """Rows of `"transaction"` matching `where` (this run's) with __rid, __idx (file
    order) and __raw_json: the whole raw row, rebuilt as source_row rebuilds it."""
    values = AS_LIST.format("raw_values") if json_values else "raw_values"
    return (
        f"SELECT t.__rid, f.idx AS __idx, t.source_file, t.source_line, "
        f"t.transaction_key, t.content_hash, {raw_json_sql('t', 'f')} AS __raw_json "
        f'FROM (SELECT rowid AS __rid, *, {values} AS __values FROM "transaction" '
        f"WHERE {where}) t JOIN run_file f ON f.display = t.source_file"
    )


def settle_repeats(
    store: Store,
    run_id: int,
    json_values: bool,
    report: Counts,
    quarantine: list[tuple],
) -> None:
    """Of rows of this run sharing a key, keep the first; count or quarantine the rest."""
    con = store.con
    mine = f"ingest_run_id = {run_id}"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE repeated_hash AS SELECT hash(transaction_key) AS h "
        f'FROM "transaction" WHERE {mine} GROUP BY 1 HAVING count(*) > 1'
    )
    if not con.execute("SELECT count(*) FROM repeated_hash").fetchone()[0]:
        return
    rows = run_raw_sql(
        f"{mine} AND hash(transaction_key) IN (SELECT h FROM repeated_hash)",
        json_values,
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE repeated AS SELECT *, row_number() OVER w AS __rn, "
        "first_value(__raw_json) OVER w AS __first_raw, "
        "first_value(source_file || ':' || source_line) OVER w AS __first_at "
        f"FROM ({rows}) "
        "WINDOW w AS (PARTITION BY transaction_key ORDER BY __idx, source_line)"
    )
    report.duplicates = int(
        con.execute(
            "SELECT count(*) FROM repeated WHERE __rn > 1 AND __raw_json = __first_raw"
        ).fetchone()[0]
    )
    quarantine.extend(
        tuple(r)
        for r in con.execute(
            "SELECT source_file, source_line, 'same transaction key ' || transaction_key "
            "|| ' as ' || __first_at || ' but different content; the first was kept', "
            "__raw_json FROM repeated WHERE __rn > 1 AND __raw_json <> __first_raw "
            "ORDER BY __idx, source_line"
        ).fetchall()
    )
    con.execute(
        'DELETE FROM "transaction" WHERE rowid IN '
        "(SELECT __rid FROM repeated WHERE __rn > 1)"
    )


def run_files(reports: list, staged: list[int]) -> list[tuple[int, str, list[str]]]:
    """(idx, display, header) of the files that were read."""
    return [(i, reports[i].file, reports[i].header) for i in staged]
