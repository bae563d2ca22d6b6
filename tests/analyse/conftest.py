"""Stores for the analysis tests: a small hand-written one, and one from the real data.

The hand-written store holds invented company recipients only. It includes the tables
other stages write (classification, vendor, transaction_vendor, award_maker), created
here from the contracts in the project brief, so these tests do not depend on
`custodes resolve` / `custodes classify`.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from custodes.cli import main
from custodes.settings import Settings
from custodes.store import open_store
from tests.conftest import SHARED_DATA, need_shared

# transaction_key, award_key, piid, modification, action_date, fiscal_year, usd,
# recipient, sub-agency code, description, ingest run
TRANSACTIONS = [
    (
        "t1",
        "A1",
        "P-A1",
        "0",
        date(2020, 11, 15),
        2021,
        "1000.10",
        "ACME SENSORS LLC",
        "7012",
        "CAMERA SYSTEMS BASE",
        1,
    ),
    (
        "t2",
        "A1",
        "P-A1",
        "P00001",
        date(2021, 3, 2),
        2021,
        "250.25",
        "ACME SENSORS LLC",
        "7012",
        "ADD CAMERAS",
        1,
    ),
    (
        "t3",
        "A1",
        "P-A1",
        "P00002",
        date(2021, 12, 1),
        2022,
        "-100.05",
        "ACME SENSORS LLC",
        "7012",
        "DEOBLIGATE UNUSED FUNDS",
        1,
    ),
    (
        "t4",
        "A2",
        "P-A2",
        "0",
        date(2022, 1, 10),
        2022,
        "5000.00",
        "BETA DATA INC",
        "7012",
        "DATA PLATFORM LICENSES",
        1,
    ),
    (
        "t5",
        "A2",
        "P-A2",
        "P00001",
        date(2022, 10, 5),
        2023,
        "1234.56",
        "BETA DATA INC",
        "7012",
        "OPTION YEAR 1",
        2,
    ),
    (
        "t6",
        "A3",
        "P-A3",
        "0",
        date(2021, 6, 30),
        2021,
        "800.00",
        "GAMMA FACILITIES CORP",
        "7014",
        "JANITORIAL SERVICES",
        1,
    ),
    (
        "t7",
        "A3",
        "P-A3",
        "P00001",
        date(2023, 2, 14),
        2023,
        "99.99",
        "GAMMA FACILITIES CORP",
        "7014",
        "JANITORIAL OPTION",
        2,
    ),
    (
        "t8",
        "A4",
        "P-A4",
        "0",
        date(2023, 5, 5),
        2023,
        "3000.33",
        "ACME SENSORS LLC",
        "7014",
        "LICENSE PLATE READERS",
        1,
    ),
    (
        "t9",
        "A5",
        "P-A5",
        "0",
        date(2021, 1, 20),
        2021,
        "42.42",
        "DELTA LOGISTICS LLC",
        "7012",
        "TRUCK RENTAL",
        1,
    ),
]
TX_COLUMNS = (
    "transaction_key",
    "award_key",
    "piid",
    "modification_number",
    "action_date",
    "fiscal_year",
    "obligation_usd",
    "recipient_name",
    "awarding_sub_agency_code",
    "description",
    "ingest_run_id",
)
SUB_AGENCY_NAMES = {
    "7012": "U.S. Immigration and Customs Enforcement",
    "7014": "U.S. Customs and Border Protection",
}
CLASSIFICATION = {
    "A1": "biometrics",
    "A2": "data-analytics",
    "A3": "none",
    "A4": "biometrics",
}  # A5 deliberately unclassified
VENDORS = [
    ("v-acme", "Acme Sensors", "v-holding", "v-holding"),
    ("v-beta", "Beta Data", "v-holding", "v-holding"),
    ("v-holding", "Acme Holdings", None, "v-holding"),
    ("v-gamma", "Gamma Facilities", None, "v-gamma"),
]
TRANSACTION_VENDOR = {
    "t1": "v-acme",
    "t2": "v-acme",
    "t3": "v-acme",
    "t4": "v-beta",
    "t5": "v-beta",
    "t6": "v-gamma",
    "t7": "v-gamma",
    "t8": "v-acme",
}
MAKERS = [("A1", "VisionCam"), ("A4", "VisionCam"), ("A4", "OtherMaker")]
REVISION = ("t7", 2, Decimal("90.00"))  # t7 was 90.00 before run 2 revised it
RUN_STARTS = {1: "2024-01-01 10:00:00", 2: "2025-03-01 10:00:00"}


def fixture_rows() -> list[dict]:
    return [
        dict(zip(TX_COLUMNS, row, strict=True)) | {"obligation_usd": Decimal(row[6])}
        for row in TRANSACTIONS
    ]


def write_contract_tables(con, classified: bool = True, resolved: bool = True) -> None:
    """Create the other stages' tables, per the contracts in the brief."""
    if classified:
        con.execute(
            "CREATE TABLE classification (award_key VARCHAR, category VARCHAR, "
            "confidence DOUBLE, evidence VARCHAR, maker VARCHAR, method VARCHAR, "
            "taxonomy_version VARCHAR, rules_version VARCHAR)"
        )
        con.executemany(
            "INSERT INTO classification VALUES (?, ?, 0.9, '[]', NULL, "
            "'rules', 'test-tax-1', 'test-rules-7')",
            list(CLASSIFICATION.items()),
        )
        con.execute(
            "CREATE TABLE classification_run (run_at TIMESTAMP, taxonomy_version "
            "VARCHAR, rules_version VARCHAR, overrides_applied INT, awards INT)"
        )
        con.execute(
            "INSERT INTO classification_run VALUES ('2025-01-01', 'old-tax', "
            "'old-rules', 0, 4), ('2025-04-01', 'test-tax-1', 'test-rules-7', 2, 4)"
        )
    if resolved:
        con.execute(
            "CREATE TABLE vendor (vendor_id VARCHAR, name VARCHAR, "
            "parent_id VARCHAR, family_id VARCHAR, kind VARCHAR)"
        )
        con.executemany(
            "INSERT INTO vendor VALUES (?, ?, ?, ?, 'company')",
            [(v, n, p, f) for v, n, p, f in VENDORS],
        )
        con.execute(
            "CREATE TABLE transaction_vendor (transaction_key VARCHAR, "
            "vendor_id VARCHAR)"
        )
        con.executemany(
            "INSERT INTO transaction_vendor VALUES (?, ?)",
            list(TRANSACTION_VENDOR.items()),
        )
        con.execute(
            "CREATE TABLE award_maker (award_key VARCHAR, maker VARCHAR, "
            "maker_vendor_id VARCHAR, product_id VARCHAR, evidence VARCHAR)"
        )
        con.executemany(
            "INSERT INTO award_maker VALUES (?, ?, NULL, 'p', 'text')", MAKERS
        )


