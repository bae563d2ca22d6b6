"""The ingest pipeline: check every file, choose the rows, then write in one
transaction.

Checking happens in temporary tables and views (stage.py, winners.py); nothing touches
the store's own tables until the single merge transaction at the end. A crash, kill or
Ctrl-C before COMMIT leaves the store exactly as it was (DuckDB's write-ahead log
discards the open transaction).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from custodes.ingest import files as src
from custodes.ingest.canonical import CANONICAL_COLUMNS, q
from custodes.ingest.rawrow import AS_LIST, create_source_row_view, raw_values_are_json
from custodes.ingest.recipients import PERSONS_TABLE, judge_batch
from custodes.ingest.rejudge import record_version, recorded_version
from custodes.ingest.stage import FileReport, stage_file
from custodes.ingest.winners import build_batch
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
    recipient_names_judged: int = 0  # distinct recipient names of the batch
    recipient_names_persons: int = 0  # of them, judged natural persons
    person_detector: str = ""  # custodes.model.persons.DETECTOR_VERSION
    # The store holds rows judged by another version: `custodes persons rejudge`.
    person_detector_stale: bool = False
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
    """Test hook (CUSTODES_DEBUG_PAUSE): stop at a named point so a test can kill us;
    with "trace", say each point as it passes and go on."""
    if pause_at == "trace":
        print(f"custodes: at {point}", file=sys.stderr, flush=True)
    elif pause_at == point:
        print(f"custodes: paused at {point}", file=sys.stderr, flush=True)
        time.sleep(3600)


def ingest(
    store: Store,
    paths: list[Path],
    *,
    strict: bool = False,
    progress: Progress | None = None,
    pause_at: str | None = None,
    command: str = "ingest",
    unzip_limit_mb: int = src.DEFAULT_UNZIP_LIMIT_MB,
    labels: dict[Path, str] | None = None,
) -> IngestReport:
    """Ingest `paths` into the store, all or nothing. See docs/ingest.md.

    A zip member may expand to `unzip_limit_mb` MB at most; `labels` names files in
    provenance instead of their paths (sync: the API query each came from)."""
    started = time.time()
    report = IngestReport()
    quarantine: list[tuple] = []  # (file, line, reason, raw)
    tell = progress or (lambda step, done, total: None)
    con = store.con
    con.execute("SET enable_progress_bar = false")
    # Plain FSST string compression costs about a fifth of ingest time and, with
    # dictionary+FSST still allowed, saves no space on these columns (measured).
    con.execute("SET disabled_compression_methods = 'fsst'")
    create_source_row_view(con)  # the raw rows as JSON, read back when rows change
    # The files stay open (zip members extracted) until the write has read them again.
    opened = src.open_sources(paths, unzip_limit_mb=unzip_limit_mb, labels=labels)
    with opened as sources, ThreadPoolExecutor(1) as pool:
        # SHA-256 of each file in a side thread (hashlib releases the GIL) while
        # DuckDB reads the files.
        hashing = {s.display: pool.submit(src.sha256, s) for s in sources}
        tell("judging recipient names", 0, len(sources))
        judged = judge_batch(store, sources)
        report.recipient_names_judged = judged.names
        report.recipient_names_persons = len(judged.persons)
        report.person_detector = judged.version
        staged: list[int] = []
        for i, source in enumerate(sources):
            tell(f"reading {source.display}", i, len(sources))
            fr = stage_file(store, source, i, quarantine, PERSONS_TABLE)
            report.files.append(fr)
            if fr.status == "loaded":
                staged.append(i)
        tell("checking rows", len(sources), len(sources))
        hashes = {name: job.result() for name, job in hashing.items()}
        _pause("stage", pause_at)
        winners = build_batch(store, staged, report, quarantine) if staged else 0
        report.rows_read = sum(f.rows_read for f in report.files)
        report.quarantined = len(quarantine)
        if strict and (
            report.quarantined or any(f.status == "refused" for f in report.files)
        ):
            report.seconds = time.time() - started
            return report  # nothing written
        tell("writing to the store", 0, 1)
        _merge(store, report, quarantine, hashes, winners, started, pause_at, command)
        tell("writing to the store", 1, 1)
    report.seconds = time.time() - started
    return report


# A row quarantined again (the same file, line, reason and raw text: a file ingested
# twice) is kept once, under the latest run, so `stats` counts it once; each run's
# own count stays in ingest_run.
SAME_QUARANTINE_SQL = """
DELETE FROM quarantine AS q WHERE q.run_id < ? AND EXISTS (
    SELECT 1 FROM quarantine AS n WHERE n.run_id = ?
      AND n.source_file IS NOT DISTINCT FROM q.source_file
      AND n.line IS NOT DISTINCT FROM q.line
      AND n.reason IS NOT DISTINCT FROM q.reason
      AND n.raw_text IS NOT DISTINCT FROM q.raw_text
)
"""

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
    store: Store, report: IngestReport, run_id: int, winners: int, pause_at: str | None
) -> None:
    """Insert new and changed transactions (keeping the replaced versions)."""
    con = store.con
    cols = ", ".join(q(c) for c in CANONICAL_COLUMNS)
    values = (
        "__raw_values" if raw_values_are_json(con) else AS_LIST.format("__raw_values")
    )
    if store.scalar('SELECT count(*) FROM "transaction"') == 0:
        source = "winners"  # empty store: everything is new, no join needed
        report.stored = winners
    else:
        with _files_probe(store):
            con.execute(
                "CREATE OR REPLACE TEMP TABLE to_write AS SELECT w.transaction_key, "
                "CASE WHEN t.transaction_key IS NULL THEN 'new' "
                "WHEN t.content_hash::VARCHAR = w.content_hash::VARCHAR "
                "THEN 'unchanged' "
                "ELSE 'changed' END AS __state "
                'FROM winners w LEFT JOIN "transaction" t USING (transaction_key)'
            )
        _confirm_changes(store)
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
    with _files_probe(store):
        con.execute(
            f'INSERT INTO "transaction" SELECT {cols}, __format, __source, __line, '
            f"{run_id}, content_hash, {values} FROM {source}"
        )
    if store.scalar(
        "SELECT count(*) FROM \"transaction\" WHERE award_key_source = 'built'"
    ):
        con.execute(MATCH_BUILT_KEYS_SQL)


@contextmanager
def _files_probe(store: Store) -> Iterator[None]:
    """Joins run as written: the rows read from the files stream through (probe side)
    and the left-hand side is never built into a hash table. Without this the
    optimizer, which cannot count a CSV file's rows in advance, may hash a whole
    file's canonical rows (1.5 GB at 1M rows, measured)."""
    store.con.execute("SET disabled_optimizers = 'join_order,build_side_probe_side'")
    try:
        yield
    finally:
        store.con.execute("RESET disabled_optimizers")


