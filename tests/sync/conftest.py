"""Fixtures for the sync tests: synthetic company rows, the fake API, a CLI runner."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from custodes.sources.usaspending.formats import API_SEARCH_REQUIRED
from tests.fakes.usaspending import FakeUsaspending

COMPANIES = [
    "ACME SENSOR SYSTEMS INC",
    "NORTHWIND DATA LLC",
    "BLUEHARBOR ANALYTICS CORP",
    "GRANITE FACILITIES GROUP LLC",
    "REDWOOD FORENSIC TOOLS INC",
    "SUMMIT LOGISTICS CO",
]
WORDS = [
    "LICENSE RENEWAL",
    "O&M SUPPORT",
    "FORENSIC SOFTWARE",
    "GUARD SERVICES",
    "BODY SCANNER MAINTENANCE",
    "DATA SUBSCRIPTION",
    "OFFICE FURNITURE",
]
HEADER = [*API_SEARCH_REQUIRED, "Generated Award ID"]


def make_rows(
    n: int, seed: int = 7, start: date = date(2023, 10, 1), days: int = 366
) -> list[dict[str, str]]:
    """n api-search rows for made-up companies (no people), awards with several mods."""
    rnd = random.Random(seed)
    rows: list[dict[str, str]] = []
    award = 0
    while len(rows) < n:
        award += 1
        agency, code = rnd.choice([("ICE", "7012"), ("CBP", "7014")])
        piid = f"70TEST{seed:02d}{award:06d}"
        company = rnd.choice(COMPANIES)
        first = start + timedelta(days=rnd.randrange(days))
        for mod in range(rnd.randint(1, 4)):
            if len(rows) >= n:
                break
            cents = rnd.randint(-50_000_00, 900_000_00)
            rows.append(
                {
                    "Agency": agency,
                    "Award ID": piid,
                    "Recipient Name": company,
                    "Federal Action Obligation": str(Decimal(cents) / 100),
                    "Action Date": min(
                        first + timedelta(days=30 * mod),
                        start + timedelta(days=days - 1),
                    ).isoformat(),
                    "Modification": "0" if mod == 0 else f"P{mod:05d}",
                    "Product/Service Description": "IT AND TELECOM - OTHER",
                    "NAICS Description": "COMPUTER SYSTEMS DESIGN SERVICES",
                    "Transaction Description": rnd.choice(WORDS),
                    "Generated Award ID": f"CONT_AWD_{piid}_{code}_-NONE-_-NONE-",
                }
            )
    return rows


def total(rows: list[dict[str, str]]) -> Decimal:
    return sum((Decimal(r["Federal Action Obligation"]) for r in rows), Decimal(0))


@pytest.fixture
def fake_api():
    """Factory: start a FakeUsaspending on a free loopback port; stopped after the
    test."""
    started: list[FakeUsaspending] = []

    def start(rows, **kw) -> FakeUsaspending:
        api = FakeUsaspending(rows, **kw).start()
        started.append(api)
        return api

    yield start
    for api in started:
        api.stop()


FAST = ["--rate", "0", "--backoff", "0.01", "--timeout", "5"]


@pytest.fixture
def sync(cli):
    """Run `custodes sync ... --json` against a URL; returns (exit code, summary
    dict)."""

    def run(url: str, *args: str, expect: int | None = None) -> tuple[int, dict]:
        result = cli("sync", "--api-url", url, *FAST, *args, "--json", expect=expect)
        return result.exit_code, json.loads(result.stdout)

    return run


def store_total(db_path: Path) -> tuple[int, Decimal]:
    import duckdb

    con = duckdb.connect(str(db_path), read_only=True)
    try:
        n, s = con.execute(
            'SELECT count(*), coalesce(sum(obligation_usd), 0) FROM "transaction"'
        ).fetchone()
    finally:
        con.close()
    return int(n), Decimal(s)
