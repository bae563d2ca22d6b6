"""`custodes show transaction` prints the stored row, yet withholds a natural person's
name wherever the row repeats it (canonical columns, raw source row), while an
organisation's row is printed as stored."""

from __future__ import annotations

import json

from custodes.figures.recipients import WITHHELD
from tests.conftest import store_rows as q
from tests.ingest.csvmaker import api_row, write_api_csv

PERSON = "MARGARET K HOLLOWAY"
COMPANY = "HOLLOWAY SURVEILLANCE SYSTEMS INC"


def keys(db_path) -> dict[str, tuple[str, bool]]:
    """recipient name -> (transaction key, flagged as a natural person)."""
    return {
        name: (key, bool(flag))
        for key, name, flag in q(
            db_path,
            "SELECT transaction_key, recipient_name, recipient_is_individual "
            'FROM "transaction"',
        )
    }


def test_a_persons_name_is_withheld_an_organisation_is_shown(cli, db_path, tmp_path):
    path = write_api_csv(
        tmp_path / "rows.csv",
        [
            api_row(piid="70CMSD21P00000011", recipient=PERSON, desc="INTERPRETING"),
            api_row(piid="70CMSD21P00000012", recipient=COMPANY),
        ],
    )
    cli("ingest", str(path))
    stored = keys(db_path)
    person_key, flagged = stored[PERSON]
    assert flagged, "the detector must flag the person for this test to mean anything"
    company_key, company_flagged = stored[COMPANY]
    assert not company_flagged

    shown = cli("show", "transaction", person_key, "--json").output
    assert PERSON not in shown.upper()
    data = json.loads(shown)
    assert data["canonical"]["recipient_name"] == WITHHELD
    assert data["raw"]["Recipient Name"] == WITHHELD
    assert data["canonical"]["obligation_usd"] == "100.00"  # the rest is printed
    human = cli("show", "transaction", person_key).output
    assert "HOLLOWAY" not in human.upper()
    assert "withheld" in human

    company = json.loads(cli("show", "transaction", company_key, "--json").output)
    assert company["canonical"]["recipient_name"] == COMPANY
    assert company["raw"]["Recipient Name"] == COMPANY
