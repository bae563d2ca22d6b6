"""The stored raw row: values equal to their canonical column are stored once, yet the
`source_row` view and `custodes show transaction` still give back the exact raw row."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from custodes.cli import main
from tests.conftest import SHARED_DATA, need_shared
from tests.conftest import store_rows as q
from tests.ingest.csvmaker import API_HEADER, api_row, write_api_csv


def raw_rows(db: Path) -> dict[tuple[str, int], dict]:
    """(source file, line) -> the raw row as the view gives it."""
    rows = q(
        db,
        'SELECT t.source_file, t.source_line, s.raw_json FROM "transaction" t '
        "JOIN source_row s USING (transaction_key)",
    )
    return {(f, line): json.loads(raw) for f, line, raw in rows}


def file_rows(path: Path) -> dict[int, dict]:
    """line -> the row as Python's csv module reads it (empty fields as None)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = {}
        for row in reader:
            rows[reader.line_num] = {k.strip(): (v or None) for k, v in row.items()}
        return rows


def test_messy_values_come_back_exactly(cli, db_path, tmp_path):
    rows = [
        api_row(piid="70CMSD21P00000001"),  # clean: most values elided
        api_row(piid="70cmsd21p00000002", gaid=""),  # lower case PIID, no award id
        api_row(
            piid="70CMSD21P00000003",
            recipient="  SPACED SYSTEMS INC ",
            desc=" CALL 202-555-0143 FOR DETAILS ",
            mod="",
        ),
        api_row(
            piid="70CMSD21P00000004",
            gaid="cont_awd_70cmsd21p00000004_7012_-none-_-none-",
        ),
    ]
    path = write_api_csv(tmp_path / "messy.csv", rows)
    cli("ingest", str(path))
    got = raw_rows(db_path)
    expected = file_rows(path)
    expected[4]["Transaction Description"] = " CALL [phone removed] FOR DETAILS "
    assert {line: got[(str(path), line)] for line in expected} == expected
    # The clean row stores only what its canonical columns cannot give back.
    stored = dict(
        q(
            db_path,
            "SELECT source_line, from_json(raw_values, '[\"VARCHAR\"]') "
            'FROM "transaction" ORDER BY 1',
        )
    )
    elided = [h for h, v in zip(API_HEADER, stored[2], strict=True) if v is None]
    assert {"Award ID", "Recipient Name", "Transaction Description"} <= set(elided)
    assert "Generated Award ID" in elided and "Agency" not in elided
    assert stored[3][API_HEADER.index("Award ID")] == "70cmsd21p00000002"
    assert stored[4][API_HEADER.index("Recipient Name")] == "  SPACED SYSTEMS INC "
    assert stored[5][API_HEADER.index("Generated Award ID")].startswith("cont_awd")
    shown = json.loads(
        cli(
            "show",
            "transaction",
            q(
                db_path,
                'SELECT transaction_key FROM "transaction" WHERE source_line = 3',
            )[0][0],
            "--json",
        ).output
    )
    assert shown["raw"] == expected[3]


def test_changed_hash_alone_does_not_make_a_row_changed(cli, db_path, tmp_path):
    """The content hash may change with DuckDB's hash function; re-ingesting the same
    file must still find every row unchanged (the raw rows are compared)."""
    path = write_api_csv(
        tmp_path / "a.csv", [api_row(piid=f"70CMSD21P0000001{i}") for i in range(5)]
    )
    cli("ingest", str(path))
    con = duckdb.connect(str(db_path))
    con.execute('UPDATE "transaction" SET content_hash = xor(content_hash, 1)')
    con.close()
    report = json.loads(cli("ingest", str(path), "--json").output)
    assert (report["unchanged"], report["updated"], report["stored"]) == (5, 0, 0)
    changed = write_api_csv(
        tmp_path / "b.csv",
        [api_row(piid=f"70CMSD21P0000001{i}", amount="7.0") for i in range(5)],
    )
    report = json.loads(cli("ingest", str(changed), "--json").output)
    assert (report["unchanged"], report["updated"]) == (0, 5)


@pytest.mark.shared
def test_view_gives_back_every_real_row(tmp_path):
    """Every stored transaction's raw row equals the file's own row (Python's csv
    reader), except where contact details were minimised."""
    need_shared()
    db = tmp_path / "store.duckdb"
    result = CliRunner().invoke(
        main, ["--db", str(db), "ingest", str(SHARED_DATA / "usaspending")]
    )
    assert result.exit_code == 0, result.output
    got = raw_rows(db)
    minimised = {
        (f, line)
        for f, line in q(
            db,
            'SELECT source_file, source_line FROM "transaction" WHERE '
            "recipient_is_individual OR description LIKE '%[phone removed]%' "
            "OR description LIKE '%[e-mail removed]%' OR transaction_key IN ("
            "SELECT transaction_key FROM source_row "  # sole proprietors' contacts
            "WHERE json_extract_string(raw_json, '$.sole_proprietorship') = 't')",
        )
    }
    files = {f for f, _ in got}
    compared = 0
    for name in sorted(files):
        for line, row in file_rows(Path(name)).items():
            if (name, line) in got and (name, line) not in minimised:
                assert got[(name, line)] == row, (name, line)
                compared += 1
    assert compared > 45_000
    # and elision did happen: on average, over three values per row are not stored
    # twice (they come back from the canonical columns)
    stored = q(
        db,
        "SELECT sum(len(list_filter(from_json(raw_values, '[\"VARCHAR\"]'), "
        "lambda v: v IS NOT NULL))) "
        'FROM "transaction"',
    )[0][0]
    given = sum(sum(v is not None for v in row.values()) for row in got.values())
    assert given - stored > 3 * len(got)


