"""The registry of tables (custodes/store/tables.py) is complete and true: every table
custodes writes is registered under the package that writes it, every registered table
is written somewhere, a store built by the real commands holds nothing unregistered,
and docs/store.md lists them all."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from custodes.settings import Settings
from custodes.store import open_store
from custodes.store.tables import KINDS, TABLES, Table, ddl, schema_sql, table
from custodes.sync.digest import record_first_seen
from tests.conftest import FIXTURES, ROOT

PACKAGE = ROOT / "custodes"
# CREATE [OR REPLACE] TABLE|VIEW [IF NOT EXISTS] name (a TEMP one does not match)
CREATE = re.compile(
    r"CREATE\s+(?:OR\s+REPLACE\s+)?(TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    r'"?([A-Za-z_][A-Za-z0-9_]*)"?'
)
CREATE_CALL = re.compile(r"""\.create\(\s*["']([a-z_]+)["']\s*\)""")


def created_in_code() -> dict[str, set[tuple[str, str]]]:
    """table name -> {(package, kind of statement)} for every statement outside store/
    that creates a table or view, and every `store.create(NAME)` call."""
    found: dict[str, set[tuple[str, str]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        package = path.relative_to(PACKAGE).parts[0]
        if package == "store" or package.endswith(".py"):
            continue
        text = path.read_text()
        for what, name in CREATE.findall(text):
            found.setdefault(name, set()).add((package, what.lower()))
        for name in CREATE_CALL.findall(text):
            found.setdefault(name, set()).add((package, "create"))
    return found


def test_every_table_written_is_registered_under_its_writer():
    wrong = []
    for name, places in sorted(created_in_code().items()):
        if name not in TABLES:
            wrong.append(f"{name}: created in {sorted(places)}, not registered")
            continue
        for package, _ in places:
            if package != TABLES[name].owner:
                wrong.append(
                    f"{name}: created in custodes/{package}/, registered as owned "
                    f"by {TABLES[name].owner!r}"
                )
    assert not wrong, (
        "update custodes/store/tables.py (the registry of tables):\n" + "\n".join(wrong)
    )


def test_every_registered_table_is_written_somewhere():
    code = created_in_code()
    missing = []
    for t in TABLES.values():
        if t.kind == "schema":
            continue  # the store itself creates them (schema_sql)
        expected = {"base": "create", "derived": "table", "view": "view"}[t.kind]
        if (t.owner, expected) not in code.get(t.name, set()):
            missing.append(f"{t.name} ({t.kind}, owner {t.owner})")
    assert not missing, "registered but never written by its owner: " + ", ".join(
        missing
    )


def test_ddl_and_kinds():
    assert set(KINDS) == {t.kind for t in TABLES.values()}
    con = duckdb.connect()
    try:
        con.execute(schema_sql())
        con.execute(schema_sql())  # idempotent: applied on every write-open
        schema = {t.name for t in TABLES.values() if t.kind == "schema"}
        got = {
            r[0]
            for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }
        assert got == schema
        for t in TABLES.values():
            if t.kind == "base":
                con.execute(ddl(t.name))
        cols = con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'transaction' ORDER BY ordinal_position"
        ).fetchall()
    finally:
        con.close()
    assert cols[0] == ("transaction_key",) and cols[-1] == ("raw_values",)
    assert len(cols) == 39
    with pytest.raises(KeyError, match="not registered"):
        table("no_such_table")
    with pytest.raises(KeyError, match="derived"):
        ddl("serve_award")
    with pytest.raises(ValueError, match="DDL"):
        Table("x", "serve", "derived", "serve", "x", "CREATE TABLE x (a INT)")
    with pytest.raises(ValueError, match="kind"):
        Table("x", "serve", "made up", "serve", "x")


def test_a_store_built_by_the_commands_holds_only_registered_tables(cli, db_path):
    fixtures = FIXTURES / "usaspending"
    cli(
        "ingest",
        str(fixtures / "api_search_small.csv"),
        str(fixtures / "bulk_fy18_small.csv"),
    )
    for command in (
        ["resolve"],
        ["classify"],
        ["analyse", "prepare"],
        ["serve", "--prepare"],
        ["refresh"],
        ["watch", "add", "vendor", "palantir"],
        ["review", "accept", "CONT_AWD_70CMSD21P00000127_7012_-NONE-_-NONE-",
         "--note", "a face recognition licence", "--reviewer", "Test"],
    ):  # fmt: skip
        cli(*command)
    with open_store(Settings(db=db_path), write=True, command="test") as store:
        record_first_seen(store)  # what a sync does after it writes
    listed = json.loads(cli("tables", "--json").output)
    assert listed["exists"] is True
    by_name = {r["table"]: r for r in listed["tables"]}
    unregistered = [n for n, r in by_name.items() if r["owner"] is None]
    assert unregistered == []
    present = {n for n, r in by_name.items() if r["present"]}
    # only a sync writes them
    assert present == set(TABLES) - {"sync_run", "sync_history"}
    assert by_name["transaction"]["rows"] == 98
    assert by_name["source_row"]["rows"] is None  # a view: not counted
    assert by_name["watch"]["rows"] == 1
    assert by_name["classification"]["ddl"].startswith("CREATE TABLE classification")
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        counted = con.execute("SELECT count(*) FROM serve_award").fetchone()[0]
    finally:
        con.close()
    assert by_name["serve_award"]["rows"] == counted


def test_tables_lists_an_unregistered_table_and_works_without_a_store(
    cli, db_path, tmp_path
):
    listed = json.loads(cli("tables", "--json").output)
    assert listed["exists"] is False
    assert [r["table"] for r in listed["tables"]] == list(TABLES)
    assert not any(r["present"] for r in listed["tables"])
    assert "the registry alone" in " ".join(cli("tables").output.split())
    with open_store(Settings(db=db_path), write=True, command="test") as store:
        store.execute("CREATE TABLE my_notes (note VARCHAR)")
    rows = json.loads(cli("tables", "--json").output)["tables"]
    mine = [r for r in rows if r["table"] == "my_notes"]
    assert mine == [
        {
            "table": "my_notes",
            "owner": None,
            "kind": "unregistered",
            "command": None,
            "what": None,
            "present": True,
            "rows": 0,
            "ddl": None,
        }
    ]
    assert "(not registered)" in cli("tables").output


def test_docs_list_every_registered_table():
    text = (ROOT / "docs" / "store.md").read_text()
    section = text.split("## The table registry", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.M)
    assert listed == list(TABLES), "docs/store.md's table registry is out of date"
    for name in listed:
        t = TABLES[name]
        row = next(
            line for line in section.splitlines() if line.startswith(f"| `{name}` |")
        )
        assert f"| {t.owner} |" in row and f"| {t.kind} |" in row, row


def test_the_scan_sees_tables_and_views():
    text = (
        'CREATE OR REPLACE TABLE serve_x AS SELECT 1\nCREATE TABLE IF NOT EXISTS "t"'
        "\nCREATE OR REPLACE TEMP TABLE tmp AS SELECT 1\nCREATE VIEW v AS SELECT 1\n"
    )
    assert CREATE.findall(text) == [("TABLE", "serve_x"), ("TABLE", "t"), ("VIEW", "v")]
    assert CREATE_CALL.findall('store.create("watch")') == ["watch"]
    assert Path(PACKAGE / "store" / "tables.py").exists()
