"""`custodes refresh` as a command, and the same refresh inside `ingest --refresh`:
what it reports (steps with timings, --json), that it works only on what changed,
and that the result equals a full rebuild. (`sync --refresh`: tests/sync/test_sync.py.)
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
from click.testing import CliRunner

from custodes.cli import main
from tests.figures.refresh_compare import differences, fingerprint_differences
from tests.ingest.csvmaker import api_row, write_api_csv


def cli(db: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def delivery(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    out = [
        api_row(piid=piid, amount=amount, desc=desc, recipient=recipient,
                gaid=f"CONT_AWD_{piid}_7012_-NONE-_-NONE-")
        for piid, amount, desc, recipient in rows
    ]  # fmt: skip
    return write_api_csv(path, out)


FIRST = [
    ("70CMSD21P00000001", "100.00", "LICENSE PLATE READER CAMERAS", "ACME SENSORS INC"),
    ("70CMSD21P00000002", "2500.50", "OFFICE SUPPLIES", "GLOBEX CORPORATION"),
    ("70CMSD21P00000003", "75.25", "CELLEBRITE UFED LICENSES", "INITECH LLC"),
]


def test_ingest_refresh_works_on_the_change_and_equals_a_full_rebuild(tmp_path):
    db = tmp_path / "store.duckdb"
    first = json.loads(
        cli(db, "ingest", str(delivery(tmp_path / "a.csv", FIRST)), "--refresh",
            "--json")
    )  # fmt: skip
    made = first["refresh"]
    assert made["full"] and "never refreshed" in made["reason"]
    names = [s["step"] for s in made["steps"]]
    for step in (
        "reading transactions",
        "resolving vendors",
        "classifying",
        "analyse tables",
        "serve tables",
        "saving the refresh state",
    ):
        assert step in names  # fmt: skip
    assert all(s["seconds"] >= 0 for s in made["steps"])
    assert made["seconds"] >= max(s["seconds"] for s in made["steps"])

    # nothing changed: nothing recomputed
    again = json.loads(cli(db, "refresh", "--json"))
    assert not again["full"] and again["transactions_changed"] == 0
    assert again["awards"] == 0 and again["nothing_to_do"]

    # one changed amount and one new award: two awards recomputed, not three
    second = [
        ("70CMSD21P00000001", "900.00", "LICENSE PLATE READER CAMERAS",
         "ACME SENSORS INC"),
        ("70CMSD21P00000004", "33.33", "BODY WORN CAMERA SYSTEM", "PARAGON SYSTEMS"),
    ]  # fmt: skip
    out = json.loads(
        cli(db, "ingest", str(delivery(tmp_path / "b.csv", second)), "--refresh",
            "--json")
    )  # fmt: skip
    done = out["refresh"]
    assert not done["full"], done["reason"]
    assert done["transactions_changed"] == 2 and done["awards"] == 2
    assert out["refresh"]["run_id"] == 3

    text = " ".join(cli(db, "refresh").split())
    assert "Nothing to do:" in text and "no table was rebuilt" in text
    assert "reading transactions" in text  # the steps table

    full = tmp_path / "full.duckdb"
    shutil.copyfile(db, full)
    assert json.loads(cli(full, "refresh", "--full", "--json"))["full"]
    assert not differences(db, full)
    # the refreshed store's figures are the new ones (the changed amount replaced)
    con = duckdb.connect(str(db), read_only=True)
    try:
        total = con.execute("SELECT sum(obligation_usd) FROM serve_award").fetchone()
        frame = con.execute("SELECT sum(obligation_usd) FROM analyse_frame").fetchone()
    finally:
        con.close()
    assert total == frame == (Decimal("3509.08"),)


def lock_events(monkeypatch) -> list[str]:
    """What takes and lets go of the writer lock, and when a refresh runs: the
    events in order ("take ingest", "refresh", "let go ingest", ...)."""
    from contextlib import contextmanager

    import custodes.figures.refresh_commands as commands
    import custodes.store.duckdb as duck

    events: list[str] = []
    real_lock, real_refresh = duck.writer_lock, commands.refresh

    @contextmanager
    def writer_lock(path, command, **kw):
        with real_lock(path, command, **kw):
            events.append(f"take {command}")
            try:
                yield
            finally:
                events.append(f"let go {command}")

    def refresh(store, options, note=None):
        events.append("refresh")
        return real_refresh(store, options, note)

    monkeypatch.setattr(duck, "writer_lock", writer_lock)
    monkeypatch.setattr(commands, "refresh", refresh)
    return events


def test_ingest_refresh_keeps_the_writer_lock_from_its_commit_to_the_refresh(
    tmp_path, monkeypatch
):
    """No reader can open the store between the ingest's commit and the refresh (a
    `serve --snapshot` copy, a plain server taking the store back): it would serve
    the new transactions beside the old derived tables. The refresh runs in the
    ingest's own lock, and a plain server steps aside once."""
    events = lock_events(monkeypatch)
    db = tmp_path / "store.duckdb"
    cli(db, "ingest", str(delivery(tmp_path / "a.csv", FIRST)), "--refresh")
    assert events == ["take ingest", "refresh", "let go ingest"]
    # without --refresh there is no refresh at all
    events.clear()
    cli(db, "ingest", str(delivery(tmp_path / "a.csv", FIRST[:1])))
    assert events == ["take ingest", "let go ingest"]


def test_fingerprints_find_what_the_row_by_row_comparison_finds(tmp_path):
    """bench/refresh_bench.py --check compares stores by fingerprint (rows, sum and
    XOR of a hash of every row): equal stores agree, and one cent moved from one
    award to another, or one row more, is found as the row-by-row comparison finds
    it."""
    db = tmp_path / "store.duckdb"
    cli(db, "ingest", str(delivery(tmp_path / "a.csv", FIRST)), "--refresh")
    full = tmp_path / "full.duckdb"
    shutil.copyfile(db, full)
    cli(full, "refresh", "--full")
    assert not differences(db, full) and not fingerprint_differences(db, full)

    con = duckdb.connect(str(full))
    try:
        # the same total, one cent moved between two awards: only the rows differ
        con.execute(
            "UPDATE serve_award SET obligation_usd = obligation_usd + CASE "
            "WHEN award_id = (SELECT min(award_id) FROM serve_award) THEN 0.01 "
            "ELSE -0.01 END WHERE award_id IN (SELECT award_id FROM serve_award "
            "ORDER BY award_id LIMIT 2)"
        )
        con.execute("INSERT INTO serve_coverage SELECT * FROM serve_coverage LIMIT 1")
    finally:
        con.close()
    found = fingerprint_differences(db, full)
    assert set(found) == set(differences(db, full)) == {"serve_award", "serve_coverage"}
