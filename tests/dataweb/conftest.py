"""A small hand-written data web (institutions only) for tests to copy and break."""

from __future__ import annotations

import copy
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from custodes.dataweb.loader import default_data_dir
from custodes.settings import Settings
from custodes.store.duckdb import open_store

SRC = ["src.one"]

MINIMAL: dict[str, list[dict]] = {
    "organisations.yaml": [
        {
            "id": "org.agency",
            "name": "Example Department",
            "kind": "agency",
            "summary": "A federal department.",
            "sources": SRC,
        },
        {
            "id": "org.comp",
            "name": "Example Enforcement Office",
            "kind": "component",
            "parent": "org.agency",
            "summary": "Part of the department.",
            "sources": SRC,
        },
        {
            "id": "org.vendor",
            "name": "Casework Software Inc.",
            "kind": "vendor",
            "summary": "Sells case software.",
            "sources": SRC,
        },
        {
            "id": "org.broker",
            "name": "Records Broker LLC",
            "kind": "data_broker",
            "summary": "Sells records searches.",
            "sources": ["src.two"],
        },
        {
            "id": "org.network",
            "name": "Records Network",
            "kind": "other",
            "summary": "Carries record queries between agencies.",
            "sources": SRC,
        },
    ],
    "systems.yaml": [
        {
            "id": "sys.case",
            "name": "Case System",
            "operator": "org.comp",
            "vendors": ["org.vendor"],
            "category": "case_management_analytics",
            "status": "active",
            "summary": "Case management.",
            "sources": SRC,
        },
    ],
    "data_sources.yaml": [
        {
            "id": "ds.records",
            "name": "Broker records",
            "holder": "org.broker",
            "data_categories": ["address", "vehicle"],
            "summary": "Aggregated records.",
            "sources": ["src.two"],
        },
    ],
    "flows.yaml": [
        {
            "id": "flow.records_to_case",
            "from": "ds.records",
            "to": "sys.case",
            "hops": ["org.network"],
            "facilitators": [{"id": "org.vendor", "role": "contractor"}],
            "agreement": "con.sub",
            "data_categories": ["address"],
            "since": "2020-01",
            "status": "active",
            "history": [
                {
                    "date": "2020-01-15",
                    "status": "active",
                    "event": "Subscription starts",
                },
                {
                    "date": "2021-03",
                    "status": "suspended",
                    "event": "Stop-work order",
                    "sources": ["src.two"],
                },
                {"date": "2022", "status": "active", "event": "Reactivated"},
            ],
            "summary": "Broker records reach the case system.",
            "sources": ["src.one", "src.two"],
        },
        {
            "id": "flow.case_to_agency",
            "from": "sys.case",
            "to": "org.agency",
            "data_categories": ["address", "identity"],
            "since": "2020",
            "until": "2021",
            "status": "ended",
            "summary": "Case data shared upward.",
            "sources": SRC,
        },
    ],
    "agreements.yaml": [
        {
            "id": "con.sub",
            "kind": "contract",
            "vendor": "org.broker",
            "agency": "org.comp",
            "amount_usd": 1000,
            "date": "2020-01-15",
            "status": "active",
            "summary": "Records subscription.",
            "sources": ["src.two"],
        },
    ],
    "figures.yaml": [
        {
            "id": "fig.count",
            "value": 10,
            "unit": "searches",
            "measured_by": "Test audit",
            "relates_to": ["flow.records_to_case"],
            "summary": "Searches counted.",
            "sources": SRC,
        },
    ],
    "funding.yaml": [
        {
            "id": "fund.case_a",
            "system": "sys.case",
            "piid": "PIIDA",
            "agency": "ICE",
            "contract": "con.sub",
            "basis": "Order names the case system.",
            "sources": SRC,
        },
        {
            "id": "fund.case_b",
            "system": "sys.case",
            "award_key": "CONT_AWD_B",
            "basis": "Second order.",
            "sources": SRC,
        },
        {
            "id": "fund.case_missing",
            "system": "sys.case",
            "piid": "NOTTHERE",
            "basis": "Reported order not in the data.",
            "sources": SRC,
        },
    ],
    "sources.yaml": [
        {
            "id": "src.one",
            "publisher": "Example Gazette",
            "title": "How the office works",
            "date": "2021-05-01",
            "kind": "reporting",
            "url": "https://example.org/one",
        },
        {
            "id": "src.two",
            "publisher": "Audit Office",
            "title": None,
            "topic": "Audit of the records subscription",
            "date": "2022",
            "kind": "reporting",
            "no_url": "a printed report with no address",
        },
    ],
}


