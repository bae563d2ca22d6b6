"""The ingest pipeline: stage every file, check it, then merge in one transaction.

Staging happens in temporary tables; nothing touches the store's own tables until the
single merge transaction at the end. A crash, kill or Ctrl-C before COMMIT leaves the
store exactly as it was (DuckDB's write-ahead log discards the open transaction).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from custodes.errors import InputError
from custodes.ingest import sources as src
from custodes.ingest.canonical import (
    CANONICAL_COLUMNS,
    canonical_select_sql,
    minimised_select_sql,
    q,
)
from custodes.ingest.fields import sql_str
from custodes.ingest.formats import detect_format
from custodes.store.duckdb import Store

Progress = Callable[[str, int, int], None]  # (step description, done, total)


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
class IngestReport:
    run_id: int | None = None
    files: list[FileReport] = field(default_factory=list)
    rows_read: int = 0
    stored: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    quarantined: int = 0
    minimised_individual_contacts: int = 0
    minimised_description_contacts: int = 0
    committed: bool = False
    seconds: float = 0.0

    @property
    def usable(self) -> int:
        return self.stored + self.updated + self.unchanged + self.duplicates

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["usable"] = self.usable
        return d


def _pause(point: str, pause_at: str | None) -> None:
    """Test hook (CUSTODES_DEBUG_PAUSE): stop at a named point so a test can kill us."""
    if pause_at == point:
        print(f"custodes: paused at {point}", file=sys.stderr, flush=True)
        time.sleep(3600)


def _read_csv_sql(source: src.SourceFile, header: list[str], i: int) -> str:
    cols = "{" + ", ".join(f"{sql_str(h)}: 'VARCHAR'" for h in header) + "}"
    compression = "'gzip'" if source.compressed else "'none'"
    return (
        f"SELECT * FROM read_csv({sql_str(str(source.path))}, auto_detect=false, header=true, "
        f"delim=',', quote='\"', escape='\"', columns={cols}, strict_mode=true, "
        f"max_line_size=4000000, store_rejects=true, rejects_table='rej_{i}', "
        f"rejects_scan='rejscan_{i}', rejects_limit=0, "
        f"compression={compression})"
    )


def _stage_file(
    store: Store,
    source: src.SourceFile,
    i: int,
    report: IngestReport,
    quarantine: list[tuple],
) -> bool:
    """Read one file into temp table canon_{i}. Returns False if the file was refused."""
    fr = FileReport(file=source.display, format=None)
    report.files.append(fr)
    try:
        header = src.read_header(source)
        fmt = detect_format(header, source.display)
    except InputError as exc:
        fr.status, fr.message = "refused", str(exc)
        quarantine.append((source.display, 1, str(exc), _first_line(source)))
        return False
    fr.format = fmt.name
    fr.header = header
    con = store.con
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE raw_{i} AS {_read_csv_sql(source, header, i)}"
    )
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
    staged = f"(SELECT *, rowid AS __ord FROM raw_{i})"
    canonical = canonical_select_sql(
        fmt, header, minimised_select_sql(fmt, header, staged)
    )
    if rejects:
        # Accepted row number -> physical line: skip over the rejected lines before it.
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE rejcum_{i} AS SELECT "
            f"line - 2 - (row_number() OVER (ORDER BY line) - 1) AS acc_before, "
            f"row_number() OVER (ORDER BY line) AS cum FROM rejline_{i}"
        )
        lined = (
            f"SELECT c.*, c.__ord + 2 + coalesce(r.cum, 0) AS __line FROM ({canonical}) c "
            f"ASOF LEFT JOIN rejcum_{i} r ON c.__ord >= r.acc_before"
        )
    else:
        lined = f"SELECT *, __ord + 2 AS __line FROM ({canonical})"
    # A view: the canonical values are computed while writing, never held in memory.
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW canon_{i} AS SELECT *, {i} AS __file, "
        f"{sql_str(source.display)} AS __source, {sql_str(fmt.name)} AS __format "
        f"FROM ({lined})"
    )
    fr.rows_read = int(
        con.execute(f"SELECT count(*) FROM raw_{i}").fetchone()[0]
    ) + len(rejects)
    fr.quarantined = len(rejects)
    return True


def _first_line(source: src.SourceFile) -> str:
    try:
        return src.raw_line_at(source, 0) or ""
    except OSError:
        return ""


def ingest(
    store: Store,
    paths: list[Path],
    *,
    strict: bool = False,
    progress: Progress | None = None,
    pause_at: str | None = None,
    command: str = "ingest",
) -> IngestReport:
    """Ingest `paths` into the store, all or nothing. See docs/ingest.md."""
    started = time.time()
    report = IngestReport()
    quarantine: list[tuple] = []  # (file, line, reason, raw)
    tell = progress or (lambda step, done, total: None)
    con = store.con
    con.execute("SET enable_progress_bar = false")
    # Plain FSST string compression costs about a fifth of ingest time and, with
    # dictionary+FSST still allowed, saves no space on these columns (measured).
    con.execute("SET disabled_compression_methods = 'fsst'")
    with src.open_sources(paths) as sources:
        staged: list[int] = []
        for i, source in enumerate(sources):
            tell(f"reading {source.display}", i, len(sources))
            if _stage_file(store, source, i, report, quarantine):
                staged.append(i)
        tell("checking rows", len(sources), len(sources))
        hashes = {s.display: src.sha256(s) for s in sources}
    _pause("stage", pause_at)
    if staged:
        _build_batch(store, staged, report, quarantine)
    report.rows_read = sum(f.rows_read for f in report.files)
    report.quarantined = len(quarantine)
    if strict and (
        report.quarantined or any(f.status == "refused" for f in report.files)
    ):
        report.seconds = time.time() - started
        return report  # nothing written
    tell("writing to the store", 0, 1)
    _merge(store, report, quarantine, hashes, staged, started, pause_at, command)
    tell("writing to the store", 1, 1)
    report.seconds = time.time() - started
    return report


def _build_batch(
    store: Store, staged: list[int], report: IngestReport, quarantine: list[tuple]
) -> None:
    """Collect quarantined rows and pick one row per transaction key (`winners`).

    One light pass computes keys, problems and minimisation flags (raw rows only for
    problem rows); the full canonical rows are computed once, while writing.
    """
    con = store.con
    con.execute(
        "CREATE OR REPLACE TEMP TABLE checks AS "
        + " UNION ALL ".join(
            f"SELECT __file, __ord, __line, __source, transaction_key, __problem, "
            f"__minimised_individual, __minimised_text, "
            f"CASE WHEN __problem IS NOT NULL THEN __raw_json END AS __bad_raw FROM canon_{i}"
            for i in staged
        )
    )
    mins = con.execute(
        "SELECT count(*) FILTER (WHERE __minimised_individual), "
        "count(*) FILTER (WHERE __minimised_text), "
        "count(*) FILTER (WHERE __problem IS NULL) - "
        "count(DISTINCT transaction_key) FILTER (WHERE __problem IS NULL) FROM checks"
    ).fetchone()
    report.minimised_individual_contacts = int(mins[0])
    report.minimised_description_contacts = int(mins[1])
    quarantine.extend(
        tuple(r)
        for r in con.execute(
            "SELECT __source, __line, __problem, __bad_raw FROM checks "
            "WHERE __problem IS NOT NULL ORDER BY __file, __line"
        ).fetchall()
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE excluded AS SELECT __file, __ord FROM checks "
        "WHERE __problem IS NOT NULL"
    )
    if int(mins[2]) > 0:
        _rank_repeated_keys(store, staged, report, quarantine)
    parts = []
    for i in staged:
        if con.execute(f"SELECT count(*) FROM excluded WHERE __file = {i}").fetchone()[
            0
        ]:
            parts.append(
                f"SELECT * FROM canon_{i} WHERE __ord NOT IN "
                f"(SELECT __ord FROM excluded WHERE __file = {i})"
            )
        else:
            parts.append(f"SELECT * FROM canon_{i}")
    con.execute("CREATE OR REPLACE TEMP VIEW winners AS " + " UNION ALL ".join(parts))


def _rank_repeated_keys(
    store: Store, staged: list[int], report: IngestReport, quarantine: list[tuple]
) -> None:
    """Of rows sharing a key, the first (file order) wins; the rest are exact duplicates
    (counted) or conflicts (quarantined)."""
    con = store.con
    con.execute(
        "CREATE OR REPLACE TEMP TABLE repeated_ord AS SELECT __file, __ord FROM checks "
        "WHERE __problem IS NULL AND transaction_key IN (SELECT transaction_key FROM checks "
        "WHERE __problem IS NULL GROUP BY 1 HAVING count(*) > 1)"
    )
    rows = " UNION ALL ".join(
        f"SELECT c.__file, c.__ord, c.__source, c.__line, c.transaction_key, c.content_hash, "
        f"c.__raw_json FROM canon_{i} c SEMI JOIN repeated_ord r "
        f"ON r.__file = {i} AND c.__ord = r.__ord"
        for i in staged
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE repeated AS SELECT *, row_number() OVER w AS __rn, "
        "first_value(content_hash) OVER w AS __first_hash, "
        "first_value(__source || ':' || __line) OVER w AS __first_at "
        f"FROM ({rows}) WINDOW w AS (PARTITION BY transaction_key ORDER BY __file, __ord)"
    )
    report.duplicates = int(
        con.execute(
            "SELECT count(*) FROM repeated WHERE __rn > 1 AND content_hash = __first_hash"
        ).fetchone()[0]
    )
    quarantine.extend(
        tuple(r)
        for r in con.execute(
            "SELECT __source, __line, 'same transaction key ' || transaction_key || "
            "' as ' || __first_at || ' but different content; the first was kept', __raw_json "
            "FROM repeated WHERE __rn > 1 AND content_hash <> __first_hash "
            "ORDER BY __file, __line"
        ).fetchall()
    )
    con.execute(
        "INSERT INTO excluded SELECT __file, __ord FROM repeated WHERE __rn > 1"
    )


MATCH_BUILT_KEYS_SQL = """
UPDATE "transaction" AS t SET award_key = m.award_key, award_key_source = 'matched'
FROM (
    SELECT piid, awarding_sub_agency_code, min(award_key) AS award_key
    FROM "transaction" WHERE award_key_source = 'source'
      AND piid IN (SELECT piid FROM "transaction" WHERE award_key_source = 'built')
    GROUP BY ALL HAVING count(DISTINCT award_key) = 1
) AS m
WHERE t.award_key_source = 'built' AND t.piid = m.piid
  AND t.awarding_sub_agency_code = m.awarding_sub_agency_code
