"""What changed in the store since the last refresh.

A refresh costs in proportion to what changed, so it first has to know exactly what
did. Three sources of change are watched:

- transactions: new, changed and removed rows. Ingest writes every new or changed row
  with its run's id, so the rows of runs after the last refresh are the candidates (a
  read of the table's tail). Other writers can change rows in place (`custodes persons
  rejudge` flags recipients; ingest gives built award keys their matched key), so the
  candidates are checked against a fingerprint of every row: the refresh state keeps,
  per transaction, a 64-bit hash of the columns the derived tables read
  (`refresh_transaction`), and, per recipient record (name, UEI, DUNS), the sum of its
  rows' fingerprints (`refresh_record`). One scan of the table, which also gives
  `custodes resolve` its recipient records, recomputes those sums; a record whose sum
  differs from the stored one plus the candidates' changes holds a change no run id
  announced, and its rows are compared one by one with the state. The result is exact
  (up to a 64-bit hash collision) whatever wrote the table;
- the curated data every stage reads (rules, taxonomy, gazetteer, vendor profiles,
  judgements, parents, overrides): by content hash;
- the stages' own runs outside a refresh (`custodes resolve`, `custodes classify`,
  `custodes figures build`): by their run rows.

`detect` leaves the changed transactions in the temporary table `refresh_changed`
(transaction key hash, the award key before and after, the recipient record before
and after) and returns the recipient records read by the scan.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from custodes.resolve.records import RECORD_COLUMNS_SQL, RECORD_KEY_SQL
from custodes.store.duckdb import Store

# The columns of a transaction the derived tables depend on, beyond its raw content
# (content_hash): what in-place writers change (award_key, the person flag), where it
# came from (run, file, line) and, as insurance, its money.
FINGERPRINT_COLUMNS = (
    "award_key",
    "content_hash",
    "recipient_is_individual",
    "ingest_run_id",
    "source_file",
    "source_line",
    "obligation_usd",
)

# A recipient record, as custodes resolve groups transactions (custodes/resolve/
# records.py): name (empty for none), UEI and DUNS.
RECORD_KEY = ("coalesce(recipient_name, '')", "recipient_uei", "recipient_duns")


def fingerprint_sql(t: str = "t") -> str:
    """SQL: a transaction's fingerprint (UBIGINT)."""
    return f"hash({', '.join(f'{t}.{c}' for c in FINGERPRINT_COLUMNS)})"


def record_hash_sql(name: str, uei: str, duns: str) -> str:
    """SQL: the hash of a recipient record (name already coalesced to '')."""
    return f"hash({name}, {uei}, {duns})"


def tx_record_hash_sql(t: str = "t") -> str:
    return record_hash_sql(
        f"coalesce({t}.recipient_name, '')", f"{t}.recipient_uei", f"{t}.recipient_duns"
    )


# One scan of the transactions: every recipient record with what custodes resolve
# reads (the same SQL: custodes/resolve/records.py) and the sum of its rows'
# fingerprints.
RECORDS_SCAN_SQL = f"""
CREATE OR REPLACE TEMP TABLE refresh_records AS
SELECT *, {record_hash_sql("name", "uei", "duns")} AS rec FROM (
    SELECT {RECORD_KEY_SQL}, {RECORD_COLUMNS_SQL},
           sum({fingerprint_sql('"transaction"')}::HUGEINT) AS fp_sum
    FROM "transaction"
    GROUP BY 1, 2, 3)"""

# The state of every transaction, built from scratch (a full refresh).
STATE_FULL_SQL = f"""
INSERT INTO refresh_transaction
SELECT hash(t.transaction_key) AS khash, hash(t.award_key) AS ahash,
       {tx_record_hash_sql("t")} AS rec, {fingerprint_sql("t")} AS fp
FROM "transaction" t"""

RECORD_STATE_SQL = """
INSERT INTO refresh_record SELECT rec, fp_sum, transactions FROM refresh_records"""