def test_lines_are_right_on_both_write_paths(cli, db_path, tmp_path):
    """Unique keys find their line by key, repeated keys by file order: both must give
    the physical line, counting a rejected line before them."""
    a = api_row(piid="70CMSD21P00000001")
    text = (
        ",".join(API_HEADER)
        + "\n"
        + ",".join(a)
        + "\n"  # line 2: first of a repeated key
        + "ICE,ONLY,THREE\n"  # line 3: rejected (column count)
        + ",".join(a)
        + "\n"  # line 4: exact duplicate of line 2
        + ",".join(api_row(piid="70CMSD21P00000005"))
        + "\n"  # line 5
        + ",".join(api_row(piid="70CMSD21P00000001", amount="9.0"))
        + "\n"  # 6: conflict
        + ",".join(api_row(piid="70CMSD21P00000007"))
        + "\n"  # line 7
    )
    path = tmp_path / "lines.csv"
    path.write_text(text, encoding="utf-8")
    report = json.loads(cli("ingest", str(path), "--json").output)
    assert (report["stored"], report["duplicates"]) == (3, 1)
    assert q(db_path, 'SELECT piid, source_line FROM "transaction" ORDER BY 2') == [
        ("70CMSD21P00000001", 2),
        ("70CMSD21P00000005", 5),
        ("70CMSD21P00000007", 7),
    ]
    assert q(db_path, "SELECT line FROM quarantine ORDER BY 1") == [(3,), (6,)]


def test_bad_rows_keep_their_raw_row_and_line(cli, db_path, tmp_path):
    """Bad rows' raw rows are fetched in a separate read: right rows, right lines, and
    minimised like every stored raw row."""
    rows = [
        api_row(piid="70CMSD21P00000001"),
        api_row(piid="70CMSD21P00000002", amount="1.4E+11"),
        api_row(piid="70CMSD21P00000003"),
        api_row(piid="70CMSD21P00000004", date="2023-13-01", desc="CALL 202-555-0143"),
    ]
    text = (
        ",".join(API_HEADER)
        + "\n"
        + "ICE,ONLY,THREE\n"  # line 2: rejected by the CSV reader
        + "".join(",".join(r) + "\n" for r in rows)  # lines 3 to 6
    )
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    report = json.loads(cli("ingest", str(path), "--json").output)
    assert (report["stored"], report["quarantined"]) == (2, 3)
    got = q(db_path, "SELECT line, reason, raw_text FROM quarantine ORDER BY line")
    assert [line for line, _, _ in got] == [2, 4, 6]
    assert "scientific notation" in got[1][1] and "not a date" in got[2][1]
    expected = dict(zip(API_HEADER, rows[1], strict=True))
    assert json.loads(got[1][2]) == expected
    masked = dict(zip(API_HEADER, rows[3], strict=True))
    masked["Transaction Description"] = "CALL [phone removed]"
    assert json.loads(got[2][2]) == masked
    assert q(db_path, 'SELECT source_line FROM "transaction" ORDER BY 1') == [
        (3,),
        (5,),
    ]


def test_a_store_with_raw_values_as_a_list_still_works(cli, db_path, tmp_path):
    """Stores made before raw_values became JSON text keep their VARCHAR[] column: an
    ingest writes lists into it and the view reads them, re-ingest finds no change."""
    from custodes.store.tables import schema_sql

    old = schema_sql().replace(
        "raw_values                 VARCHAR ", "raw_values VARCHAR[] "
    )
    assert old != schema_sql()
    con = duckdb.connect(str(db_path))
    con.execute(old)
    con.close()
    path = write_api_csv(
        tmp_path / "a.csv",
        [api_row(piid="70CMSD21P00000001"), api_row(piid="70cmsd21p00000002", mod="")],
    )
    cli("ingest", str(path))
    assert q(db_path, 'SELECT DISTINCT typeof(raw_values) FROM "transaction"') == [
        ("VARCHAR[]",)
    ]
    got = raw_rows(db_path)
    assert {line: got[(str(path), line)] for line in file_rows(path)} == file_rows(path)
    report = json.loads(cli("ingest", str(path), "--json").output)
    assert (report["unchanged"], report["updated"], report["stored"]) == (2, 0, 0)
