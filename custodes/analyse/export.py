"""Copy the store's analysis tables to other engines: Parquet (for Spark) and
PostgreSQL.

Types are kept: money stays DECIMAL(18,2) / NUMERIC(18,2), dates stay DATE. The copies
are published as everything custodes publishes: natural persons' names, and the raw
rows that carry them, are withheld (custodes/figures/recipients.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from custodes.analyse.engines import TABLE_STAGE
from custodes.errors import ConfigError, NotFound
from custodes.figures.recipients import published_sql
from custodes.store.duckdb import Store
from custodes.store.sql import ident, literal

# DuckDB type -> PostgreSQL type for the columns the store uses.
PG_TYPES = {
    "VARCHAR": "TEXT",
    "INTEGER": "INTEGER",
    "BIGINT": "BIGINT",
    "BOOLEAN": "BOOLEAN",
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMP",
    "DOUBLE": "DOUBLE PRECISION",
    "DECIMAL(18,2)": "NUMERIC(18,2)",
    "FLOAT": "REAL",
    "SMALLINT": "SMALLINT",
}


def present_tables(store: Store) -> list[str]:
    return [name for name in TABLE_STAGE if store.has_table(name)]


def write_parquet(store: Store, folder: Path) -> dict[str, int]:
    """Write each analysis table as FOLDER/NAME.parquet; returns rows per table."""
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for name in present_tables(store):
        target = folder / f"{name}.parquet"
        rows = published_sql(name, _columns(store, name), ident)
        store.con.execute(f"COPY ({rows}) TO {literal(target)} (FORMAT parquet)")
        counts[name] = int(store.scalar(f"SELECT count(*) FROM {ident(name)}"))
    if "transaction" not in counts:
        raise NotFound("The store has no transactions. Run `custodes ingest` first.")
    return counts


def _columns(store: Store, name: str) -> list[str]:
    return [c for c, _ in _typed_columns(store, name)]


def _typed_columns(store: Store, name: str) -> list[tuple[str, str]]:
    return [
        (r[0], r[1])
        for r in store.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = ? ORDER BY ordinal_position",
            [name],
        )
    ]


def create_table_pg_sql(name: str, columns: list[tuple[str, str]]) -> str:
    cols = ", ".join(f"{ident(c)} {PG_TYPES.get(t, 'TEXT')}" for c, t in columns)
    return f"DROP TABLE IF EXISTS {ident(name)}; CREATE TABLE {ident(name)} ({cols})"


def write_postgres(
    store: Store, url: str, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Replace the analysis tables in PostgreSQL at URL, all in one transaction."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover
        raise ConfigError(
            "Copying to PostgreSQL needs psycopg: pip install 'custodes[engines]'."
        ) from exc
    counts: dict[str, int] = {}
    with psycopg.connect(url) as pg, pg.cursor() as cur:
        for name in present_tables(store):
            columns = _typed_columns(store, name)
            cur.execute(create_table_pg_sql(name, columns))
            counts[name] = _copy_rows(store.con, cur, name, [c for c, _ in columns])
            if progress:
                progress(name, counts[name])
        pg.commit()
    return counts


def _copy_rows(
    con: duckdb.DuckDBPyConnection, cur: object, name: str, columns: list[str]
) -> int:
    cols = ", ".join(ident(c) for c in columns)
    result = con.execute(published_sql(name, columns, ident))
    rows = 0
    with cur.copy(f"COPY {ident(name)} ({cols}) FROM STDIN") as copy:  # type: ignore[attr-defined]
        while batch := result.fetchmany(10_000):
            for row in batch:
                copy.write_row(row)
            rows += len(batch)
    return rows
