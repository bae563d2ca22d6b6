"""Read-only access to the store for the web app: one connection, a cursor per request,
a time limit on every query, a cache of results, and a record of which tables exist."""

from __future__ import annotations

import os
import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from custodes.errors import CustodesError, NotFound
from custodes.store.duckdb import connect

T = TypeVar("T")


class QueryTimeout(CustodesError):
    """A query ran past the web app's time limit and was stopped."""


class Watchdog:
    """Stops queries that run past their deadline: one thread for all of them, checking
    every TICK seconds (a timer thread per query cost more than a small query)."""

    TICK = 0.05

    def __init__(self) -> None:
        self._watched: dict[int, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._next = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def watch(self, cursor: Any, seconds: float) -> int:
        with self._lock:
            self._next += 1
            self._watched[self._next] = (time.monotonic() + seconds, cursor)
            return self._next

    def forget(self, ticket: int) -> None:
        with self._lock:
            self._watched.pop(ticket, None)

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.TICK):
            now = time.monotonic()
            with self._lock:
                late = [t for t, (d, _) in self._watched.items() if d <= now]
                cursors = [self._watched.pop(t)[1] for t in late]
            for cur in cursors:
                try:
                    cur.interrupt()
                except duckdb.Error:  # pragma: no cover - closed meanwhile
                    pass


class Reader:
    """Opens the store read-only; queries run on their own cursor with a deadline.

    One DuckDB thread per query by default: under load, concurrent requests already
    use every core, and small queries lose more to coordination than they gain.
    Results are kept in a bounded LRU cache: while this process holds the store open,
    no other process can write it, so a result cannot go stale.
    """

    def __init__(
        self,
        path: Path,
        time_limit: float = 5.0,
        threads: int | None = 1,
        cache_size: int = 4096,
    ):
        if not Path(path).exists():
            raise NotFound(
                f"No store at {path}. Build one with `custodes ingest PATH...`."
            )
        config: dict[str, Any] = {"access_mode": "READ_ONLY"}
        if threads:
            config["threads"] = threads
        self.con = connect(Path(path), read_only=True, config=config)
        self.path = Path(path)
        self.time_limit = time_limit
        self.tables = {
            r[0]
            for r in self.con.execute(
                "SELECT table_name FROM information_schema.tables"
            ).fetchall()
        }
        # Values: a list of rows (`rows`) or a list of such lists (`batch`).
        self.cache: OrderedDict[tuple[str, tuple[Any, ...]], Any] = OrderedDict()
        self.cache_size = cache_size
        self.cache_hits = self.cache_misses = 0
        self._lock = threading.Lock()
        # At most one running query per core: more only makes every query slower and
        # lets them run into the time limit; requests wait their turn instead.
        self.slots = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))
        self.watchdog = Watchdog()
        self.derived_values: dict[str, Any] = {}
        self._derived_lock = threading.Lock()

    def has(self, table: str) -> bool:
        return table in self.tables

    def derived(self, name: str, build: Callable[[Reader], T]) -> T:
        """A value worked out once from the open store (vendor names, word counts, ...)
        by BUILD, kept under NAME: while this process holds the store open, no other
        process can write it, so the value cannot go stale. A new reader (a snapshot
        switch) starts without any."""
        with self._derived_lock:
            if name not in self.derived_values:
                self.derived_values[name] = build(self)
            return self.derived_values[name]

    def rows(
        self, sql: str, params: Sequence[Any] | None = None, cache: bool = True
    ) -> list[dict[str, Any]]:
        """The result as dicts; CACHE=False for results too large to keep (they are
        read again when asked again)."""
        if not cache:
            with self.slots:
                return self._run(sql, params)
        key = (sql, tuple(params or ()))
        with self._lock:
            found = self.cache.get(key)
            if found is not None:
                self.cache.move_to_end(key)
                self.cache_hits += 1
                return [dict(r) for r in found]
            self.cache_misses += 1
        with self.slots:
            result = self._run(sql, params)
        if self.cache_size:
            with self._lock:
                self.cache[key] = result
                while len(self.cache) > self.cache_size:
                    self.cache.popitem(last=False)
        return [dict(r) for r in result]

    def batch(
        self, statements: Sequence[tuple[str, Sequence[Any]]], cache: bool = True
    ) -> list[list[dict[str, Any]]]:
        """Several statements on one cursor (so they share its temporary tables), under
        one deadline; the results of each, cached together unless CACHE is False."""
        if not cache:
            with self.slots:
                return self._run_batch(statements)
        key = (
            "\x00".join(sql for sql, _ in statements),
            tuple(tuple(p) for _, p in statements),
        )
        with self._lock:
            found = self.cache.get(key)
            if found is not None:
                self.cache.move_to_end(key)
                self.cache_hits += 1
                return [[dict(r) for r in rows] for rows in found]
            self.cache_misses += 1
        with self.slots:
            results = self._run_batch(statements)
        if self.cache_size:
            with self._lock:
                self.cache[key] = results
                while len(self.cache) > self.cache_size:
                    self.cache.popitem(last=False)
        return [[dict(r) for r in rows] for rows in results]

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        """A cursor of its own under the time limit (QueryTimeout past it)."""
        cur = self.con.cursor()
        ticket = self.watchdog.watch(cur, self.time_limit)
        try:
            yield cur
        except duckdb.InterruptException as exc:
            raise QueryTimeout(
                f"The query took longer than {self.time_limit:g} s and was stopped. "
                "Narrow the search (add filters or a longer search text)."
            ) from exc
        finally:
            self.watchdog.forget(ticket)
            cur.close()

    def _run_batch(
        self, statements: Sequence[tuple[str, Sequence[Any]]]
    ) -> list[list[dict[str, Any]]]:
        results: list[list[dict[str, Any]]] = []
        with self._cursor() as cur:
            for sql, params in statements:
                res = cur.execute(sql, list(params))
                names = [d[0] for d in res.description or []]
                results.append(
                    [dict(zip(names, row, strict=True)) for row in res.fetchall()]
                    if names
                    else []
                )
        return results

    def integers(self, sql: str, params: Sequence[Any] | None = None) -> array[int]:
        """The first column of the result, whole numbers without NULLs, as an array
        of 64-bit integers, not cached: no Python object per row, for lists of ids
        thousands long (a vendor's awards)."""
        import numpy as np  # the web app's dependency (the search index uses it)

        column = next(iter(self.columns(sql, params).values()))
        return array("q", np.asarray(column, dtype=np.int64).tobytes())

    def columns(self, sql: str, params: Sequence[Any] | None = None) -> dict[str, Any]:
        """The result as one NumPy array per column, by name, not cached: for whole
        columns of a large table read once (each award's place in its table)."""
        with self.slots, self._cursor() as cur:
            return dict(cur.execute(sql, list(params or [])).fetchnumpy())

    def _run(self, sql: str, params: Sequence[Any] | None) -> list[dict[str, Any]]:
        return self._run_batch([(sql, params or [])])[0]

    def one(
        self, sql: str, params: Sequence[Any] | None = None
    ) -> dict[str, Any] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        row = self.one(sql, params)
        return next(iter(row.values())) if row else None

    def close(self) -> None:
        self.watchdog.stop()
        self.con.close()