def write_web(folder: Path, files: dict[str, list[dict]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(default_data_dir() / "vocabulary.yaml", folder / "vocabulary.yaml")
    for name, entries in files.items():
        (folder / name).write_text(yaml.safe_dump(entries, sort_keys=False))
    return folder


def check_data(folder: Path, *args: str):
    """`custodes check --data FOLDER [ARGS]`, in-process."""
    from click.testing import CliRunner

    from custodes.cli import main

    return CliRunner().invoke(
        main, ["check", "--data", str(folder), *args], catch_exceptions=False
    )


@pytest.fixture
def check():
    """check_data, for tests that run `custodes check` on a folder of their own."""
    return check_data


@pytest.fixture
def fails(tmp_path: Path):
    """Write a data web, run `custodes check` on it, expect exit 1 and these texts."""

    def run(files: dict[str, list[dict]], *expected: str) -> str:
        result = check_data(write_web(tmp_path / "bad", files))
        assert result.exit_code == 1, result.output
        for text in expected:
            assert text in result.output, result.output
        return str(result.output)

    return run


@pytest.fixture
def web_writer():
    """The write_web helper, for tests that write a data web of their own."""
    return write_web


@pytest.fixture
def minimal() -> dict[str, list[dict]]:
    """A fresh deep copy of the small data web; change it, then write it."""
    return copy.deepcopy(MINIMAL)


@pytest.fixture
def minimal_dir(tmp_path: Path) -> Path:
    return write_web(tmp_path / "web", copy.deepcopy(MINIMAL))


TRANSACTIONS = [  # (key, award_key, piid, sub-agency, obligation)
    ("t1", "CONT_AWD_A_7012", "PIIDA", "7012", Decimal("100.10")),
    ("t2", "CONT_AWD_A_7012", "PIIDA", "7012", Decimal("-20.05")),
    ("t3", "CONT_AWD_A_7014", "PIIDA", "7014", Decimal("500.00")),  # same PIID, CBP
    ("t4", "CONT_AWD_B", "PIIDB", "7012", Decimal("30.00")),
]


@pytest.fixture
def small_store(tmp_path: Path) -> Settings:
    """A store with four company transactions: PIIDA at ICE and CBP, and award B."""
    settings = Settings(db=tmp_path / "small.duckdb")
    with open_store(settings, write=True) as store:
        for key, award, piid, sub, amount in TRANSACTIONS:
            store.execute(
                'INSERT INTO "transaction" (transaction_key, award_key, '
                "award_key_source, "
                "piid, action_date, obligation_usd, recipient_name, "
                "awarding_sub_agency_code) VALUES (?, ?, 'source', ?, "
                "DATE '2022-01-05', "
                "?, 'RECORDS BROKER LLC', ?)",
                [key, award, piid, amount, sub],
            )
    return settings


@pytest.fixture(scope="session")
def real_store(tmp_path_factory) -> Settings:
    """A store built once from the real USAspending extracts (skips without them)."""
    from click.testing import CliRunner

    from custodes.cli import main
    from tests.conftest import SHARED_DATA, need_shared

    need_shared()
    db = tmp_path_factory.mktemp("dataweb_real") / "real.duckdb"
    result = CliRunner().invoke(
        main, ["--db", str(db), "ingest", str(SHARED_DATA / "usaspending")]
    )
    assert result.exit_code == 0, result.output
    return Settings(db=db)
