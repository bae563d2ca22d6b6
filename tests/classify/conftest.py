"""Classify test fixtures: a small store built from hand-picked company rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from custodes.classify.evidence import Matcher
from custodes.classify.rules import RuleSet, load_rules
from custodes.classify.taxonomy import load_taxonomy
from custodes.cli import main
from tests.conftest import SHARED_DATA, need_shared

HERE = Path(__file__).parent
AWARDS_CSV = HERE / "fixtures" / "awards.csv"


def run(db: Path, *args: str, expect: int = 0):
    result = CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == expect, result.output
    return result


@pytest.fixture(scope="session")
def fixture_db(tmp_path_factory) -> Path:
    """The 29 fixture transactions, ingested and classified once per session."""
    db = tmp_path_factory.mktemp("classify") / "store.duckdb"
    run(db, "ingest", str(AWARDS_CSV))
    run(db, "classify")
    return db


@pytest.fixture(scope="session")
def real_db(tmp_path_factory) -> Path:
    """The shared FY2013-FY2024 data, ingested once (about 10 s); skipped without
    ../shared.
    """
    need_shared()
    db = tmp_path_factory.mktemp("classify_real") / "store.duckdb"
    run(db, "ingest", str(SHARED_DATA / "usaspending"))
    return db


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    """The shipped rules (one load per test module)."""
    return load_rules(load_taxonomy())


@pytest.fixture(scope="module")
def matcher(rules: RuleSet) -> Matcher:
    """The rules' matcher, as the pipeline builds it."""
    return Matcher(rules)
