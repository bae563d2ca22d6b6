"""Bad input gets a clear error, is quarantined with file/line/reason, and loses
nothing."""

from __future__ import annotations

import gzip
import json
import zipfile
from decimal import Decimal

from tests.conftest import store_rows
from tests.ingest.csvmaker import API_HEADER, api_row, csv_text, write_api_csv


def test_good_file_is_stored_with_provenance(cli, db_path, tmp_path):
    f = write_api_csv(
        tmp_path / "a.csv",
        [api_row(amount="10.5"), api_row(mod="P00001", amount="-3.25")],
    )
    out = cli("ingest", str(f), "--json").output
    report = json.loads(out)
    assert report["stored"] == 2 and report["quarantined"] == 0
    rows = store_rows(
        db_path,
        "SELECT modification_number, obligation_usd, source_line, "
        'fiscal_year, source_format FROM "transaction" ORDER BY 1',
    )
    assert rows == [
        ("0", Decimal("10.50"), 2, 2021, "api_search"),
        ("P00001", Decimal("-3.25"), 3, 2021, "api_search"),
    ]


def test_empty_file_is_refused_and_nothing_usable_exits_1(cli, tmp_path):
    f = tmp_path / "empty.csv"
    f.write_bytes(b"")
    result = cli("ingest", str(f), expect=1)
    text = " ".join(result.output.split())
    assert "empty file" in text
    assert "no usable rows" in text


def test_header_only_reads_nothing_and_exits_1(cli, db_path, tmp_path):
    f = tmp_path / "header.csv"
    f.write_text(",".join(API_HEADER) + "\n")
    cli("ingest", str(f), expect=1)
    assert store_rows(db_path, 'SELECT count(*) FROM "transaction"') == [(0,)]


def test_unknown_header_names_missing_and_unexpected_columns(cli, db_path, tmp_path):
    header = [h for h in API_HEADER if h != "Action Date"] + ["Colour"]
    f = tmp_path / "odd.csv"
    f.write_text(csv_text([["x"] * len(header)], header=header))
    result = cli("ingest", str(f), expect=1)
    text = " ".join(result.output.split())
    assert "missing columns ['Action Date']" in text
    assert "unexpected columns ['Colour']" in text
    q = store_rows(db_path, "SELECT source_file, line, reason FROM quarantine")
    assert q[0][1] == 1 and "header matches no known format" in q[0][2]


def test_truncated_last_line_is_quarantined_with_its_line(cli, db_path, tmp_path):
    text = csv_text([api_row(piid="A1"), api_row(piid="A2")])
    f = tmp_path / "cut.csv"
    f.write_text(text + "ICE,A3,EXAMPLE SYSTEMS INC,12.0,2021-0")  # cut mid-row
    report = json.loads(cli("ingest", str(f), "--json").output)
    assert report["stored"] == 2 and report["quarantined"] == 1
    line, reason, raw = store_rows(
        db_path, "SELECT line, reason, raw_text FROM quarantine"
    )[0]
    assert line == 4 and "missing columns" in reason and raw.startswith("ICE,A3")


def test_wrong_column_count_in_the_middle_keeps_later_line_numbers(
    cli, db_path, tmp_path
):
    rows = [api_row(piid="B1"), ["ICE", "B2", "TOO FEW"], api_row(piid="B3")]
    f = tmp_path / "cols.csv"
    f.write_text(csv_text(rows))
    cli("ingest", str(f))
    assert store_rows(
        db_path, 'SELECT piid, source_line FROM "transaction" ORDER BY 1'
    ) == [("B1", 2), ("B3", 4)]
    assert store_rows(db_path, "SELECT line FROM quarantine") == [(3,)]


def test_utf8_bom_is_accepted(cli, db_path, tmp_path):
    f = tmp_path / "bom.csv"
    f.write_bytes(b"\xef\xbb\xbf" + csv_text([api_row()]).encode())
    report = json.loads(cli("ingest", str(f), "--json").output)
    assert report["stored"] == 1 and report["files"][0]["format"] == "api_search"


