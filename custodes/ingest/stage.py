"""Read one source file for ingest: once, straight into the store's open transaction.

Each file is read and parsed once. Every row it yields, good or bad, is written into
`"transaction"` inside the ingest's single transaction, and the few rows that must not
stay (bad rows, repeated keys, rows the store already has) are removed afterwards with
set operations (winners.py, load.py). Nothing of this is visible before COMMIT, and a
kill before it leaves the store as it was.

While a file's rows wait for their line numbers they are **parked**: `source_line` holds
a negative code instead of a line (-1 minus the PARK_* bits below), which no stored row
ever has. A bad row (one with a problem) also keeps its reason in `award_key` and its
raw row (minimised, as a JSON object) in `description` until it is moved to quarantine.

The rows are inserted in file order (DuckDB keeps insertion order for a parallel read),
so a parked row's rowid, counted from the file's first one, is its ordinal among the
accepted rows; with the lines the CSV reader rejected (temp table `rej_{i}`), it gives
the physical line, which then replaces the code.
"""

from __future__ import annotations

from dataclasses import dataclass

from custodes.errors import InputError
from custodes.ingest import sources as src
from custodes.ingest.canonical import (
    CANONICAL_COLUMNS,
    canonical_select_sql,
    minimised_select_sql,
    q,
)
from custodes.ingest.fields import sql_str
from custodes.ingest.formats import Format, detect_format
from custodes.ingest.rawrow import AS_LIST
from custodes.store.duckdb import Store

PARK_PROBLEM, PARK_INDIVIDUAL, PARK_TEXT = 1, 2, 4
PARKED = "source_line < 0"  # the rows of the file being read, before numbering


@dataclass
class FileReport:
    file: str
    format: str | None
    rows_read: int = 0
    quarantined: int = 0
    status: str = "loaded"
    message: str | None = None
    header: list[str] | None = None


@dataclass
class FileRows:
    """What reading one file found besides the stored rows."""

    minimised_individual: int = 0
    minimised_text: int = 0
    problems: list[tuple] | None = None  # (file, line, reason, raw), in line order


def read_csv_sql(source: src.SourceFile, header: list[str], i: int) -> str:
    """read_csv of one file, all text; bad lines go to temp table rej_{i}."""
    cols = "{" + ", ".join(f"{sql_str(h)}: 'VARCHAR'" for h in header) + "}"
    compression = "'gzip'" if source.compressed else "'none'"
    return (
        f"read_csv({sql_str(str(source.path))}, auto_detect=false, header=true, "
        f"delim=',', quote='\"', escape='\"', columns={cols}, strict_mode=true, "
        f"max_line_size=4000000, store_rejects=true, rejects_table='rej_{i}', "
        f"rejects_scan='rejscan_{i}', rejects_limit=0, compression={compression})"
    )


def _parked_insert_sql(
    fmt: Format, header: list[str], reader: str, display: str, run_id: int, json: bool
) -> str:
    """INSERT every row of the file, parked (see the module docstring)."""
    rows = canonical_select_sql(
        fmt,
        header,
        minimised_select_sql(
            fmt, header, f"(SELECT *, NULL::BIGINT AS __ord FROM {reader})"
        ),
    )
    bad = "__problem IS NOT NULL"
    kept = {
        "transaction_key": f"CASE WHEN {bad} THEN coalesce(transaction_key, '') "
        "ELSE transaction_key END",
        "award_key": f"CASE WHEN {bad} THEN __problem ELSE award_key END",
        "description": f"CASE WHEN {bad} THEN __raw_json ELSE description END",
    }
    cols = ", ".join(kept.get(c, q(c)) for c in CANONICAL_COLUMNS)
    code = (
        f"-1 - (CASE WHEN {bad} THEN {PARK_PROBLEM} ELSE 0 END "
        f"+ CASE WHEN __minimised_individual THEN {PARK_INDIVIDUAL} ELSE 0 END "
        f"+ CASE WHEN __minimised_text THEN {PARK_TEXT} ELSE 0 END)"
    )
    values = "__raw_values" if json else AS_LIST.format("__raw_values")
    return (
        f'INSERT INTO "transaction" SELECT {cols}, {sql_str(fmt.name)}, '
        f"{sql_str(display)}, {code}, {run_id}, content_hash, {values} FROM ({rows})"
    )


