"""The analysis frame refreshed on Spark, from Parquet, exactly as `custodes refresh`
refreshes it on DuckDB.

A store too large for one machine keeps its tables as Parquet (written by `custodes
analyse export --parquet DIR`, then appended to by each delivery). `refresh_frame`
brings DIR/analyse_frame.parquet up to date on a Spark cluster (or local mode) for the
awards a delivery touched:

1. the awards to recompute: those of transactions written by ingest runs newer than the
   frame's latest (new and changed transactions), or a list the caller gives (e.g.
   awards reclassified);
2. awards new to DIR/award_number.parquet get the next numbers, in award-key order, as
   custodes/figures/award_numbers.py numbers them;
3. the frame's rows of those awards are dropped and computed again with the frame's own
   SQL (custodes/figures/analyse_tables.py `frame_rows_sql`, translated from DuckDB's
   dialect to Spark's by sqlglot), over those awards' transactions only: the flags
   (first year of an award, vendor, family, ...) are worked out within each award;
4. the new frame and award numbers are written beside the old ones and swapped in.

Cost grows with the awards touched plus one pass over the Parquet frame (Spark rewrites
a file, it does not update it in place). Resolve and classify still run where the
store is (their outputs, `classification`, `transaction_vendor`, `vendor`, are read
from DIR). tests/analyse/test_spark_refresh.py checks that a frame refreshed on Spark
local mode equals the one `custodes refresh` writes on DuckDB, row for row.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from custodes.figures.analyse_tables import frame_rows_sql

# the tables the frame's SQL reads, as Parquet files of the folder
READS = ("transaction", "classification", "transaction_vendor", "vendor")


def _spark_sql(duckdb_sql: str) -> str:
    import sqlglot

    return str(sqlglot.transpile(duckdb_sql, read="duckdb", write="spark")[0])


def refresh_frame(
    session: Any, folder: str | Path, awards: Sequence[str] | None = None
) -> dict[str, Any]:
    """Refresh FOLDER/analyse_frame.parquet (and award_number.parquet) on SESSION for
    AWARDS (default: the awards of transactions newer than the frame). Returns what
    it did."""
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window

    base = Path(folder)
    for name in (*READS, "analyse_frame", "award_number"):
        session.read.parquet(str(base / f"{name}.parquet")).createOrReplaceTempView(
            f"sr_{name}"
        )
    frame = session.table("sr_analyse_frame")
    tx = session.table("sr_transaction")
    if awards is None:
        watermark = frame.agg(F.max("ingest_run_id")).first()[0]
        touched = (
            tx.where(F.col("ingest_run_id") > F.lit(watermark if watermark else -1))
            .select("award_key")
            .distinct()
        )
    else:
        touched = session.createDataFrame([(a,) for a in awards], "award_key string")
    touched = touched.cache()
    touched.createOrReplaceTempView("sr_touched")
    # award numbers for new awards, after the largest given
    numbers = session.table("sr_award_number")
    top = numbers.agg(F.max("award_no")).first()[0] or 0
    new_keys = touched.join(numbers, "award_key", "left_anti")
    numbered = new_keys.withColumn(
        "award_no",
        (F.lit(top) + F.row_number().over(Window.orderBy("award_key"))).cast("int"),
    )
    all_numbers = numbers.unionByName(numbered).cache()
    all_numbers.createOrReplaceTempView("award_number")
    # the touched awards' transactions, and the frame's SQL over them
    tx.join(touched, "award_key", "left_semi").createOrReplaceTempView("sr_tx")
    have = {
        "classification": True,
        "transaction_vendor": True,
        "vendor": True,
        "award_maker": False,
        "component_category": "component_category"
        in session.table("sr_classification").columns,
    }
    sql = frame_rows_sql(have, "sr_tx", "sr_transaction_vendor")
    sql = sql.replace("FROM classification", "FROM sr_classification").replace(
        "FROM vendor", "FROM sr_vendor"
    )
    rows = session.sql(_spark_sql(sql))
    columns = frame.columns
    kept = frame.join(touched, "award_key", "left_anti").select(*columns)
    new = kept.unionByName(rows.select(*columns))
    counts = {
        "awards": touched.count(),
        "new_awards": numbered.count(),
        "rows_recomputed": rows.count(),
    }
    _swap(new, base / "analyse_frame.parquet")
    _swap(all_numbers, base / "award_number.parquet")
    counts["frame_rows"] = session.read.parquet(
        str(base / "analyse_frame.parquet")
    ).count()
    touched.unpersist()
    all_numbers.unpersist()
    return counts


def _swap(frame: Any, target: Path) -> None:
    """Write FRAME beside TARGET, then put it in TARGET's place (a local or mounted
    folder; on object stores write to a new prefix and point readers at it)."""
    fresh = target.with_name(target.name + ".new")
    old = target.with_name(target.name + ".old")
    frame.write.mode("overwrite").parquet(str(fresh))
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    if old.is_dir():
        shutil.rmtree(old)
    elif old.exists():
        old.unlink()
