"""The stored raw row: values equal to their canonical column are not stored twice.

`transaction.raw_values` holds the raw source row (after data minimisation) in the order
of the file's header, as a JSON array of strings and nulls (stores made before it was
JSON hold a VARCHAR[] list instead: both are read, and an ingest writes the store's own
type). Where a raw value is byte-identical to the text of the canonical
column it feeds (the description, the recipient name, the PSC and NAICS texts, the PIID,
the award id, the date ...), the list holds NULL instead, and the `source_row` view
puts the canonical value back. A column is elided only if a NULL raw value always gives
a NULL canonical value (under the condition given), so a NULL in the list is never
ambiguous: either the value was elided and the canonical column restores it, or both
are NULL.
"""

from __future__ import annotations

import duckdb

from custodes import sources
from custodes.ingest.fields import sql_str
from custodes.sources.base import Format

# Which raw columns each format elides, and the condition, is the format's own
# (`Format.elided`, for USAspending custodes/sources/usaspending/rawrow.py).


def stored_value_sql(fmt: Format, name: str, raw: str) -> str:
    """The list element stored for raw column `name` (SQL `raw`), canonical columns
    in scope by name: NULL where the canonical column restores it exactly."""
    target = fmt.elided.get(name)
    if target is None:
        return raw
    column, condition = target
    return (
        f"CASE WHEN ({condition}) AND {raw} = {column}::VARCHAR THEN NULL "
        f"ELSE {raw} END"
    )


def _restore_case(t: str, name: str) -> str:
    """SQL: the canonical value that restores the raw column named by SQL `name`."""
    by_format = []
    for fmt in sources.formats():
        if not fmt.elided:
            continue
        columns = fmt.elided
        whens = " ".join(
            f"WHEN {sql_str(raw)} THEN CASE WHEN {_qualify(t, cond)} "
            f"THEN {t}.{column}::VARCHAR END"
            for raw, (column, cond) in columns.items()
        )
        by_format.append(f"WHEN {sql_str(fmt.name)} THEN CASE {name} {whens} END")
    if not by_format:
        return "NULL::VARCHAR"
    return f"CASE {t}.source_format {' '.join(by_format)} END"


def _qualify(t: str, condition: str) -> str:
    return condition.replace("award_key_source", f"{t}.award_key_source")


# The type of transaction.raw_values in the store at hand.
RAW_VALUES_TYPE_SQL = (
    "SELECT data_type FROM information_schema.columns "
    "WHERE table_name = 'transaction' AND column_name = 'raw_values'"
)
AS_LIST = "from_json({}, '[\"VARCHAR\"]')"  # JSON array text -> VARCHAR[]


def raw_values_are_json(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store keeps raw_values as JSON text, or as a list (older stores)."""
    row = con.execute(RAW_VALUES_TYPE_SQL).fetchone()
    return row is None or row[0] != "VARCHAR[]"


def raw_json_sql(t: str = "t", f: str = "f") -> str:
    """SQL: the raw row of transaction alias `t` as a JSON object, header from `f`;
    `t` has the stored values as a list in column __values."""
    value = f"coalesce({t}.__values[i], {_restore_case(t, f'{f}.header[i]')})"
    return (
        f"to_json(map({f}.header, list_transform(range(1, len({f}.header) + 1), "
        f"lambda i: {value})))::VARCHAR"
    )


def source_row_view_sql(json_values: bool = True) -> str:
    values = AS_LIST.format("raw_values") if json_values else "raw_values"
    return (
        "CREATE OR REPLACE VIEW source_row AS SELECT t.transaction_key, "
        f"{raw_json_sql()} AS raw_json "
        f'FROM (SELECT *, {values} AS __values FROM "transaction") t '
        "JOIN source_file f "
        "ON f.run_id = t.ingest_run_id AND f.display = t.source_file"
    )


def create_source_row_view(con: duckdb.DuckDBPyConnection) -> None:
    """Create (or bring up to date) the `source_row` view for the store's raw_values
    type. Ingest calls it before it writes, so every store with transactions has it."""
    con.execute(source_row_view_sql(raw_values_are_json(con)))
