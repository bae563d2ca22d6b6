"""What the figures read their tables from: any engine Ibis can run on.

`custodes.analyse.engines` opens one (DuckDB on the store file, Spark on Parquet copies,
PostgreSQL on copied tables); the figures only ask it for tables by name.
"""

from __future__ import annotations

from typing import Any, Protocol


class TableSource(Protocol):
    """An Ibis backend plus how to find the store's tables in it."""

    engine: str
    # Read the prepared analyse_frame when it is current (False: always join the raw
    # tables, as the benchmarks and tests do to compare the two paths).
    use_prepared: bool
    prepared: dict[str, Any] | None  # analyse_build row once checked, else {}

    def has(self, name: str) -> bool:
        """Whether the source holds table NAME."""
        ...

    def table(self, name: str) -> Any:
        """The table NAME as an Ibis table, or NotFound naming the command to run."""
        ...