def test_latin1_bytes_are_quarantined_with_the_raw_bytes_escaped(
    cli, db_path, tmp_path
):
    good = csv_text([api_row(piid="C1")]).encode()
    bad = ",".join(api_row(piid="C2", recipient="SOCI\xc9T\xc9 EXAMPLE")).encode(
        "latin-1"
    )
    f = tmp_path / "latin1.csv"
    f.write_bytes(
        good + bad + b"\r\n" + ",".join(api_row(piid="C3")).encode() + b"\r\n"
    )
    report = json.loads(cli("ingest", str(f), "--json").output)
    assert report["stored"] == 2 and report["quarantined"] == 1
    line, reason, raw = store_rows(
        db_path, "SELECT line, reason, raw_text FROM quarantine"
    )[0]
    assert line == 3 and "invalid encoding" in reason
    assert "SOCI\\xc9T\\xc9 EXAMPLE" in raw


def test_long_formula_and_markup_descriptions_are_stored_verbatim(
    cli, db_path, tmp_path
):
    long = "SURVEILLANCE " + "X" * 19987
    formula = '=HYPERLINK("http://example.invalid","click")'
    markup = '<script>alert("x")</script><b>bold</b> & <img src=x onerror=alert(1)>'
    f = write_api_csv(
        tmp_path / "text.csv",
        [
            api_row(piid="D1", desc=long),
            api_row(piid="D2", desc=formula),
            api_row(piid="D3", desc=markup),
        ],
    )
    cli("ingest", str(f))
    got = dict(store_rows(db_path, 'SELECT piid, description FROM "transaction"'))
    assert len(got["D1"]) == 20000 and got["D1"] == long
    assert got["D2"] == formula and got["D3"] == markup


def test_negative_and_zero_obligations_are_valid_and_sum_exactly(
    cli, db_path, tmp_path
):
    amounts = ["0.1", "0.2", "-0.3", "0.0", "-13800.0", "13800.0", "1234567890123.45"]
    rows = [api_row(piid=f"E{i}", amount=a) for i, a in enumerate(amounts)]
    f = write_api_csv(tmp_path / "money.csv", rows)
    cli("ingest", str(f))
    total = store_rows(db_path, 'SELECT sum(obligation_usd) FROM "transaction"')[0][0]
    assert total == sum(Decimal(a) for a in amounts) == Decimal("1234567890123.45")


def test_bad_amounts_and_dates_are_quarantined_with_reasons(cli, db_path, tmp_path):
    rows = [
        api_row(piid="F1", amount="12,34.5"),
        api_row(piid="F2", amount="1.4E+11"),
        api_row(piid="F3", amount=""),
        api_row(piid="F4", amount="1.005"),
        api_row(piid="F5", date="2023-13-01"),
        api_row(piid="F6", date="yesterday"),
        api_row(piid="F7", amount="$1,234.50"),
    ]
    f = write_api_csv(tmp_path / "bad.csv", rows)
    report = json.loads(cli("ingest", str(f), "--json").output)
    assert report["stored"] == 1  # F7: dollar sign and grouping are fine
    reasons = dict(store_rows(db_path, "SELECT line, reason FROM quarantine"))
    assert "not a number" in reasons[2] and "'12,34.5'" in reasons[2]
    assert "scientific notation" in reasons[3]
    assert "empty amount" in reasons[4]
    assert "fractions of a cent" in reasons[5]
    assert "not a date" in reasons[6] and "2023-13-01" in reasons[6]
    assert "not a date" in reasons[7]
    assert store_rows(db_path, 'SELECT obligation_usd FROM "transaction"') == [
        (Decimal("1234.50"),)
    ]


def test_quarantine_command_lists_rows(cli, tmp_path):
    f = write_api_csv(tmp_path / "q.csv", [api_row(amount="abc"), api_row(piid="G2")])
    cli("ingest", str(f))
    data = json.loads(cli("quarantine", "--json").output)
    assert data["total"] == 1
    assert data["rows"][0]["line"] == 2 and data["rows"][0]["source_file"].endswith(
        "q.csv"
    )


