"""One attribution of money to vendors: each transaction under its own vendor.

An award whose transactions went to two vendors (tests/fixtures/attribution/
novation.csv: NORTHWIND OPTICS INC was paid $1,250,000.00 over FY2021-22, then the
contract was novated to SOUTHWIND IMAGING LLC, paid $400,000.00 and deobligated
$50,000.00 in FY2023) gives each vendor its own transactions' money everywhere: the
vendor pages (HTML, .json, .csv), the dashboard's vendor table, `custodes analyse
totals --by vendor --json` and `custodes vendor show --json`. The totals over vendors
equal the scope's total. The web app used to put the whole award under the vendor of
its latest action (SOUTHWIND: $1,600,000.00; NORTHWIND: its other award only).

The store is real: the web app's fixture CSVs and the novation, ingested, resolved and
classified by the commands, and the derived tables built by `serve --prepare` and
`analyse prepare`.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from custodes.cli import main
from tests.figures.test_one_answer import Cells
from tests.serve.fixture_store import FIXTURE_CSVS

NOVATION = Path(__file__).resolve().parents[1] / "fixtures/attribution/novation.csv"
AWARD = "CONT_AWD_70CMSD21C00009999_7012_-NONE-_-NONE-"
# what each vendor was paid, by fiscal year, read off the CSV by hand
PAID = {
    "NORTHWIND OPTICS INC": {
        2021: Decimal("1000000.00"),
        2022: Decimal("250000.00") + Decimal("80000.00"),  # and its own award
    },
    "SOUTHWIND IMAGING LLC": {2023: Decimal("400000.00") - Decimal("50000.00")},
}
PART = {  # of the novated award alone
    "NORTHWIND OPTICS INC": (Decimal("1250000.00"), 2),
    "SOUTHWIND IMAGING LLC": (Decimal("350000.00"), 2),
}


def cli(db: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def run(db: Path, *args: str) -> str:
    """`custodes ARGS` as its own process (the web app holds the store open here)."""
    done = subprocess.run(
        [sys.executable, "-m", "custodes", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("attribution") / "store.duckdb"
    cli(db, "ingest", *map(str, FIXTURE_CSVS), str(NOVATION))
    cli(db, "resolve")
    cli(db, "classify")
    cli(db, "serve", "--prepare")
    cli(db, "analyse", "prepare")
    return db


@pytest.fixture(scope="module")
def vendors(web) -> dict[str, str]:
    """Recipient name -> vendor id, from the web app's vendor search."""
    out = {}
    for name in PAID:
        found = web.get("/search.json", params={"q": name}).json()["tables"]
        ids = [v["vendor_id"] for v in found["vendors"] if v["name"] == name]
        assert len(ids) == 1, (name, found["vendors"])
        out[name] = ids[0]
    return out


def test_the_award_went_to_two_vendors(web):
    """The fixture means something: its latest action is SOUTHWIND's, and the
    award is classified as surveillance, so that every table below counts it."""
    award = web.get(f"/award/{AWARD}.json").json()["data"]["award"]
    assert award["vendor_name"] == "SOUTHWIND IMAGING LLC"
    assert Decimal(award["obligation_usd"]) == Decimal("1600000.00")
    assert award["category"] == "license_plate_readers"