def _confirm_changes(store: Store) -> None:
    """A differing content hash is only a hint (the hash function may change between
    DuckDB versions): compare the raw rows themselves before calling a row changed."""
    changed = "(SELECT transaction_key FROM to_write WHERE __state = 'changed')"
    if not store.scalar(f"SELECT count(*) FROM {changed}"):
        return
    store.con.execute(
        "UPDATE to_write SET __state = 'unchanged' WHERE transaction_key IN ("
        "SELECT s.transaction_key FROM source_row s "
        "JOIN winners w USING (transaction_key) "
        f"WHERE s.transaction_key IN {changed} AND s.raw_json = w.__raw_json)"
    )


def _merge(
    store: Store,
    report: IngestReport,
    quarantine: list[tuple],
    hashes: dict[str, str | None],
    winners: int,
    started: float,
    pause_at: str | None,
    command: str,
) -> None:
    con = store.con
    with store.transaction():
        run_id = int(
            con.execute(
                "SELECT coalesce(max(run_id), 0) + 1 FROM ingest_run"
            ).fetchall()[0][0]
        )
        report.run_id = run_id
        was_empty = store.scalar('SELECT count(*) FROM "transaction"') == 0
        if any(f.status == "loaded" for f in report.files):
            _write_rows(store, report, run_id, winners, pause_at)
        # The store's version is the detector's while it has judged every row.
        if was_empty or recorded_version(store) == report.person_detector:
            record_version(store, report.person_detector)
        else:
            report.person_detector_stale = True
        if quarantine:
            con.executemany(
                "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?)",
                [(run_id, *row) for row in quarantine],
            )
            con.execute(SAME_QUARANTINE_SQL, [run_id, run_id])
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
    _pause("committed", pause_at)


def _keep_revisions(store: Store, run_id: int) -> None:
    con = store.con
    changed = "(SELECT transaction_key FROM to_write WHERE __state = 'changed')"
    con.execute(
        "INSERT INTO transaction_revision "
        "SELECT t.transaction_key, ?, now()::TIMESTAMP, "
        't.obligation_usd, t.content_hash, s.raw_json FROM "transaction" t '
        "JOIN source_row s USING (transaction_key) "
        f"WHERE t.transaction_key IN {changed}",
        [run_id],
    )
    con.execute(f'DELETE FROM "transaction" WHERE transaction_key IN {changed}')
