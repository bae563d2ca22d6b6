"""Ingest judges each recipient name with custodes.model.persons and minimises.

Invented recipients only (no real person's name): bulk rows are the fixture's first
row with its recipient, flags and contact columns replaced; the addresses and phone
numbers are made up too.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from custodes.model import persons
from custodes.sources.usaspending.formats import INDIVIDUAL_CONTACT_COLUMNS
from tests.conftest import FIXTURES
from tests.conftest import store_rows as q
from tests.ingest.csvmaker import api_row, write_api_csv

CONTACTS = {
    "recipient_address_line_1": "1 EXAMPLE WAY",
    "recipient_zip_4_code": "999990001",
    "recipient_phone_number": "5550100199",
    "recipient_fax_number": "5550100198",
}


def write_bulk(path: Path, recipients: list[dict[str, str]]) -> Path:
    with open(FIXTURES / "usaspending" / "bulk_fy18_small.csv", newline="") as fh:
        reader = csv.DictReader(fh)
        header, template = reader.fieldnames, next(reader)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        for n, fields in enumerate(recipients):
            row = dict(template, **CONTACTS)
            row.update(award_id_piid=f"70CMSW18P9999{n:04d}", recipient_parent_name="")
            row.update(recipient_parent_duns="", recipient_duns=f"9000000{n:02d}")
            row.update(corporate_entity_not_tax_exempt="f", sole_proprietorship="f")
            row.update(fields)
            writer.writerow(row)
    return path


BULK = [
    # a person's name, sole proprietor: an individual, contacts dropped
    {"recipient_name": "QUARRINGTON, ZELDA M", "sole_proprietorship": "t"},
    # a trade name of a sole proprietor: shown, but its contacts are a person's
    {"recipient_name": "MORROW VALLEY GUNS", "sole_proprietorship": "t"},
    # a company: shown, keeps its registered address
    {"recipient_name": "KESTREL HOLDINGS LLC", "corporate_entity_not_tax_exempt": "t"},
    # an organisation flag wins over the sole-proprietorship flag
    {
        "recipient_name": "TOVRIK HALLSTEIN",
        "sole_proprietorship": "t",
        "limited_liability_corporation": "t",
    },
    # the same DUNS also names "QUILLFEATHER INC.": an organisation
    {"recipient_name": "QUILLFEATHER", "recipient_duns": "900000077"},
    {"recipient_name": "QUILLFEATHER INC.", "recipient_duns": "900000077"},
    # a person's name with no flag at all
    {"recipient_name": "ODALRIC M FENWORTHY"},
]
INDIVIDUALS = {"QUARRINGTON, ZELDA M", "ODALRIC M FENWORTHY", "FENWORTHY, ODALRIC"}
CONTACTS_DROPPED = INDIVIDUALS | {"MORROW VALLEY GUNS", "TOVRIK HALLSTEIN"}


def test_ingest_judges_names_and_drops_contacts(tmp_path, cli, db_path):
    bulk = write_bulk(tmp_path / "bulk.csv", BULK)
    api = write_api_csv(
        tmp_path / "api.csv",
        [
            api_row(piid="70CMSD21P00000091", recipient="FENWORTHY, ODALRIC"),
            api_row(piid="70CMSD21P00000092", recipient="PEN-WRIGHT, LIMITED"),
            api_row(piid="70CMSD21P00000093", recipient="MORROW VALLEY GUNS"),
        ],
    )
    report = json.loads(cli("ingest", str(bulk), str(api), "--json").output)
    assert report["stored"] == len(BULK) + 3
    assert report["recipient_names_judged"] == len(BULK) + 2
    assert report["recipient_names_persons"] == len(INDIVIDUALS)
    assert report["person_detector"] == persons.DETECTOR_VERSION
    bulk_with_contacts = CONTACTS_DROPPED - {"FENWORTHY, ODALRIC"}
    assert report["minimised_individual_contacts"] == len(bulk_with_contacts)
    stored = dict(
        q(db_path, 'SELECT recipient_name, recipient_is_individual FROM "transaction"')
    )
    assert {n for n, individual in stored.items() if individual} == INDIVIDUALS
    rows = q(
        db_path,
        'SELECT t.recipient_name, s.raw_json FROM "transaction" t '
        "JOIN source_row s USING (transaction_key) "
        "WHERE t.source_format = 'bulk_contracts'",
    )
    for name, raw in rows:
        raw = json.loads(raw)
        kept = {c: raw[c] for c in INDIVIDUAL_CONTACT_COLUMNS if raw.get(c)}
        if name in CONTACTS_DROPPED:
            assert kept == {}, name
        else:
            assert kept["recipient_address_line_1"] == "1 EXAMPLE WAY", name


def test_a_batch_without_persons_marks_no_one(tmp_path, cli, db_path):
    api = write_api_csv(tmp_path / "api.csv", [api_row()])
    report = json.loads(cli("ingest", str(api), "--json").output)
    assert (report["recipient_names_judged"], report["recipient_names_persons"]) == (
        1,
        0,
    )
    assert q(db_path, 'SELECT bool_or(recipient_is_individual) FROM "transaction"') == [
        (False,)
    ]
