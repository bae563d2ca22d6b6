"""`custodes refresh` with nothing to do finds out cheaply, says so and touches no
table; anything a refresh must follow (a transaction changed in place, the rules, the
curated parents, an overrides file, a review decision) is still something to do.

Real `custodes` processes run from a copy of the package, so that the test can edit
the copy's shipped data files (rules.yaml, parents.yaml) the way a maintainer would.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

import custodes
from tests.conftest import FIXTURES, run_custodes
from tests.figures.refresh_compare import derived_tables, differences, table_rows

API_FIXTURE = FIXTURES / "usaspending" / "api_search_small.csv"
CHECK = ["reading transactions", "checking for other changes"]


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    """A copy of the custodes package (its data files editable by the test)."""
    root = tmp_path_factory.mktemp("pkg")
    shutil.copytree(
        Path(custodes.__file__).parent,
        root / "custodes",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return root


def run(package: Path, db: Path, *args: str) -> str:
    env = {"PYTHONPATH": str(package)}
    return run_custodes(db, *args, env=env, cwd=package).stdout


def refresh(package: Path, db: Path, *args: str) -> dict:
    return json.loads(run(package, db, "refresh", "--json", *args))


def tables(db: Path) -> dict[str, list[tuple] | None]:
    """Every derived table and the refresh state, row by row, build times too."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            name: table_rows(con, name, skip=False)
            for name in (
                *derived_tables(),
                "refresh_transaction",
                "refresh_record",
                "refresh_override",
            )
        }
    finally:
        con.close()


def nothing(package: Path, db: Path, *args: str) -> None:
    """A refresh that finds nothing to do and leaves every table as it was."""
    before = tables(db)
    report = refresh(package, db, *args)
    assert report["nothing_to_do"], report
    assert [s["step"] for s in report["steps"]] == CHECK
    assert report["transactions_changed"] == 0 and report["awards"] == 0
    assert tables(db) == before


def test_first_refresh_says_it_built_everything(package, tmp_path):
    db = tmp_path / "store.duckdb"
    run(package, db, "ingest", str(API_FIXTURE))
    text = " ".join(run(package, db, "refresh").split())
    con = duckdb.connect(str(db), read_only=True)
    try:
        n = con.execute('SELECT count(*) FROM "transaction"').fetchone()[0]
        runs = con.execute(
            "SELECT run_id, full_rebuild, reason FROM refresh_run"
        ).fetchall()
    finally:
        con.close()
    assert n > 0
    assert f"First refresh: built all derived tables from {n:,} transaction(s)" in text
    assert "0 transaction(s) changed" not in text
    assert runs == [(1, True, "the store was never refreshed")]
    again = refresh(package, db, "--full")
    assert again["full"] and not again["first"] and not again["nothing_to_do"]
    assert again["transactions_in_store"] == n and again["reason"] == "--full"


def test_nothing_to_do_is_said_and_anything_else_is_done(package, tmp_path):
    db = tmp_path / "store.duckdb"
    run(package, db, "ingest", str(API_FIXTURE))
    first = refresh(package, db)
    assert first["first"] and first["full"] and not first["nothing_to_do"]
    # the state of a first refresh is enough to find nothing to do
    nothing(package, db)
    text = " ".join(run(package, db, "refresh").split())
    assert "Nothing to do:" in text and "no table was rebuilt" in text

    # a transaction changed in place, with no ingest run (as `persons rejudge` does)
    con = duckdb.connect(str(db))
    try:
        con.execute(
            """UPDATE "transaction" SET obligation_usd = obligation_usd + 1
            WHERE transaction_key = (SELECT min(transaction_key) FROM "transaction")"""
        )
    finally:
        con.close()
    done = refresh(package, db)
    assert not done["nothing_to_do"] and done["transactions_changed"] == 1
    assert done["awards"] == 1
    nothing(package, db)

    # the rules changed (a maintainer edits rules.yaml): every award reclassified
    rules = package / "custodes" / "data" / "taxonomy" / "rules.yaml"
    text = rules.read_text()
    assert '\nversion: "' in text
    rules.write_text(text.replace('\nversion: "', '\nversion: "test-', 1))
    done = refresh(package, db)
    assert not done["nothing_to_do"]
    assert "the rules, taxonomy, gazetteer or profiles changed" in done["reason"]
    classified = next(s for s in done["steps"] if s["step"] == "classifying")
    assert classified.get("full")
    nothing(package, db)

    # a curated parent added (parents.yaml): resolve's vendors change; the reseller
    # of a maker's product put in the maker's family (a relation made up for the
    # test) is no longer its reseller
    def resold() -> int:
        con = duckdb.connect(str(db), read_only=True)
        try:
            return con.execute(
                "SELECT count(*) FROM award_maker WHERE recipient_vendor_id IN "
                "(SELECT vendor_id FROM vendor WHERE name = 'AVAIL FORENSICS LLC')"
            ).fetchone()[0]
        finally:
            con.close()

    assert resold() == 1
    parents = package / "custodes" / "data" / "vendors" / "parents.yaml"
    added = (
        "- parent: CELLEBRITE INC\n"
        "  children: [AVAIL FORENSICS LLC]\n"
        "  relation: made up by this test\n"
        '  sources: ["this test"]\n'
    )
    parents.write_text(parents.read_text() + added)
    done = refresh(package, db)
    assert not done["nothing_to_do"]
    resolved = next(s for s in done["steps"] if s["step"] == "resolving vendors")
    assert resolved["vendors_changed"] > 0 and done["awards"] > 0
    assert resold() == 0
    nothing(package, db)

    # another overrides file: its award is reclassified; the same file again is
    # nothing to do, and going back to the shipped file is something again
    con = duckdb.connect(str(db), read_only=True)
    try:
        award = con.execute(
            "SELECT award_key FROM classification WHERE category <> 'none' "
            "ORDER BY award_key LIMIT 1"
        ).fetchone()[0]
    finally:
        con.close()
    overrides = tmp_path / "overrides.csv"
    overrides.write_text(f'award,label,reason\n{award},none,"a test override"\n')
    done = refresh(package, db, "--overrides", str(overrides))
    assert not done["nothing_to_do"] and done["awards"] >= 1
    nothing(package, db, "--overrides", str(overrides))
    assert not refresh(package, db)["nothing_to_do"]
    nothing(package, db)

    # a review decision
    run(package, db, "review", "accept", award, "--note", "test", "--reviewer", "qa")
    done = refresh(package, db)
    assert not done["nothing_to_do"]
    nothing(package, db)

    # after all that, every derived table equals a full rebuild's
    full = tmp_path / "full.duckdb"
    shutil.copyfile(db, full)
    assert refresh(package, full, "--full")["full"]
    assert not differences(db, full)


def test_an_empty_store_refreshes(cli, db_path):
    """A store with no transaction yet (a newsroom's first day): the first refresh
    builds every derived table, empty; the next has nothing to do. It failed in
    classify with a Binder Error (an empty decision frame typed DOUBLE)."""
    first = json.loads(cli("refresh", "--json").output)
    assert first["first"] and first["transactions_in_store"] == 0
    assert not first["nothing_to_do"]
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM classification").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM serve_award").fetchone() == (0,)
    assert json.loads(cli("refresh", "--json").output)["nothing_to_do"]