def _collect_rejects(
    store: Store, source: src.SourceFile, i: int, quarantine: list[tuple]
) -> int:
    """Quarantine the lines the CSV reader rejected; returns how many."""
    con = store.con
    # DuckDB may report several errors for one line; keep the first per line.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE rejline_{i} AS SELECT line, "
        f"arg_min(line_byte_position, column_idx) AS pos, arg_min(error_type, column_idx) "
        f"AS error_type, arg_min(error_message, column_idx) AS message, "
        f"arg_min(csv_line, column_idx) AS csv_line FROM rej_{i} GROUP BY line"
    )
    rejects = con.execute(
        f"SELECT line, pos, error_type, message, csv_line FROM rejline_{i} ORDER BY line"
    ).fetchall()
    for line, pos, etype, message, csv_line in rejects:
        raw = src.raw_line_at(source, pos) if etype == "INVALID ENCODING" else csv_line
        reason = f"{str(etype).lower()}: {message}"
        quarantine.append(
            (source.display, int(line), reason, (raw or "").strip("\r\n"))
        )
    if rejects:
        # Accepted row number -> physical line: skip over the rejected lines before it.
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE rejcum_{i} AS SELECT "
            f"line - 2 - (row_number() OVER (ORDER BY line) - 1) AS acc_before, "
            f"row_number() OVER (ORDER BY line) AS cum FROM rejline_{i}"
        )
    return len(rejects)


def _number_lines(store: Store, i: int, has_rejects: bool) -> None:
    """Temp table lines_{i} (rid, line, code) of the parked rows: the physical line
    (header = line 1; each rejected line before a row pushes it one further)."""
    ordinal = f'SELECT rowid AS rid, source_line AS code, rowid - min(rowid) OVER () AS ord FROM "transaction" WHERE {PARKED}'
    if has_rejects:
        lined = (
            f"SELECT c.rid, c.code, c.ord + 2 + coalesce(r.cum, 0) AS line FROM ({ordinal}) c "
            f"ASOF LEFT JOIN rejcum_{i} r ON c.ord >= r.acc_before"
        )
    else:
        lined = f"SELECT rid, code, ord + 2 AS line FROM ({ordinal})"
    store.con.execute(f"CREATE OR REPLACE TEMP TABLE lines_{i} AS {lined}")


def _settle_lines(store: Store, i: int, has_rejects: bool) -> FileRows:
    """Give the parked rows their lines; take the bad ones out (returned as problems)."""
    con = store.con
    found = FileRows(problems=[])
    counts = con.execute(
        f'SELECT source_line, count(*) FROM "transaction" WHERE {PARKED} GROUP BY 1'
    ).fetchall()
    flags = [(-1 - int(code), int(n)) for code, n in counts]
    found.minimised_individual = sum(n for f, n in flags if f & PARK_INDIVIDUAL)
    found.minimised_text = sum(n for f, n in flags if f & PARK_TEXT)
    if has_rejects or any(f & PARK_PROBLEM for f, _ in flags):
        _number_lines(store, i, has_rejects)
        con.execute(
            'UPDATE "transaction" AS t SET source_line = l.line FROM lines_'
            + str(i)
            + " AS l WHERE t.rowid = l.rid"
        )
        bad = f"(SELECT rid FROM lines_{i} WHERE (-1 - code) & {PARK_PROBLEM} <> 0)"
        found.problems = [
            tuple(r)
            for r in con.execute(
                "SELECT source_file, source_line, award_key, description "
                f'FROM "transaction" WHERE rowid IN {bad} ORDER BY source_line'
            ).fetchall()
        ]
        con.execute(f'DELETE FROM "transaction" WHERE rowid IN {bad}')
    else:
        # The common case: a plain count from the file's first row.
        con.execute(
            'UPDATE "transaction" SET source_line = rowid - (SELECT min(rowid) FROM '
            f'"transaction" WHERE {PARKED}) + 2 WHERE {PARKED}'
        )
    return found


def read_file(
    store: Store,
    source: src.SourceFile,
    i: int,
    run_id: int,
    json_values: bool,
    quarantine: list[tuple],
) -> tuple[FileReport, FileRows]:
    """Read one file into the open transaction (see the module docstring)."""
    fr = FileReport(file=source.display, format=None)
    try:
        header = src.read_header(source)
        fmt = detect_format(header, source.display)
    except InputError as exc:
        fr.status, fr.message = "refused", str(exc)
        quarantine.append((source.display, 1, str(exc), first_line(source)))
        return fr, FileRows(problems=[])
    fr.format, fr.header = fmt.name, header
    # The content hash reads every field, so DuckDB checks every field's encoding.
    inserted = store.con.execute(
        _parked_insert_sql(
            fmt,
            header,
            read_csv_sql(source, header, i),
            source.display,
            run_id,
            json_values,
        )
    ).fetchone()[0]
    rejected = _collect_rejects(store, source, i, quarantine)
    found = _settle_lines(store, i, bool(rejected))
    fr.rows_read = int(inserted) + rejected
    fr.quarantined = rejected
    return fr, found


def first_line(source: src.SourceFile) -> str:
    try:
        return src.raw_line_at(source, 0) or ""
    except OSError:
        return ""
