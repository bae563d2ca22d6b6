"""Judge a store's recipients again when the person detector changes.

`custodes persons rejudge` reads every distinct recipient name in the store with the
evidence all its rows hold (identifiers, parents, and for formats with business-type
flags, such as bulk rows, the flags kept in the raw row), judges each name once with
custodes.model.persons, and in one transaction:

* sets `transaction.recipient_is_individual` to the judgement, both ways (an
  organisation withheld by an older detector is shown again);
* drops the contact columns (address, ZIP+4, phone, fax: each format's
  `contact_columns`) of every row of a name now judged a person's, in the stored raw
  row, in the earlier versions kept in `transaction_revision` and in quarantined raw
  rows. Nothing is ever restored: a
  name no longer judged a person's keeps whatever was dropped;
* records the detector's version in `meta` (key `person_detector`).

Ingest records the version too, while every row was judged by it (meta.py explains).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from custodes import sources
from custodes.ingest.fields import sql_str
from custodes.ingest.rawrow import AS_LIST, raw_values_are_json
from custodes.ingest.recipients import PERSONS_TABLE, TRUE_SQL
from custodes.model import persons as detector
from custodes.sources.base import Format
from custodes.store.duckdb import Store
from custodes.store.sql import ident

META_KEY = "person_detector"


@dataclass
class RejudgeReport:
    detector: str
    previous: str | None  # the version recorded in the store before
    names: int = 0  # distinct recipient names judged
    persons: int = 0  # of them, natural persons
    rows_now_individual: int = 0
    rows_no_longer_individual: int = 0
    rows_contacts_dropped: int = 0  # bulk rows whose contact columns were emptied
    dry_run: bool = False

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def recorded_version(store: Store) -> str | None:
    if not store.has_table("meta"):
        return None
    row = store.rows("SELECT value FROM meta WHERE key = ?", [META_KEY])
    return row[0]["value"] if row else None


def record_version(store: Store, version: str) -> None:
    store.con.execute("DELETE FROM meta WHERE key = ?", [META_KEY])
    store.con.execute("INSERT INTO meta VALUES (?, ?)", [META_KEY, version])


# The evidence every stored row has in its canonical columns.
IDS = detector.RECIPIENT_COLUMNS


def _raw_value(column: str) -> str:
    """A column of the stored raw row (positions from its file's header)."""
    return f"t.vals[list_position(f.header, {sql_str(column)})]"


def _raw_evidence_sql(fmt: Format) -> list[str]:
    """The evidence only the raw rows of `fmt` hold: its other evidence columns as
    values, its flag columns true if any row of the name sets them."""
    values = [
        f"{_raw_value(col)} AS {ident(name)}"
        for name, col in fmt.evidence_columns.items()
        if name not in IDS
    ]
    flags = [
        f"bool_or(lower(trim({_raw_value(c)})) IN {TRUE_SQL}) AS {ident(c)}"
        for c in fmt.flag_columns
    ]
    return values + flags


def _names(formats: list[Format]) -> str:
    return ", ".join(sql_str(fmt.name) for fmt in formats)


def evidence_rows_sql(json_values: bool = True) -> str:
    """Each stored name with its identifiers, and the flags of its rows whose format
    has flag columns (bulk rows)."""
    ids = ", ".join(f"t.{c}" for c in IDS)
    values = AS_LIST.format("raw_values") if json_values else "raw_values"
    flagged = [fmt for fmt in sources.formats() if fmt.flag_columns]
    parts = [
        f"SELECT {ids}, {', '.join(_raw_evidence_sql(fmt))} FROM (SELECT *, "
        f'{values} AS vals FROM "transaction" WHERE source_format = '
        f"{sql_str(fmt.name)} AND recipient_name IS NOT NULL) t JOIN source_file f "
        "ON f.run_id = t.ingest_run_id AND f.display = t.source_file GROUP BY ALL"
        for fmt in flagged
    ]
    others = (
        f"(t.source_format IS NULL OR t.source_format NOT IN ({_names(flagged)})) AND "
        if flagged
        else ""
    )
    parts.append(
        f'SELECT DISTINCT {ids} FROM "transaction" t WHERE {others}'
        "t.recipient_name IS NOT NULL"
    )
    return " UNION ALL BY NAME ".join(parts)


def rejudge(store: Store, *, dry_run: bool = False) -> RejudgeReport:
    report = RejudgeReport(detector.DETECTOR_VERSION, recorded_version(store))
    report.dry_run = dry_run
    rows = store.rows(evidence_rows_sql(raw_values_are_json(store.con)))
    evidence = detector.evidence_from_rows(rows)
    names = sorted({r["recipient_name"] for r in rows})
    judged = detector.judge_names(names, evidence)
    found = [n for n in names if judged[n].is_person]
    report.names, report.persons = len(names), len(found)
    con = store.con
    con.execute(f"CREATE OR REPLACE TEMP TABLE {PERSONS_TABLE} (name VARCHAR)")
    if found:
        con.executemany(
            f"INSERT INTO {PERSONS_TABLE} VALUES (?)", [(n,) for n in found]
        )
    now = f"coalesce(recipient_name IN (SELECT name FROM {PERSONS_TABLE}), FALSE)"
    was = "coalesce(recipient_is_individual, FALSE)"
    report.rows_now_individual = store.scalar(
        f'SELECT count(*) FROM "transaction" WHERE {now} AND NOT {was}'
    )
    report.rows_no_longer_individual = store.scalar(
        f'SELECT count(*) FROM "transaction" WHERE {was} AND NOT {now}'
    )
    if dry_run:
        return report
    with store.transaction():
        report.rows_contacts_dropped = _drop_contacts(store)
        con.execute(
            f'UPDATE "transaction" SET recipient_is_individual = {now} '
            f"WHERE recipient_is_individual IS DISTINCT FROM {now}"
        )
        record_version(store, detector.DETECTOR_VERSION)
    return report


def _drop_contacts(store: Store) -> int:
    """Empty the contact columns of the rows of names judged persons (stored raw
    rows, earlier versions, quarantined raw rows) in every format that has contact
    columns; returns how many stored rows had any to drop."""
    con = store.con
    json_values = raw_values_are_json(con)
    formats = [fmt for fmt in sources.formats() if fmt.contact_columns]
    if not formats:
        return 0
    columns = list(dict.fromkeys(c for fmt in formats for c in fmt.contact_columns))
    contacts = ", ".join(sql_str(c) for c in columns)
    values = AS_LIST.format("raw_values") if json_values else "raw_values"
    # Where the contact columns sit in each file's header (1-based positions).
    con.execute(
        "CREATE OR REPLACE TEMP TABLE contact_position AS SELECT run_id, display, "
        "list_filter(list_transform(header, lambda h, i: CASE WHEN h IN "
        f"({contacts}) THEN i END), lambda p: p IS NOT NULL) AS pos "
        f"FROM source_file WHERE format IN ({_names(formats)})"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE contact_dropped AS SELECT t.transaction_key, "
        "list_transform(t.vals, lambda v, i: CASE WHEN list_contains(f.pos, i) "
        "THEN NULL ELSE v END) AS vals "
        f"FROM (SELECT transaction_key, ingest_run_id, source_file, {values} AS vals "
        f'FROM "transaction" WHERE source_format IN ({_names(formats)}) '
        f"AND recipient_name IN (SELECT name FROM {PERSONS_TABLE})) t "
        "JOIN contact_position f "
        "ON f.run_id = t.ingest_run_id AND f.display = t.source_file "
        "WHERE len(list_filter(list_transform(f.pos, lambda p: t.vals[p]), "
        "lambda v: v IS NOT NULL)) > 0"
    )
    new = "to_json(d.vals)::VARCHAR" if json_values else "d.vals"
    con.execute(
        f'UPDATE "transaction" SET raw_values = {new} FROM contact_dropped d '
        'WHERE "transaction".transaction_key = d.transaction_key'
    )
    patch = sql_str("{" + ", ".join(f'"{c}": null' for c in columns) + "}")
    names = dict.fromkeys(fmt.recipient_column for fmt in formats)
    for table, column in (
        ("transaction_revision", "raw_json"),
        ("quarantine", "raw_text"),
    ):
        person = " OR ".join(
            f"json_extract_string({column}, {sql_str(_json_path(name))}) "
            f"IN (SELECT name FROM {PERSONS_TABLE})"
            for name in names
            if name
        )
        con.execute(
            f"UPDATE {table} SET {column} = "
            f"json_merge_patch({column}, {patch})::VARCHAR "
            f"WHERE json_valid({column}) AND ({person or 'FALSE'})"
        )
    return int(store.scalar("SELECT count(*) FROM contact_dropped"))


def _json_path(key: str) -> str:
    """The JSON path of a top-level key: $.name, or $."a name" when it needs quotes."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        return f"$.{key}"
    return '$."' + key.replace('"', '\\"') + '"'