def test_strict_writes_nothing_when_anything_is_bad(cli, db_path, tmp_path):
    f = write_api_csv(tmp_path / "s.csv", [api_row(amount="abc"), api_row(piid="H2")])
    result = cli("ingest", "--strict", str(f), expect=1)
    assert "nothing was written" in " ".join(result.output.split())
    assert not db_path.exists() or store_rows(
        db_path, 'SELECT count(*) FROM "transaction"'
    ) == [(0,)]


def test_gzip_and_zip_inputs(cli, db_path, tmp_path):
    gz = tmp_path / "a.csv.gz"
    gz.write_bytes(gzip.compress(csv_text([api_row(piid="Z1")]).encode()))
    zp = tmp_path / "bulk.zip"
    with zipfile.ZipFile(zp, "w") as z:
        z.writestr("part1/x.csv", csv_text([api_row(piid="Z2")]))
        z.writestr("part2/y.csv", csv_text([api_row(piid="Z3")]))
        z.writestr("readme.txt.md", "not data")
    report = json.loads(cli("ingest", str(gz), str(zp), "--json").output)
    assert report["stored"] == 3
    files = store_rows(db_path, "SELECT path, member FROM source_file ORDER BY member")
    assert (str(zp), "part1/x.csv") in files


def test_directory_mixing_both_formats(cli, db_path, tmp_path):
    from tests.conftest import FIXTURES

    report = json.loads(cli("ingest", str(FIXTURES / "usaspending"), "--json").output)
    formats = {f["format"] for f in report["files"]}
    assert formats == {"api_search", "bulk_contracts"}
    by_format = dict(
        store_rows(
            db_path, 'SELECT source_format, count(*) FROM "transaction" GROUP BY 1'
        )
    )
    assert by_format["api_search"] > 50 and by_format["bulk_contracts"] > 10


def test_missing_path_is_a_clear_error(cli, tmp_path):
    result = cli("ingest", str(tmp_path / "nope.csv"), expect=1)
    assert "no such file or directory" in " ".join(result.output.split())


def test_repeated_keys_spread_over_some_files_of_a_batch(cli, db_path, tmp_path):
    """Only the files with repeated keys are read again in file order; the others keep
    their rows and lines. A key repeated only by a bad row is no duplicate."""
    a = write_api_csv(
        tmp_path / "a.csv",
        [api_row(piid="K1"), api_row(piid="K1", amount="abc"), api_row(piid="K2")],
    )
    b = write_api_csv(
        tmp_path / "b.csv",
        [api_row(piid="K3"), api_row(piid="K3"), api_row(piid="K4", amount="-5.0")],
    )
    c = write_api_csv(tmp_path / "c.csv", [api_row(piid="K5", amount="7.25")])
    report = json.loads(cli("ingest", str(a), str(b), str(c), "--json").output)
    assert (report["stored"], report["duplicates"], report["quarantined"]) == (5, 1, 1)
    rows = store_rows(
        db_path,
        "SELECT piid, regexp_extract(source_file, '[abc][.]csv$'), source_line, "
        'obligation_usd FROM "transaction" ORDER BY piid',
    )
    assert rows == [
        ("K1", "a.csv", 2, Decimal("100.00")),
        ("K2", "a.csv", 4, Decimal("100.00")),
        ("K3", "b.csv", 2, Decimal("100.00")),
        ("K4", "b.csv", 4, Decimal("-5.00")),
        ("K5", "c.csv", 2, Decimal("7.25")),
    ]
    assert store_rows(db_path, "SELECT line FROM quarantine") == [(3,)]


def test_key_repeated_only_by_a_bad_row(cli, db_path, tmp_path):
    a = write_api_csv(
        tmp_path / "a.csv", [api_row(piid="K1", amount="abc"), api_row(piid="K1")]
    )
    c = write_api_csv(tmp_path / "c.csv", [api_row(piid="K5")])
    report = json.loads(cli("ingest", str(a), str(c), "--json").output)
    assert (report["stored"], report["duplicates"], report["quarantined"]) == (2, 0, 1)
    assert store_rows(
        db_path, 'SELECT piid, source_line FROM "transaction" ORDER BY piid'
    ) == [("K1", 3), ("K5", 2)]
