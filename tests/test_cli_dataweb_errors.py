"""`custodes graph` commands that read the store as well as the data web: an unknown
id is one clear line and exit 1, with a store and without one, never a traceback
(`graph feeds` used to end in "RuntimeError: generator didn't stop after throw()"
when a store was there)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize("with_store", [True, False])
def test_graph_feeds_of_an_unknown_system_is_a_clear_error(
    real_store_path: Path, tmp_path: Path, with_store: bool
) -> None:
    db = real_store_path if with_store else tmp_path / "none.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "custodes", "--db", str(db)]
        + ["graph", "feeds", "sys.no_such_system"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert "No system with id 'sys.no_such_system'" in done.stderr, done.stderr
    assert not (tmp_path / "none.duckdb").exists()


def test_graph_reach_without_a_category_lists_the_categories(tmp_path: Path) -> None:
    """`custodes graph reach` alone names the categories to choose from (it said only
    "Missing argument 'CATEGORY'"), exit 1."""
    done = subprocess.run(
        [sys.executable, "-m", "custodes", "--db", str(tmp_path / "none.duckdb")]
        + ["graph", "reach"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    said = " ".join(done.stderr.split())
    assert done.returncode == 1, said
    assert "Give a data category: custodes graph reach CATEGORY." in said, said
    assert "face_image" in said and "address" in said and "vehicle" in said, said
