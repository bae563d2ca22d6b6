"""Read one source file for ingest: check every row, and define how to read it again.

Nothing is copied into a staging table. Each file is read twice, straight from disk:

1. the **check pass** keeps, per accepted row and in file order, only a hash of the
   key, the problem (if any) and the minimisation flags (temp table `checks_{i}`; its
   rowid is the row's ordinal among the accepted rows), plus the raw row of problem
   rows;
2. the **write pass** recomputes the canonical row while it is written to the store,
   either in parallel and joined to its line by key (`stream_{i}`), or in file order
   with a row counter (`canon_{i}`), for the rare rows whose key is not unique.

Lines rejected by the CSV reader go to temp table `rej_{i}`; each one shifts the
physical line of the rows after it by one.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from custodes.errors import InputError
from custodes.ingest import files as src
from custodes.ingest.canonical import canonical_select_sql, minimised_select_sql, q
from custodes.ingest.fields import sql_str
from custodes.sources import detect_format
from custodes.sources.base import Format
from custodes.store.duckdb import Store


@dataclass
class FileReport:
    file: str
    format: str | None
    rows_read: int = 0
    quarantined: int = 0
    status: str = "loaded"
    message: str | None = None
    header: list[str] | None = None


def read_csv_sql(
    source: src.SourceFile, header: list[str], i: int, *, rejects: bool
) -> str:
    """read_csv of one file, all text. With `rejects`, bad lines go to temp table
    rej_{i}; without, the same lines are skipped (for the second read of a file)."""
    cols = "{" + ", ".join(f"{sql_str(h)}: 'VARCHAR'" for h in header) + "}"
    compression = "'gzip'" if source.compressed else "'none'"
    errors = (
        f"store_rejects=true, rejects_table='rej_{i}', rejects_scan='rejscan_{i}', "
        "rejects_limit=0"
        if rejects
        else "ignore_errors=true"
    )
    return (
        f"read_csv({sql_str(str(source.path))}, auto_detect=false, header=true, "
        f"delim=',', quote='\"', escape='\"', columns={cols}, strict_mode=true, "
        f"max_line_size={MAX_LINE_SIZE}, {errors}, compression={compression})"
    )


MAX_LINE_SIZE = 4_000_000  # bytes: a longer line is quarantined
LONG_LINE_KEPT = 1 << 20  # of such a line, the raw text keeps this many bytes

# The check pass keeps a 64-bit hash of each key, not the key: smaller and faster to
# group and join. A collision can only make two keys look repeated, which sends their
# rows down the exact (file-order, real key) path: never a wrong result.
KEY_HASH = "CASE WHEN transaction_key IS NOT NULL THEN hash(transaction_key) END"


def _unordered_sql(reader: str) -> str:
    """The rows without an ordinal: read and computed in parallel."""
    return f"(SELECT *, NULL::BIGINT AS __ord FROM {reader})"


def _ordered_sql(reader: str) -> str:
    """The rows numbered from 0 in file order (a streaming window: one thread)."""
    return f"(SELECT *, row_number() OVER () - 1 AS __ord FROM {reader})"


def _canonical_sql(
    fmt: Format, header: list[str], rows: str, persons: str | None
) -> str:
    return canonical_select_sql(
        fmt, header, minimised_select_sql(fmt, header, rows, persons)
    )


def _lined_sql(i: int, relation: str, has_rejects: bool) -> str:
    """`relation` (with __ord) plus __line, the physical line: the header is line 1 and
    each rejected line before a row pushes it one further."""
    if not has_rejects:
        return f"SELECT *, __ord + 2 AS __line FROM {relation}"
    return (
        f"SELECT c.*, c.__ord + 2 + coalesce(r.cum, 0) AS __line FROM {relation} c "
        f"ASOF LEFT JOIN rejcum_{i} r ON c.__ord >= r.acc_before"
    )


def _collect_rejects(
    store: Store, source: src.SourceFile, i: int, quarantine: list[tuple]
) -> int:
    """Quarantine the lines the CSV reader rejected; returns how many."""
    con = store.con
    # DuckDB may report several errors for one line; keep the first per line (an
    # error about the whole line, such as its length, has no column).
    column = "coalesce(column_idx, -1)"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE rejline_{i} AS SELECT line, "
        f"arg_min(line_byte_position, {column}) AS pos, "
        f"arg_min(error_type, {column}) "
        f"AS error_type, arg_min(error_message, {column}) AS message, "
        f"arg_min(csv_line, {column}) AS csv_line FROM rej_{i} GROUP BY line"
    )
    rejects = con.execute(
        f"SELECT line, pos, error_type, message, csv_line FROM rejline_{i} "
        "ORDER BY line"
    ).fetchall()
    for line, pos, etype, message, csv_line in rejects:
        reason = f"{str(etype).lower()}: {message}"
        if etype == "INVALID ENCODING":
            raw = src.raw_line_at(source, pos)
        elif etype == "LINE SIZE OVER MAXIMUM" and pos is not None:
            raw, reason = _long_line(source, int(pos))
        else:
            raw = csv_line
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


def _long_line(source: src.SourceFile, pos: int) -> tuple[str, str]:
    """The raw text (its first megabyte) and the reason for a line too long to read:
    the whole line's length and SHA-256, so the row can be found and repaired."""
    pos = src.line_start(source, pos)
    size, digest = src.line_size_at(source, pos)
    raw = src.raw_line_at(source, pos, LONG_LINE_KEPT) or ""
    reason = (
        f"line longer than the CSV reader's limit of {MAX_LINE_SIZE:,} bytes: it is "
        f"{size:,} bytes (sha256 {digest}); the raw text keeps its first "
        f"{min(size, LONG_LINE_KEPT):,}. Shorten the field or split the row."
    )
    return raw, reason


