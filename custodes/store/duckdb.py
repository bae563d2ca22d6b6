"""DuckDB store: connection handling, schema, and the atomic write path."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from custodes.errors import BackendError, NotFound, StoreBusy
from custodes.settings import Settings
from custodes.store.lock import (
    asking_release,
    held_open_message,
    reader_holding,
    writer_lock,
)
from custodes.store.tables import ddl, schema_sql

SCHEMA_VERSION = "1"


class Store:
    """One open DuckDB connection. Use `open_store` rather than building this."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool):
        self.con = con
        self.path = path
        self.read_only = read_only

    def execute(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None
    ) -> list[tuple]:
        try:
            return self.con.execute(sql, params or []).fetchall()
        except duckdb.Error as exc:
            raise BackendError(f"{exc}\nSQL: {sql.strip()[:500]}") from exc

    def rows(
        self, sql: str, params: Sequence[Any] | None = None
    ) -> list[dict[str, Any]]:
        """Run a query and return a list of dicts keyed by column name."""
        try:
            cur = self.con.execute(sql, params or [])
        except duckdb.Error as exc:
            raise BackendError(f"{exc}\nSQL: {sql.strip()[:500]}") from exc
        names = [d[0] for d in cur.description or []]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        result = self.execute(sql, params)
        return result[0][0] if result else None

    def create(self, name: str) -> None:
        """Create the registered table NAME from its DDL (custodes/store/tables.py)."""
        self.execute(ddl(name))

    def has_table(self, name: str) -> bool:
        return bool(
            self.scalar(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                [name],
            )
        )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: on any exception (or a kill) nothing of it is kept."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")

    def close(self) -> None:
        self.con.close()


def connect(
    path: Path, *, read_only: bool, config: Mapping[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to the store file at PATH: the one place custodes opens one.

    Writers use `open_store(write=True)` (lock and schema first), the web app a
    `Reader`, analyses `connect(path, read_only=True)`. A store open for writing in
    another process gives StoreBusy, any other failure to open it BackendError."""
    try:
        return duckdb.connect(str(path), read_only=read_only, config=dict(config or {}))
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower() and not read_only:
            # the writer lock is ours: a reader (or a foreign writer) has the file
            raise StoreBusy(held_open_message(path, str(exc))) from exc
        if "lock" in str(exc).lower():
            raise StoreBusy(
                f"The store {path} is open for writing in another process. "
                "Wait for it to finish (ingest, sync, resolve, classify), then retry."
            ) from exc
        raise BackendError(f"Could not open the store {path}: {exc}") from exc


# How long a writer waits for a plain `custodes serve` to hand the store over (it
# copies the store, then lets its pages being answered finish).
HANDOVER_WAIT = 120.0


def _connect_writer(
    path: Path, settings: Settings, command: str
) -> duckdb.DuckDBPyConnection:
    """The writer's connection. A store held by a reader that hands it over (a plain
    `custodes serve`, custodes/store/snapshot.py Handover) is asked for, and waited
    for up to HANDOVER_WAIT seconds; any other holder refuses the writer at once."""
    try:
        return connect(path, read_only=False, config=_config(settings))
    except StoreBusy:
        holder = reader_holding(path)
        if holder is None or not holder.get("handover"):
            raise
    wait = max(HANDOVER_WAIT, settings.lock_wait)
    deadline = time.monotonic() + wait
    with asking_release(path, command):
        while True:
            time.sleep(0.1)
            try:
                return connect(path, read_only=False, config=_config(settings))
            except StoreBusy as exc:
                if time.monotonic() >= deadline:
                    raise StoreBusy(f"{exc} (Waited {wait:.0f} s.)") from exc


def connect_memory() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB database (for work that never touches the store file)."""
    return duckdb.connect(":memory:")


def _config(settings: Settings) -> dict[str, Any]:
    return {"memory_limit": settings.memory_limit}


@contextmanager
def open_store(
    settings: Settings, write: bool = False, command: str = "custodes"
) -> Iterator[Store]:
    """Open the store. Writers take the writer lock first and apply the schema.

    Readers of a store that does not exist yet get NotFound with the command to build
    it.
    """
    path = Path(settings.db).expanduser()
    if not write:
        if not path.exists():
            raise NotFound(
                f"No store at {path}. Build one with `custodes ingest PATH...` "
                "(or set --db / CUSTODES_DB to an existing store)."
            )
        con = connect(path, read_only=True, config=_config(settings))
        try:
            yield Store(con, path, read_only=True)
        finally:
            con.close()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with writer_lock(path, command, wait=settings.lock_wait):
        con = _connect_writer(path, settings, command)
        try:
            con.execute(schema_sql())
            con.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                [SCHEMA_VERSION],
            )
            yield Store(con, path, read_only=False)
        finally:
            con.close()