def test_every_place_gives_each_vendor_its_own_transactions(store, web, vendors):
    for name, years in PAID.items():
        vendor_id = vendors[name]
        total = sum(years.values(), Decimal(0))
        # the vendor page as JSON: totals, and each year
        view = web.get(f"/vendor/{vendor_id}.json", params={"size": 100}).json()
        head = view["data"]["vendor"]
        assert Decimal(head["obligation_usd"]) == total, name
        assert Decimal(head["surveillance_usd"]) == total, name
        assert {
            r["fiscal_year"]: Decimal(r["obligation_usd"])
            for r in view["tables"]["by_year"]
        } == years
        assert {
            r["fiscal_year"]: Decimal(r["surveillance_usd"])
            for r in view["tables"]["by_year"]
        } == years
        # its awards: the novated one is listed with the vendor's part of it
        awards = {a["award_key"]: a for a in view["tables"]["awards"]}
        mine = awards[AWARD]
        assert (
            Decimal(mine["vendor_obligation_usd"]),
            mine["vendor_transactions"],
        ) == PART[name]
        assert Decimal(mine["obligation_usd"]) == Decimal("1600000.00")
        assert mine["vendor_part"].startswith("part: 2 of 4 transactions")
        assert (
            sum(
                (Decimal(a["vendor_obligation_usd"]) for a in awards.values()),
                Decimal(0),
            )
            == total
        )
        # as CSV
        text = web.get(f"/vendor/{vendor_id}.csv", params={"size": 100}).text
        rows = list(csv.DictReader(io.StringIO(text)))
        assert {r["award_key"]: Decimal(r["vendor_obligation_usd"]) for r in rows} == {
            k: Decimal(a["vendor_obligation_usd"]) for k, a in awards.items()
        }
        # as HTML: the awards table says what part was the vendor's
        cells = Cells("table-awards")
        cells.feed(web.get(f"/vendor/{vendor_id}", params={"size": 100}).text)
        shown = {r["Award"]: r for r in cells.records()}
        paid = shown[AWARD]["Paid to this vendor"]
        assert Decimal(paid.replace("$", "").replace(",", "")) == PART[name][0]
        assert "another vendor" in shown[AWARD]["This vendor's part"]
        # custodes vendor show
        detail = json.loads(run(store, "vendor", "show", vendor_id, "--json"))
        assert Decimal(detail["totals"]["obligation_usd"]) == total, name
        assert Decimal(detail["totals"]["surveillance_usd"]) == total, name
        assert detail["totals"]["transactions"] == head["transactions"]
        assert detail["totals"]["awards"] == head["awards"] == len(awards)
        listed = {a["award_key"]: a for a in detail["awards"]}
        assert (
            Decimal(listed[AWARD]["vendor_obligation_usd"]),
            listed[AWARD]["vendor_transactions"],
        ) == PART[name]


def _dashboard(web, fy: int | None) -> tuple[dict[str, Decimal], Decimal]:
    params: dict[str, str | int] = {"agency": "ICE"}
    if fy is not None:
        params["fy"] = fy
    view = web.get("/dashboard.json", params=params).json()
    table = view["tables"]["by_vendor"]
    rows = {r["vendor_id"]: Decimal(r["obligation_usd"]) for r in table}
    if fy is None:
        scope = Decimal(view["data"]["total_usd"])
    else:
        scope = sum(
            (Decimal(r["obligation_usd"]) for r in view["tables"]["by_year"]
             if r["fiscal_year"] == fy),
            Decimal(0),
        )  # fmt: skip
    return rows, scope


def _command(store: Path, *extra: str) -> dict[str, Decimal]:
    rows = json.loads(
        run(store, "analyse", "totals", "--by", "vendor", "--agency", "ICE", "--json",
            *extra)
    )  # fmt: skip
    return {r["vendor_id"]: Decimal(r["obligation_usd"]) for r in rows}


def test_the_dashboard_and_the_command_agree_and_add_up(store, web, vendors):
    for fy in (None, 2021, 2022, 2023):
        table, scope = _dashboard(web, fy)
        command = _command(store, *(["--fy", str(fy)] if fy else []))
        assert table == command, fy
        # every dollar of the scope under exactly one vendor (or the withheld row)
        assert sum(table.values(), Decimal(0)) == scope, fy
        for name, years in PAID.items():
            want = sum(years.values(), Decimal(0)) if fy is None else years.get(fy)
            assert table.get(vendors[name]) == want, (name, fy)


def test_the_vendors_totals_are_the_stores_money(web):
    """Summed over every vendor, the vendor pages' totals are the store's money
    (natural persons' transactions aside: withheld, never a vendor)."""
    from tests.serve.conftest import app_rows

    (row,) = app_rows(
        web,
        "SELECT sum(obligation_usd) AS everything, coalesce(sum(obligation_usd) "
        'FILTER (WHERE recipient_is_individual), 0) AS persons FROM "transaction"',
    )
    (vendors,) = app_rows(web, "SELECT sum(obligation_usd) AS usd FROM serve_vendor")
    assert vendors["usd"] == row["everything"] - row["persons"]


def test_the_category_pages_largest_vendors_count_their_own_transactions(web, vendors):
    view = web.get("/category/license_plate_readers.json").json()
    largest = {
        r["vendor_id"]: (Decimal(r["obligation_usd"]), r["awards"])
        for r in view["tables"]["vendors"]
    }
    for name, years in PAID.items():
        awards = 2 if name.startswith("NORTHWIND") else 1
        assert largest[vendors[name]] == (sum(years.values(), Decimal(0)), awards)