@dataclass
class Changes:
    """What a refresh has to take into account (see the module docstring)."""

    full: bool = False  # no usable state: everything is rebuilt
    reason: str = ""
    candidates: int = 0  # rows of ingest runs since the last refresh
    changed: int = 0  # transaction rows new, changed or removed
    unannounced_records: int = 0  # records whose rows changed without a new run id
    details: dict[str, Any] = field(default_factory=dict)


def inputs_digest(overrides: Path | None, matcher: str) -> str:
    """A digest of everything besides the store that resolve and classify read: every
    file the curated-data loaders name (taxonomy, rules, gazetteer, vendor profiles,
    parents, judgements, overrides, or the --overrides file), every shipped data file,
    resolve's matcher and resolve's own code (a refresh resolves every record again,
    so a change there shows too). Read as bytes, not parsed: a refresh with nothing
    to do finds out in milliseconds. Over-inclusive on purpose: an unrelated data
    file changed costs one ordinary refresh, never a missed change."""
    from custodes.classify import overrides as cls_overrides
    from custodes.classify import profiles, rules, taxonomy
    from custodes.resolve import families, judgements, makers

    data = Path(str(resources.files("custodes.data")))
    code = Path(families.__file__).parent
    named = [
        taxonomy.data_path("taxonomy.yaml"),
        taxonomy.data_path("rules.yaml"),
        rules.gazetteer_path(),
        profiles.profiles_path(),
        overrides or cls_overrides.overrides_path(),
        families.default_path(),
        judgements.default_path(),
        makers.default_path(),
    ]
    files = named + sorted(
        p for p in data.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    )
    files += sorted(code.glob("*.py"))
    digest = hashlib.sha256(f"matcher {matcher}\n".encode())
    for path in files:
        digest.update(f"{path.name}\n".encode())
        try:
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        except OSError:
            digest.update(b"(absent)")
    return digest.hexdigest()


def has_state(store: Store) -> bool:
    return store.has_table("refresh_transaction") and store.has_table("refresh_record")


def scan_records(store: Store) -> None:
    """Temp table refresh_records (one scan of every transaction)."""
    store.execute(RECORDS_SCAN_SQL)