def _keep_bad_raw(
    store: Store,
    fmt: Format,
    header: list[str],
    reader: str,
    i: int,
    persons: str | None,
) -> None:
    """Temp table badraw_{i}: the raw row (minimised, as JSON) of each bad row.

    Read again, in file order, only when the file has bad rows: carrying every raw
    value through the check pass just for them cost a third of that pass (measured)."""
    con = store.con
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE badraw_{i} (__ord BIGINT, __bad_raw VARCHAR)"
    )
    bad = f"SELECT rowid FROM checks_{i} WHERE __problem IS NOT NULL"
    if not con.execute(f"SELECT count(*) FROM ({bad})").fetchall()[0][0]:
        return
    pairs = ", ".join(f"{sql_str(h)}, {q(h)}" for h in header)
    rows = minimised_select_sql(fmt, header, _ordered_sql(reader), persons)
    con.execute(
        f"INSERT INTO badraw_{i} SELECT __ord, json_object({pairs})::VARCHAR "
        f"FROM ({rows}) WHERE __ord IN ({bad})"
    )


def stage_file(
    store: Store,
    source: src.SourceFile,
    i: int,
    quarantine: list[tuple],
    persons: str | None = None,
) -> FileReport:
    """Check one file and define its views (see the module docstring). `persons`
    names the table of recipient names judged natural persons (recipients.py)."""
    fr = FileReport(file=source.display, format=None)
    try:
        header = src.read_header(source)
        fmt = detect_format(header, source.display)
    except InputError as exc:
        fr.status, fr.message = "refused", str(exc)
        quarantine.append((source.display, 1, str(exc), first_line(source)))
        return fr
    fr.format, fr.header = fmt.name, header
    mark = len(quarantine)
    try:
        rejected = _check(store, source, i, quarantine, fmt, header, persons)
    except duckdb.Error as exc:
        # The reader gave up on the file (a cut gzip stream, mixed line endings, ...):
        # the file is refused, with what went wrong and what to do, and the others
        # of the command still load.
        del quarantine[mark:]
        fr.status, fr.message = "refused", unreadable(source, exc)
        quarantine.append((source.display, 1, fr.message, first_line(source)))
        return fr
    fr.rows_read = int(_count(store, f"SELECT count(*) FROM checks_{i}")) + rejected
    fr.quarantined = rejected
    return fr


