"""How many transactions one aggregation slice of serve_award holds under a memory limit
(custodes/figures/serve_tables.py `slice_transactions`)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from custodes.figures import serve_tables
from custodes.store.duckdb import Store


@pytest.mark.parametrize(
    ("limit", "factor"),
    [
        ("600MB", 1),
        ("1500MB", 1),
        ("2GB", 1),
        ("3GB", serve_tables.WIDE_SLICE),
        ("8GB", 4),
    ],
)
def test_wide_slices_from_the_limit_up(limit: str, factor: int) -> None:
    con = duckdb.connect(config={"memory_limit": limit})
    try:
        store = Store(con, Path(":memory:"), read_only=False)
        got = serve_tables.slice_transactions(store)
    finally:
        con.close()
    assert got == serve_tables.SLICE_TRANSACTIONS * factor


def test_a_limit_it_cannot_read_keeps_the_plain_slices(monkeypatch) -> None:
    con = duckdb.connect()
    try:
        store = Store(con, Path(":memory:"), read_only=False)
        monkeypatch.setattr(store, "scalar", lambda *_a, **_k: "unlimited")
        assert serve_tables.slice_transactions(store) == serve_tables.SLICE_TRANSACTIONS
    finally:
        con.close()
