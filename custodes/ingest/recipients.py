"""Which recipients of an ingest batch are natural persons: one judgement per name.

Before the check pass, each file of the batch is read once more, for its recipient
columns only, grouped in DuckDB (a few thousand groups even at 10M rows).
custodes.model.persons judges every distinct name once, with the evidence the rows
hold (bulk business-type flags, identifiers shared with other names, parent names), and
the raw names judged persons go to the temp table `recipient_person`, which the
minimisation SQL reads (canonical.minimised_select_sql): such rows are stored with
`recipient_is_individual` set and their contact columns empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from custodes.errors import InputError
from custodes.ingest import files as src
from custodes.ingest.canonical import q
from custodes.ingest.fields import trim_sql
from custodes.model import persons as detector
from custodes.sources import detect_format
from custodes.sources.base import Format
from custodes.store.duckdb import Store

PERSONS_TABLE = "recipient_person"
TRUE_SQL = "('t', 'true', 'y', 'yes', '1')"


@dataclass
class BatchPersons:
    """What the detector found in one batch (reported by ingest)."""

    names: int = 0  # distinct recipient names judged
    persons: list[str] = field(default_factory=list)  # raw names judged persons
    version: str = detector.DETECTOR_VERSION


def evidence_sql(fmt: Format, header: list[str], reader: str) -> str:
    """One row per distinct recipient name and identifiers, with the flags any of its
    rows sets (SQL; runs nothing)."""
    have = set(header)
    keys = [
        f"{q(col)} AS {name}"
        for name, col in fmt.evidence_columns.items()
        if col in have
    ]
    flags = [
        f"bool_or(lower({trim_sql(q(c))}) IN {TRUE_SQL}) AS {c}"
        for c in fmt.flag_columns
        if c in have
    ]
    name = q(fmt.evidence_columns["recipient_name"])  # callers check it is there
    return (
        f"SELECT {', '.join(keys + flags)} FROM {reader} "
        f"WHERE nullif(trim({name}), '') IS NOT NULL GROUP BY ALL"
    )


def _file_rows(store: Store, source: src.SourceFile, i: int) -> list[dict]:
    from custodes.ingest.stage import read_csv_sql  # stage imports this module

    try:
        header = src.read_header(source)
        fmt = detect_format(header, source.display)
    except InputError:
        return []  # the check pass refuses the file and says why
    if fmt.recipient_column not in header:
        return []  # no recipients to judge
    reader = read_csv_sql(source, header, i, rejects=False)
    try:
        cur = store.con.execute(evidence_sql(fmt, header, reader))
    except duckdb.Error:
        return []  # unreadable: the check pass refuses the file and says why
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def judge_batch(store: Store, sources: list[src.SourceFile]) -> BatchPersons:
    """Judge every recipient name of the batch; fill temp table `recipient_person`."""
    rows: list[dict] = []
    for i, source in enumerate(sources):
        rows += _file_rows(store, source, i)
    evidence = detector.evidence_from_rows(rows)
    names = sorted({r["recipient_name"] for r in rows})
    judged = detector.judge_names(names, evidence)
    found = [n for n in names if judged[n].is_person]
    con = store.con
    con.execute(f"CREATE OR REPLACE TEMP TABLE {PERSONS_TABLE} (name VARCHAR)")
    if found:
        con.executemany(
            f"INSERT INTO {PERSONS_TABLE} VALUES (?)", [(n,) for n in found]
        )
    return BatchPersons(names=len(names), persons=found)
