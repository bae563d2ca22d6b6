"""`custodes classify --export FILE.csv`: one row per award, safe to open in a
spreadsheet.

A cell that begins with = + - @ or a tab/carriage return is read as a formula by
spreadsheet
programs (e.g. a description crafted as =HYPERLINK(...)). Such text cells get a leading
apostrophe, the usual neutraliser; nothing else in the value changes, so stripping one
leading
apostrophe from those cells restores the original exactly.
"""

from __future__ import annotations

import csv
from pathlib import Path

from custodes.errors import InputError
from custodes.store.duckdb import Store

EXPORT_COLUMNS = (
    "generated_award_id",
    "category",
    "confidence",
    "recipient",
    "maker",
    "evidence",
    "component_category",
    "component_evidence",
    "profile_only",
    "conflict",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix formula-like text with an apostrophe; leave everything else alone."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def export_sql(source: str = "classification") -> str:
    """The export's rows from SOURCE: the classification table, or a SELECT of it as
    published (natural persons withheld; see custodes/figures/recipients.py)."""
    return f"""SELECT award_key AS generated_award_id, category, confidence,
                     recipient, maker, evidence, component_category,
                     component_evidence, profile_only, conflict
              FROM {source} ORDER BY award_key"""


def write_export(store: Store, path: Path, source: str = "classification") -> int:
    """Write the export CSV; returns the number of award rows written."""
    try:
        fh = path.open("w", newline="", encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"Cannot write {path}: {exc.strerror}. Choose another path."
        ) from exc
    cur = store.con.execute(export_sql(source))
    n = 0
    with fh:
        writer = csv.writer(fh)
        writer.writerow(EXPORT_COLUMNS)
        while batch := cur.fetchmany(50_000):
            writer.writerows([neutralise(v) for v in row] for row in batch)
            n += len(batch)
    return n
