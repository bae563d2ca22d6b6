"""Adding a source is adding one folder: a toy source registered here is ingested end
to end into the same canonical table, beside a USAspending file, with nothing in
ingest told about it (tests/sources/toycity/ is the whole source; docs/sources.md)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from custodes import sources
from custodes.sources.base import Format
from tests.conftest import store_rows
from tests.ingest.csvmaker import api_row, write_api_csv
from tests.sources import toycity


@pytest.fixture
def toy():
    sources.register(toycity.SOURCE)
    yield toycity.SOURCE
    sources.unregister(toycity.SOURCE.name)


def write_toy(path, rows) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(toycity.KNOWN)
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return str(path)


ROWS = [
    [
        "po-1",
        "1",
        "ACME SENSOR SYSTEMS INC",
        "1250.00",
        "2024-03-05",
        "Police",
        "Plate readers; call 202-555-0143",
    ],
    ["PO-1", "2", "ACME SENSOR SYSTEMS INC", "-250.10", "2024-03-09", "Police", ""],
    ["PO-2", "1", "NORTHWIND DATA LLC", "99.99", "2023-10-01", "Parks", "Cameras"],
    ["PO-3", "1", "BLUEHARBOR ANALYTICS CORP", "lots", "2024-01-01", "Police", "?"],
]


def test_a_registered_source_is_ingested_beside_usaspending(
    toy, cli, db_path, tmp_path
):
    toy_file = write_toy(tmp_path / "toyville.csv", ROWS)
    api_file = write_api_csv(tmp_path / "api.csv", [api_row(piid="A1")])
    report = json.loads(cli("ingest", toy_file, str(api_file), "--json").output)
    assert [f["format"] for f in report["files"]] == ["toycity_po", "api_search"]
    assert (report["stored"], report["quarantined"]) == (4, 1)
    rows = store_rows(
        db_path,
        "SELECT transaction_key, award_key, piid, modification_number, action_date, "
        "fiscal_year, obligation_usd, recipient_name, awarding_agency_name, "
        "awarding_sub_agency_name, description, source_line, recipient_uei "
        "FROM \"transaction\" WHERE source_format = 'toycity_po' ORDER BY 1",
    )
    assert [r[0] for r in rows] == [
        "TOYCITY_PO-1_1",
        "TOYCITY_PO-1_2",
        "TOYCITY_PO-2_1",
    ]
    first = rows[0]
    assert first[1:4] == ("TOYCITY_PO-1", "PO-1", "1")
    assert str(first[4]) == "2024-03-05" and first[5] == 2024
    assert sum(r[6] for r in rows) == Decimal("1099.89")
    assert first[7:10] == ("ACME SENSOR SYSTEMS INC", "City of Toyville", "Police")
    assert first[10] == "Plate readers; call [phone removed]"  # minimised like any
    assert rows[2][5] == 2024  # 2023-10-01 is in FY2024
    assert [r[11] for r in rows] == [2, 3, 4] and first[12] is None
    # The bad row is quarantined with its line, reason and raw row.
    line, reason, raw = store_rows(
        db_path, "SELECT line, reason, raw_text FROM quarantine"
    )[0]
    assert line == 5 and reason == "field Amount = 'lots': not a number"
    assert json.loads(raw)["PO Number"] == "PO-3"
    # Elided raw values (Vendor, Item) are not stored twice, and come back whole.
    stored, restored = store_rows(
        db_path,
        'SELECT t.raw_values, s.raw_json FROM "transaction" t JOIN source_row s '
        "USING (transaction_key) WHERE transaction_key = 'TOYCITY_PO-1_1'",
    )[0]
    assert json.loads(stored)[2] is None
    assert json.loads(restored) == dict(
        zip(
            toycity.KNOWN,
            [*ROWS[0][:6], "Plate readers; call [phone removed]"],
            strict=True,
        )
    )
    shown = json.loads(cli("show", "transaction", "TOYCITY_PO-2_1", "--json").output)
    assert shown["canonical"]["recipient_name"] == "NORTHWIND DATA LLC"
    # Ingesting again changes nothing: the raw rows compare equal.
    again = json.loads(cli("ingest", toy_file, "--json").output)
    assert (again["stored"], again["unchanged"], again["updated"]) == (0, 3, 0)


def test_a_file_of_no_format_names_every_source(toy, cli, tmp_path):
    bad = tmp_path / "odd.csv"
    bad.write_text("Colour,Size\nred,1\n")
    result = cli("ingest", str(bad), expect=1)
    text = " ".join(result.output.split())
    assert "a USAspending api-search extract" in text
    assert "or a Toyville purchase-order export" in text


def test_format_names_are_unique_across_sources(toy):
    class Clash(toycity.ToyCity):
        name = "clash"

        def formats(self) -> tuple[Format, ...]:
            return (Format("api_search", ("x",), ("x",), toycity.canonical),)

    with pytest.raises(ValueError, match="already read by source usaspending"):
        sources.register(Clash())
    assert "clash" not in sources.SOURCES


def test_without_registering_the_file_is_refused(cli, tmp_path):
    result = cli("ingest", write_toy(tmp_path / "t.csv", ROWS[:1]), expect=1)
    assert "header matches no known format" in " ".join(result.output.split())


def test_the_new_source_gets_the_person_detector_for_free(toy, cli, db_path, tmp_path):
    """Its Format names the vendor column as recipient evidence, so an (invented)
    person's row is flagged like a USAspending individual's."""
    rows = [
        ["PO-9", "1", "SMITH, JOHN A", "10.00", "2024-02-02", "Parks", "Mowing"],
        ["PO-9", "2", "ACME SENSOR SYSTEMS INC", "5.00", "2024-02-02", "Parks", "x"],
    ]
    cli("ingest", write_toy(tmp_path / "p.csv", rows))
    assert store_rows(
        db_path,
        'SELECT recipient_name, recipient_is_individual FROM "transaction" ORDER BY 1',
    ) == [("ACME SENSOR SYSTEMS INC", False), ("SMITH, JOHN A", True)]