def _count(store: Store, sql: str) -> int:
    return int(store.con.execute(sql).fetchall()[0][0])


def _check(
    store: Store,
    source: src.SourceFile,
    i: int,
    quarantine: list[tuple],
    fmt: Format,
    header: list[str],
    persons: str | None,
) -> int:
    """The check pass and the views of the write pass; returns the rejected lines."""
    con = store.con
    scan = _canonical_sql(
        fmt,
        header,
        _unordered_sql(read_csv_sql(source, header, i, rejects=True)),
        persons,
    )
    # Inserted in file order, so rowid is the row's ordinal among accepted rows.
    # DuckDB checks a field's encoding only if the query reads it: the content hash
    # reads every field, so this pass rejects exactly the lines the write pass skips.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE checks_{i} AS SELECT {KEY_HASH} AS __key, "
        "__problem, __minimised_individual, __minimised_text, content_hash AS __hash "
        f"FROM ({scan})"
    )
    rejected = _collect_rejects(store, source, i, quarantine)
    tags = f"{i} AS __file, {sql_str(source.display)} AS __source"
    again = read_csv_sql(source, header, i, rejects=False)
    _keep_bad_raw(store, fmt, header, again, i, persons)
    checked = (
        f"(SELECT c.*, b.__bad_raw FROM (SELECT *, rowid AS __ord FROM checks_{i}) c "
        f"LEFT JOIN badraw_{i} b USING (__ord))"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW checked_{i} AS SELECT *, {tags} FROM "
        f"({_lined_sql(i, checked, bool(rejected))})"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW stream_{i} AS SELECT * EXCLUDE (__ord), {tags}, "
        f"{sql_str(fmt.name)} AS __format FROM "
        f"({_canonical_sql(fmt, header, _unordered_sql(again), persons)})"
    )
    ordered = _canonical_sql(fmt, header, _ordered_sql(again), persons)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW canon_{i} AS SELECT *, {tags}, "
        f"{sql_str(fmt.name)} AS __format FROM "
        f"({_lined_sql(i, f'({ordered})', bool(rejected))})"
    )
    return rejected


def first_line(source: src.SourceFile) -> str:
    try:
        return src.raw_line_at(source, 0) or ""
    except src.READ_ERRORS:
        return ""


def unreadable(source: src.SourceFile, exc: duckdb.Error) -> str:
    """What to tell the user about a file DuckDB's CSV reader could not read."""
    where = source.display
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "gzip" in text.lower():
        return (
            f"{where}: the gzip file is truncated or damaged ({text}); download or "
            "copy it again."
        )
    changed = _line_ending_change(source)
    if changed is not None:
        line, first, then = changed
        return (
            f"{where}: mixed line endings: lines end in {first} up to line "
            f"{line - 1}, then line {line} ends in {then} only, and the CSV reader "
            "needs one kind. Convert the file (for example with dos2unix, or re-save "
            "it) and ingest it again."
        )
    return f"{where}: could not be read as CSV ({text}). Check the file."


def _line_ending_change(source: src.SourceFile) -> tuple[int, str, str] | None:
    """(first line whose ending differs from line 1's, line 1's kind, its kind)."""
    names = {True: "CRLF (\\r\\n)", False: "LF (\\n)"}
    try:
        with src.open_binary(source) as fh:
            first: bool | None = None
            for number, line in enumerate(fh, start=1):
                if not line.endswith(b"\n"):
                    return None  # the last line, without an ending
                crlf = line.endswith(b"\r\n")
                if first is None:
                    first = crlf
                elif crlf != first:
                    return number, names[first], names[crlf].split(" ")[0]
    except src.READ_ERRORS:
        return None
    return None
