"""`custodes vendor show NAME` on the real shared data, as a reporter types a company:
a name that is exactly one vendor's, legal form aside, is that vendor even when the
name is also part of others' ("thomson reuters" is THOMSON REUTERS CORPORATION, not
an error listing it beside THOMSON REUTERS SPECIAL SERVICES LLC); a word that is no
vendor's whole name still lists the vendors it matches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from custodes.cli import main
from tests.conftest import API_SEARCH, BULK, need_shared

pytestmark = [pytest.mark.shared, pytest.mark.slow]


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    need_shared()
    db = tmp_path_factory.mktemp("vendor_show") / "store.duckdb"
    for args in (["ingest", str(API_SEARCH), str(BULK)], ["resolve"]):
        done = CliRunner().invoke(main, ["--db", str(db), *args])
        assert done.exit_code == 0, done.output
    return db


def _show(db: Path, *args: str) -> tuple[int, str]:
    done = CliRunner().invoke(
        main, ["--db", str(db), "vendor", "show", *args], catch_exceptions=False
    )
    return done.exit_code, done.output


def test_a_vendors_whole_name_finds_it_among_longer_names(shared_store: Path) -> None:
    code, output = _show(shared_store, "thomson reuters", "--family", "--json")
    assert code == 0, output
    found = json.loads(output)
    assert found["vendor"]["vendor_id"] == "thomson-reuters"
    assert "thomson-reuters-special-services" in found["family_members"]
    code, output = _show(shared_store, "lexisnexis")  # the whole name of none
    assert code == 1 and "matches 2 vendors" in output, output
    assert "lexisnexis-risk-solutions" in output, output
