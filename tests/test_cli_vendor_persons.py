"""`custodes vendor show` finds organisations only: a natural person is not looked up by
name, by part of a name or by vendor id (a slug of the name), and never named in the
list of vendors a word matches. It printed their full names ("'robert' matches 10
vendors: allen-robert-e (ALLEN, ROBERT E), …") and their awards. On the store the
real stages write (tests/real_store.py: invented persons named EXAMPLEPERSON)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
from click.testing import CliRunner

from custodes.cli import main
from tests.real_store import PERSONS


def _show(db: Path, *args: str) -> tuple[int, str]:
    out = CliRunner().invoke(
        main, ["--db", str(db), "vendor", "show", *args], catch_exceptions=False
    )
    return out.exit_code, out.output


def test_vendor_show_never_finds_or_names_a_person(
    real_store_path: Path, tmp_path: Path
) -> None:
    db = tmp_path / "store.duckdb"  # a copy no other test of the session has open
    shutil.copy(real_store_path, db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        people = con.execute(
            "SELECT vendor_id, name FROM vendor WHERE kind = 'individual'"
        ).fetchall()
    finally:
        con.close()
    assert people, "the real store has natural persons among its recipients"
    asked = ["EXAMPLEPERSON", *PERSONS]
    asked += [v for v, _ in people] + [n for _, n in people]
    for query in [*asked, "example"]:  # "example" matches organisations too
        for extra in ([], ["--json"], ["--family"]):
            code, output = _show(db, query, *extra)
            assert code == 1, (query, output)
            if query in asked:
                assert "No vendor matches" in output, (query, output)
            said = output.replace(repr(query), "")
            for name in [*PERSONS, *(n for _, n in people)]:
                assert name not in said, (query, output)
            for vendor_id, _ in people:
                assert vendor_id not in said, (query, output)
    # organisations are found as before
    code, output = _show(db, "relx")
    assert code == 0 and "RELX INC." in output, output