def build_fixture_store(
    path: Path, classified: bool = True, resolved: bool = True
) -> Path:
    with open_store(Settings(db=path), write=True, command="test") as store:
        con = store.con
        for run, started in RUN_STARTS.items():
            con.execute(
                "INSERT INTO ingest_run (run_id, command, started_at) "
                "VALUES (?, 'ingest', ?)",
                [run, started],
            )
        cols = ", ".join(TX_COLUMNS)
        con.executemany(
            f'INSERT INTO "transaction" ({cols}, award_key_source, '
            "awarding_sub_agency_name)"
            f" VALUES ({', '.join('?' * len(TX_COLUMNS))}, 'source', ?)",
            [(*row, SUB_AGENCY_NAMES[row[8]]) for row in TRANSACTIONS],
        )
        con.execute(
            "INSERT INTO transaction_revision VALUES (?, ?, '2025-03-01', ?, "
            "'h', '{}')",
            list(REVISION),
        )
        write_contract_tables(con, classified, resolved)
    return path


@pytest.fixture(scope="session")
def fixture_db(tmp_path_factory) -> Path:
    return build_fixture_store(tmp_path_factory.mktemp("analyse") / "fixture.duckdb")


@pytest.fixture
def run_cli():
    """Run `custodes ARGS` in-process; returns the click Result."""

    def run(*args: str, expect: int | None = 0):
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
        if expect is not None:
            assert result.exit_code == expect, result.output
        return result

    return run


