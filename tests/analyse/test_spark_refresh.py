"""The analysis frame refreshed on Spark (local mode, real PySpark) from Parquet equals
the frame `custodes refresh` writes on DuckDB after the same delivery, row for row
(custodes/analyse/spark_refresh.py; docs/scale.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from custodes.analyse.spark_refresh import refresh_frame
from custodes.cli import main
from tests.conftest import FIXTURES

API = FIXTURES / "usaspending" / "api_search_small.csv"
BULK = FIXTURES / "usaspending" / "bulk_fy18_small.csv"


def cli(db: Path, *args: str) -> None:
    result = CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def frame_rows(spark, path: Path) -> list[tuple]:
    con = duckdb.connect()
    try:
        return con.execute(
            f"SELECT * FROM read_parquet('{path}/**/*.parquet') ORDER BY ALL"
            if path.is_dir()
            else f"SELECT * FROM read_parquet('{path}') ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()


@pytest.mark.spark
@pytest.mark.slow
def test_a_frame_refreshed_on_spark_equals_the_duckdb_refresh(spark_session, tmp_path):
    db = tmp_path / "store.duckdb"
    cli(db, "ingest", str(API))
    cli(db, "refresh")
    before = tmp_path / "before"
    cli(db, "analyse", "export", "--parquet", str(before))
    # a delivery: transactions of another fiscal year and format, refreshed on DuckDB
    cli(db, "ingest", str(BULK))
    cli(db, "refresh")
    after = tmp_path / "after"
    cli(db, "analyse", "export", "--parquet", str(after))

    # Spark's folder: the store's tables after the delivery (what resolve and classify
    # wrote), with the frame and award numbers as they were before it
    folder = tmp_path / "spark"
    shutil.copytree(after, folder)
    for name in ("analyse_frame", "award_number"):
        shutil.copyfile(before / f"{name}.parquet", folder / f"{name}.parquet")
    done = refresh_frame(spark_session, folder)
    assert done["awards"] > 0 and done["new_awards"] > 0
    assert done["rows_recomputed"] < done["frame_rows"]  # not everything

    want = frame_rows(None, after / "analyse_frame.parquet")
    assert frame_rows(None, folder / "analyse_frame.parquet") == want
    assert frame_rows(None, folder / "award_number.parquet") == frame_rows(
        None, after / "award_number.parquet"
    )
    assert len(want) == done["frame_rows"]
