"""How many transactions one aggregation slice of classify holds under a memory limit
(custodes/classify/pipeline.py `slice_transactions`)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from custodes.classify import pipeline
from custodes.store.duckdb import Store


@pytest.mark.parametrize(
    ("limit", "factor"),
    [("600MB", 1), ("1500MB", 1), ("2GB", 1), ("3GB", pipeline.WIDE_SLICE), ("8GB", 4)],
)
def test_wide_slices_from_the_limit_up(limit: str, factor: int) -> None:
    con = duckdb.connect(config={"memory_limit": limit})
    try:
        store = Store(con, Path(":memory:"), read_only=False)
        got = pipeline.slice_transactions(store)
    finally:
        con.close()
    assert got == pipeline.SLICE_TRANSACTIONS * factor


def test_a_limit_it_cannot_read_keeps_the_plain_slices(monkeypatch) -> None:
    con = duckdb.connect()
    try:
        store = Store(con, Path(":memory:"), read_only=False)
        monkeypatch.setattr(store, "scalar", lambda *_a, **_k: "unlimited")
        assert pipeline.slice_transactions(store) == pipeline.SLICE_TRANSACTIONS
    finally:
        con.close()
