"""Natural persons are withheld in every export, as on the web app (one rule:
custodes/figures/recipients.py); organisations never are."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner

from custodes.cli import main
from custodes.figures.recipients import WITHHELD
from custodes.settings import Settings
from custodes.store import open_store
from tests.serve.fixture_store import FIXTURE_CSVS


def cli(db: Path, *args: str) -> None:
    result = CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_classify_export_withholds_persons(tmp_path):
    db = tmp_path / "store.duckdb"
    cli(db, "ingest", *map(str, FIXTURE_CSVS))
    cli(db, "classify")
    with open_store(Settings(db=db)) as store:
        persons = {
            r["recipient_name"]
            for r in store.rows(
                'SELECT DISTINCT recipient_name FROM "transaction" '
                "WHERE recipient_is_individual AND recipient_name IS NOT NULL"
            )
        }
        companies = {
            r["recipient"]
            for r in store.rows(
                "SELECT recipient FROM classification c WHERE NOT EXISTS (SELECT 1 "
                'FROM "transaction" t WHERE t.award_key = c.award_key '
                "AND t.recipient_is_individual)"
            )
        }
    assert persons, "the fixtures hold no natural person to withhold"
    out = tmp_path / "export.csv"
    cli(db, "classify", "--export", str(out))
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    text = out.read_text()
    assert not any(p in text for p in persons)
    assert WITHHELD in {r["recipient"] for r in rows}
    assert companies <= {r["recipient"] for r in rows}  # organisations stay named
