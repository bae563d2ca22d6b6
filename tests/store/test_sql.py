"""`literal` and `ident` round-trip every text through real DuckDB."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from custodes.store.sql import ident, literal

TEXT = st.text(st.characters(blacklist_characters="\x00", codec="utf-8"), max_size=40)


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect(":memory:")
    yield c
    c.close()


@settings(max_examples=200, deadline=None)
@given(TEXT)
@example("it's")
@example("'; DROP TABLE x; --")
@example("back\\slash\\'")
@example("line\nbreak\ttab")
@example("$$dollar$$")
def test_literal_round_trips_any_text(con, text):
    assert con.execute(f"SELECT {literal(text)}").fetchone()[0] == text


@settings(max_examples=100, deadline=None)
@given(TEXT.filter(lambda s: s.strip() != ""))
@example('a "quoted" name')
@example("select")
@example('"; DROP TABLE t; --')
def test_ident_names_any_table_and_column(con, name):
    con.execute(f"CREATE OR REPLACE TEMP TABLE {ident(name)} ({ident(name)} INTEGER)")
    try:
        con.execute(f"INSERT INTO {ident(name)} VALUES (7)")
        got = con.execute(f"SELECT {ident(name)} FROM {ident(name)}").fetchone()
        assert got == (7,)
        assert con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
            [name],
        ).fetchone() == (name,)
    finally:
        con.execute(f"DROP TABLE {ident(name)}")


def test_literal_of_other_values(con, tmp_path):
    path = tmp_path / 'it\'s a "folder"' / "x.parquet"
    values = [None, True, False, 0, -12, 3.5, 1e-05, Decimal("12.34"), path]
    sql = "SELECT " + ", ".join(literal(v) for v in values)
    row = con.execute(sql).fetchone()
    assert row[:7] == (None, True, False, 0, -12, 3.5, 1e-05)
    assert Decimal(str(row[7])) == Decimal("12.34")
    assert Path(row[8]) == path
    assert con.execute(f"SELECT {literal(float('inf'))}").fetchone()[0] == float("inf")


def test_refuses_what_sql_text_cannot_hold():
    with pytest.raises(ValueError, match="NUL"):
        literal("a\x00b")
    with pytest.raises(ValueError, match="NUL"):
        ident("a\x00b")
    with pytest.raises(TypeError):
        literal([1, 2])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ident(3)  # type: ignore[arg-type]
