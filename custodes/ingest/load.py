"""The ingest pipeline, all in one transaction: read every file once into the store,
remove the rows that must not stay, merge with what the store had, record the run.

Each file's rows are written as they are read (stage.py); bad rows and the losers among
repeated keys are then taken out (stage.py, winners.py), and rows the store already has
are settled here. A crash, kill or Ctrl-C before COMMIT leaves the store exactly as it
was (DuckDB's write-ahead log discards the open transaction).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from custodes.ingest import sources as src
from custodes.ingest.rawrow import raw_values_are_json
from custodes.ingest.stage import FileReport, read_file
from custodes.ingest.winners import (
    run_files,
    run_raw_sql,
    settle_repeats,
    write_run_files,
)
from custodes.store.duckdb import Store

Progress = Callable[[str, int, int], None]  # (step description, done, total)


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


class _NothingWritten(Exception):
    """--strict found bad input: the open transaction is rolled back."""


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
    tell = progress or (lambda step, done, total: None)
    con = store.con
    con.execute("SET enable_progress_bar = false")
    # Plain FSST string compression costs about a fifth of ingest time and, with
    # dictionary+FSST still allowed, saves no space on these columns (measured).
    con.execute("SET disabled_compression_methods = 'fsst'")
    with src.open_sources(paths) as sources, ThreadPoolExecutor(1) as pool:
        # SHA-256 of each file in a side thread (hashlib releases the GIL) while
        # DuckDB reads the files.
        hashing = {s.display: pool.submit(src.sha256, s) for s in sources}
        try:
            with store.transaction():
                _run(
                    store,
                    report,
                    sources,
                    hashing,
                    strict,
                    tell,
                    pause_at,
                    command,
                    started,
                )
        except _NothingWritten:
            report.run_id = None
    report.seconds = time.time() - started
    return report


def _run(
    store: Store,
    report: IngestReport,
    sources: list[src.SourceFile],
    hashing: dict[str, Future[str]],
    strict: bool,
    tell: Progress,
    pause_at: str | None,
    command: str,
    started: float,
) -> None:
    """The whole ingest inside the open transaction: read, settle, merge, record."""
    quarantine: list[tuple] = []  # (file, line, reason, raw)
    problems: list[tuple] = []
    json_values = raw_values_are_json(store.con)
    report.run_id = run_id = _next_run_id(store)
    had_rows = bool(store.scalar('SELECT count(*) FROM "transaction"'))
    staged: list[int] = []
    for i, source in enumerate(sources):
        tell(f"reading {source.display}", i, len(sources))
        fr, found = read_file(store, source, i, run_id, json_values, quarantine)
        report.files.append(fr)
        if fr.status == "loaded":
            staged.append(i)
        report.minimised_individual_contacts += found.minimised_individual
        report.minimised_description_contacts += found.minimised_text
        problems.extend(found.problems or [])
    tell("checking rows", len(sources), len(sources))
    quarantine.extend(problems)
    write_run_files(store, run_files(report.files, staged))
    settle_repeats(store, run_id, json_values, report, quarantine)
    hashes = {name: job.result() for name, job in hashing.items()}
    report.rows_read = sum(f.rows_read for f in report.files)
    report.quarantined = len(quarantine)
    _pause("stage", pause_at)
    if strict and (
        report.quarantined or any(f.status == "refused" for f in report.files)
    ):
        raise _NothingWritten
    tell("writing to the store", 0, 1)
    _pause("merge", pause_at)
    _merge_rows(store, report, run_id, had_rows, json_values)
    _record(store, report, quarantine, hashes, started, command)
    _pause("commit", pause_at)
    tell("writing to the store", 1, 1)


def _next_run_id(store: Store) -> int:
    """One more than any run id in use (rows written by other means included: this
    run's rows are told apart from all others by their run id)."""
    return int(
        store.scalar(
            "SELECT greatest((SELECT coalesce(max(run_id), 0) FROM ingest_run), "
            '(SELECT coalesce(max(ingest_run_id), 0) FROM "transaction")) + 1'
        )
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


def _merge_rows(
    store: Store, report: IngestReport, run_id: int, had_rows: bool, json_values: bool
) -> None:
    """Merge this run's rows with those already stored: a key the store has with the
    same content drops the new row (unchanged); with other content, the stored row is
    kept as a revision and replaced (updated)."""
    con = store.con
    batch = int(
        store.scalar(f'SELECT count(*) FROM "transaction" WHERE {_mine(run_id)}')
    )
    if had_rows:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE to_write AS SELECT n.rid AS new_rid, "
            "o.rid AS old_rid, CASE WHEN o.content_hash::VARCHAR = "
            "n.content_hash::VARCHAR THEN 'unchanged' ELSE 'changed' END AS __state "
            'FROM (SELECT rowid AS rid, transaction_key, content_hash FROM "transaction" '
            f"WHERE {_mine(run_id)}) n JOIN (SELECT rowid AS rid, transaction_key, "
            'content_hash FROM "transaction" WHERE ingest_run_id IS DISTINCT FROM '
            f"{run_id}) o USING (transaction_key)"
        )
        _confirm_changes(store, run_id, json_values)
        counts = dict(
            con.execute("SELECT __state, count(*) FROM to_write GROUP BY 1").fetchall()
        )
        report.updated = int(counts.get("changed", 0))
        report.unchanged = int(counts.get("unchanged", 0))
        if report.updated:
            _keep_revisions(store, run_id)
        con.execute(
            'DELETE FROM "transaction" WHERE rowid IN (SELECT new_rid FROM to_write '
            "WHERE __state = 'unchanged')"
        )
    report.stored = batch - report.updated - report.unchanged
    if store.scalar(
        "SELECT count(*) FROM \"transaction\" WHERE award_key_source = 'built'"
    ):
        con.execute(MATCH_BUILT_KEYS_SQL)


def _mine(run_id: int) -> str:
    return f"ingest_run_id = {run_id}"


def _confirm_changes(store: Store, run_id: int, json_values: bool) -> None:
    """A differing content hash is only a hint (the hash function may change between
    DuckDB versions): compare the raw rows themselves before calling a row changed."""
    changed = "(SELECT new_rid FROM to_write WHERE __state = 'changed')"
    if not store.scalar(f"SELECT count(*) FROM {changed}"):
        return
    new = run_raw_sql(f"{_mine(run_id)} AND rowid IN {changed}", json_values)
    store.con.execute(
        "UPDATE to_write SET __state = 'unchanged' WHERE new_rid IN ("
        f"SELECT n.__rid FROM ({new}) n JOIN source_row s USING (transaction_key) "
        "WHERE s.raw_json = n.__raw_json)"
    )


def _keep_revisions(store: Store, run_id: int) -> None:
    """Move the stored versions of changed transactions to transaction_revision."""
    con = store.con
    old = "(SELECT old_rid FROM to_write WHERE __state = 'changed')"
    con.execute(
        "INSERT INTO transaction_revision SELECT t.transaction_key, ?, now()::TIMESTAMP, "
        "t.obligation_usd, t.content_hash, s.raw_json FROM (SELECT rowid AS rid, * "
        f'FROM "transaction" WHERE rowid IN {old}) t '
        "JOIN source_row s USING (transaction_key)",
        [run_id],
    )
    con.execute(f'DELETE FROM "transaction" WHERE rowid IN {old}')


def _record(
    store: Store,
    report: IngestReport,
    quarantine: list[tuple],
    hashes: dict[str, str],
    started: float,
    command: str,
) -> None:
    """The run's quarantine, files and summary, in the same transaction."""
    con = store.con
    run_id = report.run_id
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
