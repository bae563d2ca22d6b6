"""The store: one DuckDB file that every stage reads and writes through."""

from custodes.store.duckdb import Store, open_store

__all__ = ["Store", "open_store"]