"""


def _write_rows(
    store: Store, report: IngestReport, run_id: int, pause_at: str | None
) -> None:
    """Insert new and changed transactions (keeping the replaced versions)."""
    con = store.con
    cols = ", ".join(q(c) for c in CANONICAL_COLUMNS)
    if store.scalar('SELECT count(*) FROM "transaction"') == 0:
        source = "winners"  # empty store: everything is new, no join needed
        report.stored = int(store.scalar("SELECT count(*) FROM winners"))
    else:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE to_write AS SELECT w.transaction_key, "
            "CASE WHEN t.transaction_key IS NULL THEN 'new' "
            "WHEN t.content_hash = w.content_hash THEN 'unchanged' ELSE 'changed' END "
            'AS __state FROM winners w LEFT JOIN "transaction" t USING (transaction_key)'
        )
        counts = dict(
            con.execute("SELECT __state, count(*) FROM to_write GROUP BY 1").fetchall()
        )
        report.stored = int(counts.get("new", 0))
        report.updated = int(counts.get("changed", 0))
        report.unchanged = int(counts.get("unchanged", 0))
        if report.updated:
            _keep_revisions(store, run_id)
        source = (
            "(SELECT w.* FROM winners w JOIN to_write USING (transaction_key) "
            "WHERE __state <> 'unchanged')"
        )
    _pause("merge", pause_at)
    con.execute(
        f'INSERT INTO "transaction" SELECT {cols}, __format, __source, __line, '
        f"{run_id}, content_hash, __raw_values FROM {source}"
    )
    if store.scalar(
        "SELECT count(*) FROM \"transaction\" WHERE award_key_source = 'built'"
    ):
        con.execute(MATCH_BUILT_KEYS_SQL)


def _merge(
    store: Store,
    report: IngestReport,
    quarantine: list[tuple],
    hashes: dict[str, str],
    staged: list[int],
    started: float,
    pause_at: str | None,
    command: str,
) -> None:
    con = store.con
    with store.transaction():
        run_id = int(
            con.execute(
                "SELECT coalesce(max(run_id), 0) + 1 FROM ingest_run"
            ).fetchone()[0]
        )
        report.run_id = run_id
        if staged:
            _write_rows(store, report, run_id, pause_at)
        if quarantine:
            con.executemany(
                "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?)",
                [(run_id, *row) for row in quarantine],
            )
        for fr in report.files:
            path, _, member = fr.file.partition("!")
            con.execute(
                "INSERT INTO source_file VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    path,
                    member or None,
                    hashes.get(fr.file),
                    fr.format,
                    fr.rows_read,
                    fr.status,
                    fr.message,
                    fr.file,
                    fr.header,
                ],
            )
        report.committed = True
        con.execute(
            "INSERT INTO ingest_run VALUES (?, ?, to_timestamp(?)::TIMESTAMP, "
            "now()::TIMESTAMP, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                command,
                started,
                len(report.files),
                report.rows_read,
                report.stored,
                report.updated,
                report.unchanged,
                report.duplicates,
                report.quarantined,
                report.minimised_individual_contacts,
                report.minimised_description_contacts,
                json.dumps(report.to_dict(), default=str),
            ],
        )
        _pause("commit", pause_at)


def _keep_revisions(store: Store, run_id: int) -> None:
    con = store.con
    changed = "(SELECT transaction_key FROM to_write WHERE __state = 'changed')"
    con.execute(
        "INSERT INTO transaction_revision SELECT t.transaction_key, ?, now()::TIMESTAMP, "
        't.obligation_usd, t.content_hash, s.raw_json FROM "transaction" t '
        f"JOIN source_row s USING (transaction_key) WHERE t.transaction_key IN {changed}",
        [run_id],
    )
    con.execute(f'DELETE FROM "transaction" WHERE transaction_key IN {changed}')
