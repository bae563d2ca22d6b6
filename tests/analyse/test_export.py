"""`custodes analyse export --parquet DIR` writes every analysis table into DIR,
whatever characters the folder's name holds (it reaches SQL as a quoted literal)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from custodes.analyse.export import present_tables
from custodes.settings import Settings
from custodes.store import open_store
from tests.analyse.conftest import build_fixture_store

AWKWARD = [
    "it's here",  # a quote ended the SQL literal: COPY ... TO '.../it's here/...'
    "two '' quotes' (FORMAT csv); --",
    'double "quoted" \\ back',
]


@pytest.mark.parametrize("name", AWKWARD)
def test_parquet_export_into_a_folder_with_quotes(tmp_path, run_cli, name):
    db = build_fixture_store(tmp_path / "fixture.duckdb")
    folder = tmp_path / name / "out"
    result = run_cli("--db", str(db), "analyse", "export", "--parquet", str(folder))
    assert "Parquet in" in result.output
    with open_store(Settings(db=db)) as store:
        tables = present_tables(store)
        expected = {t: store.scalar(f'SELECT count(*) FROM "{t}"') for t in tables}
    assert "transaction" in tables
    written = sorted(p.name for p in folder.iterdir())
    assert written == sorted(f"{t}.parquet" for t in tables)
    con = duckdb.connect()
    try:
        for table, rows in expected.items():
            path = str(folder / f"{table}.parquet")
            got = con.execute("SELECT count(*) FROM read_parquet(?)", [path]).fetchone()
            assert got == (rows,), table
        # money keeps its exact type
        kind = con.execute(
            "SELECT typeof(obligation_usd) FROM read_parquet(?) LIMIT 1",
            [str(folder / "transaction.parquet")],
        ).fetchone()
        assert kind == ("DECIMAL(18,2)",)
    finally:
        con.close()
    assert not any(Path(tmp_path).glob("*.parquet"))  # nothing written beside it