def detect(store: Store, watermark: int | None) -> Changes:
    """Fill temp table refresh_changed with the transactions that changed since the
    state was saved (WATERMARK: the last ingest run it saw). Needs refresh_records
    (`scan_records`) and the state tables."""
    out = Changes()
    low = -1 if watermark is None else int(watermark)
    # candidates: rows written by later ingest runs (new rows and new versions)
    store.execute(
        f"""CREATE OR REPLACE TEMP TABLE refresh_cand AS
        SELECT hash(t.transaction_key) AS khash, hash(t.award_key) AS ahash,
               t.award_key, {tx_record_hash_sql("t")} AS rec,
               {fingerprint_sql("t")} AS fp
        FROM "transaction" t WHERE t.ingest_run_id > {low}"""
    )
    out.candidates = int(store.scalar("SELECT count(*) FROM refresh_cand"))
    # their earlier versions (a changed row keeps its key)
    store.execute(
        """CREATE OR REPLACE TEMP TABLE refresh_prev AS
        SELECT s.* FROM refresh_transaction s
        WHERE s.khash IN (SELECT khash FROM refresh_cand)"""
    )
    # records whose sum is not what the candidates explain
    store.execute(
        """CREATE OR REPLACE TEMP TABLE refresh_bad_record AS
        WITH delta AS (
            SELECT rec, sum(fp::HUGEINT) AS d, count(*) AS n FROM refresh_cand
            GROUP BY rec
            UNION ALL
            SELECT rec, -sum(fp::HUGEINT), -count(*) FROM refresh_prev GROUP BY rec),
        expected AS (
            SELECT rec, sum(fp_sum) AS fp_sum, sum(transactions) AS n FROM (
                SELECT rec, fp_sum, transactions FROM refresh_record
                UNION ALL SELECT rec, d, n FROM delta)
            GROUP BY rec)
        SELECT coalesce(e.rec, r.rec) AS rec
        FROM (SELECT * FROM expected WHERE n <> 0 OR fp_sum <> 0) e
        FULL JOIN refresh_records r ON r.rec = e.rec
        WHERE e.fp_sum IS DISTINCT FROM r.fp_sum
           OR e.n IS DISTINCT FROM r.transactions"""
    )
    out.unannounced_records = int(
        store.scalar("SELECT count(*) FROM refresh_bad_record")
    )
    if out.unannounced_records:
        # compare these records' rows one by one with the state
        store.execute(
            f"""CREATE OR REPLACE TEMP TABLE refresh_bad_now AS
            SELECT hash(t.transaction_key) AS khash, hash(t.award_key) AS ahash,
                   t.award_key, {tx_record_hash_sql("t")} AS rec,
                   {fingerprint_sql("t")} AS fp
            FROM "transaction" t
            WHERE (coalesce(t.recipient_name, ''), t.recipient_uei, t.recipient_duns)
                IN (SELECT (name, uei, duns) FROM refresh_records
                    WHERE rec IN (SELECT rec FROM refresh_bad_record))"""
        )
        store.execute(
            """CREATE OR REPLACE TEMP TABLE refresh_bad_prev AS
            SELECT * FROM refresh_transaction
            WHERE rec IN (SELECT rec FROM refresh_bad_record)"""
        )
        store.execute(
            """INSERT INTO refresh_cand
            SELECT n.* FROM refresh_bad_now n
            LEFT JOIN refresh_bad_prev p USING (khash)
            WHERE p.fp IS DISTINCT FROM n.fp
              AND n.khash NOT IN (SELECT khash FROM refresh_cand)"""
        )
        store.execute(
            """INSERT INTO refresh_prev
            SELECT p.* FROM refresh_bad_prev p
            LEFT JOIN refresh_bad_now n USING (khash)
            WHERE n.fp IS DISTINCT FROM p.fp
              AND p.khash NOT IN (SELECT khash FROM refresh_prev)"""
        )
    # one row per changed key: before (NULL: new) and after (NULL: removed)
    store.execute(
        """CREATE OR REPLACE TEMP TABLE refresh_changed AS
        SELECT coalesce(c.khash, p.khash) AS khash, p.ahash AS old_ahash,
               c.ahash AS new_ahash, c.award_key AS new_award_key,
               p.rec AS old_rec, c.rec AS new_rec, p.fp AS old_fp, c.fp AS new_fp
        FROM refresh_cand c FULL JOIN refresh_prev p USING (khash)
        WHERE c.fp IS DISTINCT FROM p.fp"""
    )
    out.changed = int(store.scalar("SELECT count(*) FROM refresh_changed"))
    return out


def save_state(store: Store, full: bool) -> None:
    """Write the state the next refresh compares with (inside the refresh's
    transaction): from scratch (FULL) or by applying refresh_changed."""
    if full:
        store.execute("DROP TABLE IF EXISTS refresh_transaction")
        store.create("refresh_transaction")
        store.execute(STATE_FULL_SQL)
    else:
        store.execute(
            """DELETE FROM refresh_transaction WHERE khash IN (
                SELECT khash FROM refresh_changed WHERE old_fp IS NOT NULL)"""
        )
        store.execute(
            """INSERT INTO refresh_transaction
            SELECT khash, new_ahash, new_rec, new_fp FROM refresh_changed
            WHERE new_fp IS NOT NULL"""
        )
    store.execute("DROP TABLE IF EXISTS refresh_record")
    store.create("refresh_record")
    store.execute(RECORD_STATE_SQL)


def drop_temp(store: Store) -> None:
    for name in (
        "refresh_cand",
        "refresh_prev",
        "refresh_bad_record",
        "refresh_bad_now",
        "refresh_bad_prev",
        "refresh_changed",
        "refresh_records",
    ):
        store.execute(f"DROP TABLE IF EXISTS {name}")
