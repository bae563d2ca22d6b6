"""`custodes classify --export FILE.csv`: one row per award, safe to open in a
spreadsheet.

Cells are written through custodes/csvfile.py, as every CSV custodes writes: a text
cell that a spreadsheet could read as a formula (it begins, perhaps after spaces, with
= + - @ or a tab/carriage return, e.g. a description crafted as =HYPERLINK(...)) gets
a leading apostrophe; nothing else in the value changes, so stripping that apostrophe
restores the original exactly. Numbers stay numbers.
"""

from __future__ import annotations

from pathlib import Path

from custodes import sources
from custodes.csvfile import FORMULA_START, Writer, cell
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
    "usaspending_url",
)
__all__ = ["EXPORT_COLUMNS", "FORMULA_START", "neutralise", "write_export"]


def neutralise(value: object) -> object:
    """A value as the export writes it (custodes.csvfile.cell)."""
    return cell(value)


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
        writer = Writer(fh)
        writer.row(EXPORT_COLUMNS)
        while batch := cur.fetchmany(50_000):
            writer.rows([*row, sources.record_url(row[0])] for row in batch)
            n += len(batch)
    return n