SHARED_CONTRACT_SQL = [
    # Stand-ins for classify/resolve output on the real data, built by fixed rules here.
    """CREATE TABLE classification AS SELECT award_key, CASE
         WHEN any_value(psc_code) LIKE 'D3%' OR any_value(psc_code) LIKE '7%'
           THEN 'it-data'
         WHEN any_value(psc_code) LIKE 'R%' THEN 'services'
         WHEN any_value(psc_code) LIKE '58%' THEN 'sensors'
         ELSE 'none' END AS category,
         CASE WHEN any_value(psc_code) LIKE 'Y%' OR any_value(psc_code) LIKE 'Z%'
              THEN 'sensors' END AS component_category,
         0.5 AS confidence, '[]' AS evidence,
         NULL::VARCHAR AS maker, 'rules' AS method, 'shared-test' AS taxonomy_version,
         'shared-test' AS rules_version FROM "transaction" GROUP BY award_key""",
    """CREATE TABLE classification_run AS SELECT TIMESTAMP '2025-01-01' AS run_at,
         'shared-test' AS taxonomy_version, 'shared-test' AS rules_version,
         0 AS overrides_applied, count(*)::INT AS awards FROM classification""",
    # One row per vendor id, as the resolve contract says (a name seen under several
    # parents takes the first parent's family).
    """CREATE TABLE vendor AS SELECT 'v-' || md5(upper(recipient_name)) AS vendor_id,
         upper(any_value(recipient_name)) AS name, NULL::VARCHAR AS parent_id,
         min('f-' || md5(upper(coalesce(recipient_parent_name, recipient_name))))
             AS family_id,
         'company' AS kind FROM "transaction" WHERE recipient_name IS NOT NULL
         GROUP BY 1""",
    """INSERT INTO vendor SELECT DISTINCT
         'f-' || md5(upper(coalesce(recipient_parent_name, recipient_name))),
         upper(coalesce(recipient_parent_name, recipient_name)), NULL, NULL, 'family'
         FROM "transaction" WHERE recipient_name IS NOT NULL""",
    """CREATE TABLE transaction_vendor AS SELECT transaction_key,
         'v-' || md5(upper(recipient_name)) AS vendor_id FROM "transaction"
         WHERE recipient_name IS NOT NULL""",
    """CREATE TABLE award_maker AS SELECT DISTINCT award_key,
         CASE WHEN description LIKE '%PALANTIR%' THEN 'Palantir'
              WHEN description LIKE '%MOTOROLA%' THEN 'Motorola' ELSE 'Cellebrite' END
         AS maker, NULL::VARCHAR AS maker_vendor_id, 'p' AS product_id,
         description AS evidence FROM "transaction"
         WHERE description LIKE '%PALANTIR%' OR description LIKE '%MOTOROLA%'
            OR description LIKE '%CELLEBRITE%'""",
]


@pytest.fixture(scope="session")
def shared_db(tmp_path_factory) -> Path:
    """The real data ingested once, plus rule-made contract tables (see above)."""
    need_shared()
    path = tmp_path_factory.mktemp("analyse-shared") / "shared.duckdb"
    result = CliRunner().invoke(
        main,
        ["--db", str(path), "ingest", str(SHARED_DATA / "usaspending")],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    with open_store(Settings(db=path), write=True, command="test") as store:
        for sql in SHARED_CONTRACT_SQL:
            store.con.execute(sql)
    return path


@pytest.fixture(scope="session")
def spark_session():
    pytest.importorskip("pyspark")
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark tests need Java (none found on PATH or JAVA_HOME)")
    from custodes.analyse.engines import build_spark_session

    session = build_spark_session("local[2]")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url():
    """A throwaway PostgreSQL server on 127.0.0.1, stopped at the end of the session."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        pytest.skip(
            "PostgreSQL binaries not found in /usr/lib/postgresql/*/bin "
            "(apt-get install postgresql)"
        )
    bindir = Path(bins[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="custodes-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        os.chmod(root, 0o755)
        shutil.chown(root, "nobody")
        as_user = ["runuser", "-u", "nobody", "--"]
    data, port = root / "data", _free_port()
    run = lambda *a: subprocess.run([*as_user, *a], check=True, capture_output=True)  # noqa: E731
    run(
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-A",
        "trust",
        "-U",
        "custodes",
        "--no-locale",
        "-E",
        "UTF8",
    )
    run(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(root / "log"),
        "-w",
        "-o",
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1",
        "start",
    )
    try:
        import psycopg

        with psycopg.connect(
            f"postgresql://custodes@127.0.0.1:{port}/postgres", autocommit=True
        ) as con:
            con.execute("CREATE DATABASE custodes")
        yield f"postgresql://custodes@127.0.0.1:{port}/custodes"
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)
