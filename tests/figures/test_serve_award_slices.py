"""serve_award's aggregates in slices of awards on a large store
(custodes/figures/serve_tables.py `write_serve_award`): the same rows in the same
order as one aggregate of every award, and how many slices a store gets; and
serve_award_year summed from serve_vendor_award in a full build."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from custodes.figures import serve_tables
from custodes.settings import Settings
from custodes.store import open_store
from custodes.store.duckdb import Store


def _serve_award(store: Store) -> list[tuple]:
    """serve_award's rows in stored order."""
    return store.con.execute("SELECT * FROM serve_award ORDER BY rowid").fetchall()


@pytest.mark.parametrize("slices", [2, 3, 7])
def test_sliced_serve_award_equals_one_aggregate(
    real_store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slices: int
) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copyfile(real_store_path, db)
    with open_store(Settings(db=db), write=True, command="test") as store:
        assert serve_tables.award_slices(store) == 1  # a small store: at once
        with store.transaction():
            serve_tables.write_serve_tables(store)
        whole = _serve_award(store)
        monkeypatch.setattr(serve_tables, "award_slices", lambda _store: slices)
        with store.transaction():
            serve_tables.write_serve_tables(store)
        sliced = _serve_award(store)
        assert not store.has_table("serve_award_rows")
    assert len(whole) > 10
    assert sliced == whole


@pytest.mark.parametrize(("limit", "per_slice"), [("600MB", 1), ("3GB", 4)])
def test_slices_grow_with_the_memory_limit(limit: str, per_slice: int) -> None:
    """A slice holds slice_transactions transactions (more under a larger limit)."""
    con = duckdb.connect(config={"memory_limit": limit})
    try:
        store = Store(con, Path(":memory:"), read_only=False)
        store.execute('CREATE TABLE "transaction" (award_key VARCHAR)')
        size = serve_tables.SLICE_TRANSACTIONS * per_slice
        store.execute(f"INSERT INTO \"transaction\" SELECT 'a' FROM range({size})")
        assert serve_tables.award_slices(store) == 1
        store.execute(
            f"INSERT INTO \"transaction\" SELECT 'a' FROM range({2 * size + 1})"
        )
        assert serve_tables.award_slices(store) == 3
    finally:
        con.close()


def test_award_years_summed_from_vendor_parts_equal_the_transactions(
    real_store_path: Path, tmp_path: Path
) -> None:
    """A full build sums serve_vendor_award over vendors for serve_award_year: the
    same rows as summing the transactions (`award_year_sql`, which a refresh runs)."""
    db = tmp_path / "store.duckdb"
    shutil.copyfile(real_store_path, db)
    with open_store(Settings(db=db), write=True, command="test") as store:
        with store.transaction():
            serve_tables.write_serve_tables(store)
        built = store.con.execute(
            "SELECT * FROM serve_award_year ORDER BY rowid"
        ).fetchall()
        direct = store.con.execute(
            f"SELECT * FROM ({serve_tables.award_year_sql()}) ORDER BY 3, 1"
        ).fetchall()
    assert len(built) > 10
    assert built == direct


@pytest.mark.parametrize("linked", [False, True])
def test_vendor_parts_summed_from_transactions_table_equal_the_transactions(
    real_store_path: Path, tmp_path: Path, linked: bool
) -> None:
    """A full build sums serve_transaction (each transaction's own vendor) for
    serve_vendor_award: the same rows in the same stored order, column types
    included, as reading every transaction with the vendor joins
    (`vendor_award_rows_sql`, the rows a refresh inserts)."""
    db = tmp_path / "store.duckdb"
    shutil.copyfile(real_store_path, db)
    stored = "SELECT * FROM serve_vendor_award ORDER BY rowid"
    types = (
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = 'serve_vendor_award' ORDER BY ordinal_position"
    )
    with open_store(Settings(db=db), write=True, command="test") as store:
        with store.transaction():
            serve_tables.write_serve_tables(store, linked=linked)
        built = store.con.execute(stored).fetchall()
        built_types = store.con.execute(types).fetchall()
        tv = serve_tables.ALIAS_LINKS if linked else "transaction_vendor"
        have = serve_tables.present(store)
        store.execute(
            "CREATE OR REPLACE TABLE serve_vendor_award AS "
            f"{serve_tables.vendor_award_rows_sql(have, tv=tv)} ORDER BY 1, 2, 3"
        )
        direct = store.con.execute(stored).fetchall()
        assert store.con.execute(types).fetchall() == built_types
    assert len(built) > 10 and any(r[0] is None for r in built)
    assert built == direct
