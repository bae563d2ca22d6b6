"""The same analyses on DuckDB, Spark (local mode) and PostgreSQL agree to the cent.

Runs on the real data (../shared) with rule-made classification/vendor tables.
"""

from __future__ import annotations

from datetime import date

import pytest

from custodes.analyse.engines import open_source, spark_source
from custodes.analyse.export import write_parquet, write_postgres
from custodes.figures import analyses
from custodes.figures.definition import Definition
from custodes.figures.frame import DIMENSIONS, Filters
from custodes.settings import Settings
from custodes.store import open_store

pytestmark = [pytest.mark.shared, pytest.mark.slow]

ICE_21_24 = Filters(sub_agencies=("7012",), fy_from=2021, fy_to=2024)
SURVEILLANCE = Filters(fy_from=2021)  # the default definition: surveillance only
ALL = Filters(definition=Definition(all_spending=True))
COMPONENTS = Filters(fy_from=2021, definition=Definition(include_components=True))


def run_all(src) -> dict:
    """Every standard analysis, as plain data."""
    out = {
        f"totals:{d}": analyses.totals(src, d, ICE_21_24, limit=50)
        for d in DIMENSIONS
        if d != "award"
    }
    out["totals:category,fiscal_year"] = analyses.totals(
        src, "category,fiscal_year", SURVEILLANCE
    )
    out["yoy"] = analyses.year_over_year(src, ALL)
    out["yoy:surveillance"] = analyses.year_over_year(src, Filters())
    out["totals:category,components"] = analyses.totals(src, "category", COMPONENTS)
    out["top"] = analyses.top_awards(src, SURVEILLANCE, 25)
    out["timeline"] = analyses.award_timeline(src, out["top"][0]["award_key"])
    out["changed"] = analyses.changed_since(src, date(2000, 1, 1), ICE_21_24)["summary"]
    explained = analyses.explain(
        src, "category,fiscal_year", ["services", "2023"], SURVEILLANCE
    )
    out["explain"] = (len(explained), sum(r["obligation_usd"] for r in explained))
    return out


@pytest.fixture(scope="module")
def duckdb_results(shared_db):
    with open_source(Settings(db=shared_db)) as src:
        return run_all(src)


def assert_same(got: dict, want: dict) -> None:
    assert got.keys() == want.keys()
    for name in want:
        assert got[name] == want[name], f"{name} differs"


def test_duckdb_results_are_not_empty(duckdb_results):
    assert duckdb_results["totals:category"] and duckdb_results["explain"][0] > 0
    assert len(duckdb_results["totals:maker"]) >= 2
    # the stand-in classification has components: counting them changes a figure
    sensors = {
        r["category"]: r["obligation_usd"]
        for r in duckdb_results["totals:category,components"]
    }["sensors"]
    plain = sum(
        r["obligation_usd"]
        for r in duckdb_results["totals:category,fiscal_year"]
        if r["category"] == "sensors"
    )
    assert sensors != plain


@pytest.mark.spark
def test_spark_matches_duckdb_to_the_cent(
    shared_db, duckdb_results, spark_session, tmp_path_factory
):
    folder = tmp_path_factory.mktemp("parquet")
    with open_store(Settings(db=shared_db)) as store:
        write_parquet(store, folder)
    assert_same(run_all(spark_source(spark_session, str(folder))), duckdb_results)


@pytest.mark.postgres
def test_postgres_matches_duckdb_to_the_cent(shared_db, duckdb_results, postgres_url):
    with open_store(Settings(db=shared_db)) as store:
        counts = write_postgres(store, postgres_url)
    assert counts["transaction"] > 50_000
    with open_source(Settings(db=shared_db), "postgres", postgres_url) as src:
        assert_same(run_all(src), duckdb_results)
