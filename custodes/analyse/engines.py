"""Where analyses run: one Ibis connection per engine, and the store's tables in it.

DuckDB reads the store file directly (read-only). Spark reads Parquet copies of the
store's tables (`custodes analyse export --parquet DIR`) or tables in a Spark
catalog database; PostgreSQL reads tables copied there with
`custodes analyse export --postgres`. The analyses themselves
(custodes/figures/analyses.py) never know which engine runs them.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from custodes.errors import ConfigError, InputError, NotFound
from custodes.settings import Settings
from custodes.store.duckdb import connect
from custodes.store.tables import table

ENGINES = ("duckdb", "spark", "postgres")

# Tables analyses read (in the order exports copy them).
ANALYSIS_TABLES = (
    "transaction",
    "ingest_run",
    "transaction_revision",
    "classification",
    "classification_run",
    "transaction_vendor",
    "vendor",
    "award_maker",
    "resolve_run",
    "analyse_frame",
    "analyse_award_maker",
    "analyse_award",
    "analyse_build",
    "award_number",  # the frame's award numbers (custodes refresh; spark_refresh.py)
)
# ... and the command that writes each of them (from the store's table registry).
TABLE_STAGE = {name: table(name).command for name in ANALYSIS_TABLES}


def _ibis() -> Any:
    try:
        import ibis
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ConfigError(
            "Analyses need Ibis. Install the engines extra: "
            "pip install 'custodes[engines]'."
        ) from exc
    return ibis


@dataclass
class Source:
    """An Ibis backend plus how to find the store's tables in it."""

    engine: str
    con: Any
    database: str | None = None
    _names: set[str] = field(default_factory=set)
    # Read the prepared analyse_frame when it is current (False: always join the raw
    # tables, as the benchmarks and tests do to compare the two paths).
    use_prepared: bool = True
    prepared: dict[str, Any] | None = None  # analyse_build row once checked, else {}

    def has(self, name: str) -> bool:
        if not self._names:
            self._names = set(
                self.con.list_tables(database=self.database)
                if self.database
                else self.con.list_tables()
            )
        return name in self._names

    def table(self, name: str) -> Any:
        """The table `name`, or NotFound naming the command that builds it."""
        if not self.has(name):
            stage = TABLE_STAGE.get(name, "ingest")
            raise NotFound(
                f"The {self.engine} source has no `{name}` table. "
                f"Run `custodes {stage}` on the store first"
                + (
                    ""
                    if self.engine == "duckdb"
                    else ", then copy it again with `custodes analyse export`"
                )
                + "."
            )
        if self.database:
            return self.con.table(name, database=self.database)
        return self.con.table(name)


@contextmanager
def open_source(
    settings: Settings,
    engine: str = "duckdb",
    source: str | None = None,
    spark_master: str = "local[2]",
) -> Iterator[Source]:
    """Connect to ENGINE. `source`: Parquet folder or `catalog:DB` (Spark), URL
    (Postgres)."""
    if engine == "duckdb":
        with _duckdb_source(settings, source) as src:
            yield src
    elif engine == "spark":
        yield spark_source(build_spark_session(spark_master), source)
    elif engine == "postgres":
        if not source:
            raise InputError(
                "The postgres engine needs --source postgresql://USER@HOST:PORT/DB."
            )
        ibis = _ibis()
        url = source if "://" in source else f"postgres:///{source}"
        con = ibis.connect(url.replace("postgresql://", "postgres://", 1))
        try:
            yield Source("postgres", con)
        finally:
            con.disconnect()
    else:
        raise InputError(
            f"Unknown engine {engine!r}. Choose one of: {', '.join(ENGINES)}."
        )


class _DuckDBCompat:
    """DuckDB 2 renamed fetch_arrow_table/fetch_record_batch, which Ibis 12 still calls.

    A thin proxy over the connection (and the cursors it returns) restores the old
    names.
    """

    def __init__(self, con: Any) -> None:
        self._con = con

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    def execute(self, *args: Any, **kwargs: Any) -> _DuckDBCompat:
        return _DuckDBCompat(self._con.execute(*args, **kwargs))

    def cursor(self) -> _DuckDBCompat:
        return _DuckDBCompat(self._con.cursor())

    def fetch_arrow_table(self) -> Any:
        fetch = (
            getattr(self._con, "fetch_arrow_table", None) or self._con.to_arrow_table
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return fetch()

    def fetch_record_batch(self, rows_per_batch: int = 1_000_000) -> Any:
        if hasattr(self._con, "fetch_record_batch"):
            return self._con.fetch_record_batch(rows_per_batch)
        return self._con.to_arrow_reader(rows_per_batch)


def connect_duckdb(path: Path, memory_limit: str | None = None) -> Any:
    """An Ibis DuckDB backend over the store file, read-only."""
    config = {"memory_limit": memory_limit} if memory_limit else {}
    raw = connect(path, read_only=True, config=config)
    return _ibis().duckdb.from_connection(_DuckDBCompat(raw))


@contextmanager
def _duckdb_source(settings: Settings, source: str | None) -> Iterator[Source]:
    path = Path(source or settings.db).expanduser()
    if not path.exists():
        raise NotFound(f"No store at {path}. Build one with `custodes ingest PATH...`.")
    con = connect_duckdb(path)
    try:
        yield Source("duckdb", con)
    finally:
        con.con.close()


def build_spark_session(
    master: str = "local[2]", config: dict[str, str] | None = None
) -> Any:
    """A SparkSession (reused if one is running). Real clusters: master spark://HOST:7077."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover
        raise ConfigError(
            "The spark engine needs PySpark: pip install 'custodes[engines]'."
        ) from exc
    builder = (
        SparkSession.builder.master(master)
        .appName("custodes")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
    )
    for key, value in (config or {}).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def spark_source(session: Any, source: str | None) -> Source:
    """Register Parquet tables (folder of NAME.parquet) as temp views, or use a
    catalog DB."""
    if not source:
        raise InputError(
            "The spark engine needs --source: a folder written by "
            "`custodes analyse export --parquet DIR`, or catalog:DATABASE."
        )
    con = _ibis().pyspark.connect(session)
    if source.startswith("catalog:"):
        return Source("spark", con, database=source.removeprefix("catalog:"))
    folder = Path(source)
    if not folder.is_dir() and "://" not in source:
        raise NotFound(
            f"No Parquet folder at {folder}. Write one with "
            "`custodes analyse export --parquet DIR`."
        )
    names = []
    for name in TABLE_STAGE:
        path = f"{source.rstrip('/')}/{name}.parquet"
        if "://" not in source and not Path(path).exists():
            continue
        try:
            session.read.parquet(path).createOrReplaceTempView(name)
        except Exception:  # noqa: BLE001 - a remote folder without this optional table
            if name == "transaction":
                raise
            continue
        names.append(name)
    return Source("spark", con, _names=set(names))
