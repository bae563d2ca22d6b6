"""One question, one answer: the same figure from the command line (`custodes analyse
... --json`), the report (`custodes report spending`), the JSON API and the web page.

The store is real: the fixture CSVs ingested by `custodes ingest`, vendors from
`custodes resolve`, categories from `custodes classify`, and the web app's and the
analyses' derived tables built by their commands. One award of category `none` is
given a surveillance component in classify's additive column (classify writes it from
the evidence; here it is set by hand, so the test does not depend on which award the
rules pick). A second test does the same on the real data in ../shared.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from custodes.cli import main
from custodes.figures import components
from custodes.figures.definition import Definition
from custodes.figures.frame import Filters
from custodes.serve.app import build_app
from custodes.settings import Settings
from custodes.store import open_store
from tests.serve.fixture_store import FIXTURE_CSVS

ICE = "7012"
YEAR = 2023


def cli(db: Path, *args: str) -> str:
    """`custodes ARGS` in this process (to build the store)."""
    result = CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def run(db: Path, *args: str) -> str:
    """`custodes ARGS` as its own process, as a reader runs it (the web app holds
    the store open in this one)."""
    done = subprocess.run(
        [sys.executable, "-m", "custodes", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def add_component(db: Path, agency: str) -> str:
    """Give the largest `none` award of AGENCY a surveillance component, the way
    classify's additive column carries one; returns its award key."""
    with open_store(Settings(db=db), write=True, command="test") as store:
        if not store.rows(
            "SELECT 1 FROM information_schema.columns WHERE table_name = "
            "'classification' AND column_name = 'component_category'"
        ):
            store.execute(
                "ALTER TABLE classification ADD COLUMN component_category VARCHAR"
            )
        award = store.scalar(
            """SELECT t.award_key FROM "transaction" t
               JOIN classification c USING (award_key)
               WHERE c.category = 'none' AND t.awarding_sub_agency_code = ?
               GROUP BY 1 ORDER BY sum(t.obligation_usd) DESC, 1 LIMIT 1""",
            [agency],
        )
        store.execute(
            "UPDATE classification SET component_category = "
            "'video_sensor_surveillance' WHERE award_key = ?",
            [award],
        )
    return str(award)


def copy(db: Path, folder: Path) -> Path:
    """A copy of DB to open in this process while the web app holds DB open (DuckDB
    allows one configuration per file and process)."""
    import shutil

    target = folder / f"copy-{db.name}"
    shutil.copy(db, target)
    return target


def prepare(db: Path) -> None:
    cli(db, "serve", "--prepare")
    cli(db, "analyse", "prepare")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("one-answer") / "store.duckdb"
    cli(db, "ingest", *map(str, FIXTURE_CSVS))
    cli(db, "resolve")
    cli(db, "classify")
    add_component(db, ICE)
    prepare(db)
    return db


class Cells(HTMLParser):
    """The rows of one table of a page, as lists of cell texts."""

    def __init__(self, table_id: str):
        super().__init__()
        self.table_id, self.inside, self.rows = table_id, False, []
        self.header: list[str] = []
        self.cell: list[str] | None = None
        self.head: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("id", self.table_id) in attrs:
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag == "td":
            self.cell = []
        elif self.inside and tag == "th":
            self.head = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.inside = False
        elif tag == "td" and self.cell is not None and self.rows:
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "th" and self.head is not None:
            self.header.append("".join(self.head).strip())
            self.head = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)
        elif self.head is not None:
            self.head.append(data)

    def records(self) -> list[dict[str, str]]:
        """The rows as dicts keyed by the column headings (the page's own names)."""
        return [dict(zip(self.header, row, strict=True)) for row in self.rows if row]


def from_cli(db: Path, *extra: str) -> dict[str, tuple[Decimal, int]]:
    rows = json.loads(
        run(db, "analyse", "totals", "--by", "category", "--agency", "ICE",
            "--fy", str(YEAR), "--json", *extra)
    )  # fmt: skip
    return {r["category"]: (Decimal(r["obligation_usd"]), r["awards"]) for r in rows}


def from_report(db: Path, out: Path, *extra: str) -> dict[str, Any]:
    run(db, "report", "spending", "--agency", "ICE", "--fy", str(YEAR), "--by",
        "category", "--format", "json", "--out", str(out), *extra)  # fmt: skip
    return json.loads((out / "report.json").read_text())


def from_api(web: TestClient) -> tuple[dict[str, tuple[Decimal, int]], dict]:
    view = web.get("/dashboard.json", params={"agency": ICE}).json()
    rows = {
        r["category"]: (Decimal(r["obligation_usd"]), r["awards"])
        for r in view["tables"]["by_year_category"]
        if r["fiscal_year"] == YEAR and r["counted"]
    }
    return rows, view["data"]


def from_page(web: TestClient) -> dict[str, tuple[Decimal, int]]:
    page = Cells("table-by_year_category")
    page.feed(web.get("/", params={"agency": ICE}).text)
    out = {}
    for r in page.records():
        if int(r["Fiscal year"]) == YEAR and r["Counted as surveillance"] == "True":
            out[r["Category id"]] = (
                Decimal(r["Obligations"].replace("$", "").replace(",", "")),
                int(r["Awards"]),
            )
    return out


def from_category_pages(web: TestClient, categories) -> dict[str, tuple[Decimal, int]]:
    out = {}
    for c in categories:
        view = web.get(f"/category/{c}.json").json()
        for r in view["tables"]["by_year"]:
            if r["fiscal_year"] == YEAR and r["agency_code"] == ICE:
                out[c] = (Decimal(r["obligation_usd"]), r["awards"])
    return out


def assert_one_answer(db: Path, web: TestClient, out: Path) -> dict[str, Any]:
    cli_rows = from_cli(db)
    report = from_report(db, out)
    api_rows, data = from_api(web)
    assert cli_rows, "no surveillance figure to compare"
    report_rows = {
        r["category"]: (Decimal(r["obligation_usd"]), r["awards"]) for r in report["by"]
    }
    assert report_rows == cli_rows
    assert api_rows == cli_rows
    assert from_page(web) == cli_rows
    assert from_category_pages(web, cli_rows) == cli_rows
    # the same definition, stated the same way, everywhere
    stated = {r["definition"] for r in json.loads(
        run(db, "analyse", "totals", "--by", "category", "--agency", "ICE", "--fy",
            str(YEAR), "--json"))}  # fmt: skip
    assert stated == {report["definition"]["short"]} == {data["definition"]["short"]}
    assert report["definition"]["text"] == data["definition"]["text"]
    return {"cli": cli_rows, "report": report, "data": data}


def test_cli_report_api_and_page_give_one_answer(store, web, tmp_path):
    assert_one_answer(store, web, tmp_path)


def test_components_not_counted_is_one_figure(store, web, tmp_path):
    """The 'not counted' line's numbers: the same from the analyses (any engine),
    the report and the web app's tables; zero once the definition counts them."""
    from custodes.analyse.engines import open_source

    with open_source(Settings(db=copy(store, tmp_path))) as src:
        figure = components.not_counted(src, Filters(sub_agencies=(ICE,)))
        counted = components.not_counted(
            src,
            Filters(
                sub_agencies=(ICE,), definition=Definition(include_components=True)
            ),
        )
        everything = components.not_counted(
            src, Filters(sub_agencies=(ICE,), definition=Definition(all_spending=True))
        )
        in_year = components.not_counted(src, Filters((ICE,), YEAR, YEAR))
    assert figure["awards"] == 1 and figure["obligation_usd"] > 0
    assert [r["component_category"] for r in figure["by_component"]] == [
        "video_sensor_surveillance"
    ]
    assert "not counted: 1 award(s), $" in figure["line"]
    assert counted["awards"] == 0 and everything["awards"] == 0
    _, data = from_api(web)
    assert data["not_counted"]["awards"] == figure["awards"]
    assert Decimal(data["not_counted"]["obligation_usd"]) == figure["obligation_usd"]
    report = from_report(store, tmp_path / "r")  # ICE, one fiscal year
    assert report["not_counted"]["awards"] == in_year["awards"] == 1
    assert Decimal(report["not_counted"]["obligation_usd"]) == in_year["obligation_usd"]


def test_include_components_moves_the_award_into_its_category(store, tmp_path):
    plain = from_cli(store, "--all-spending")
    parts = from_cli(store, "--include-components")
    report = from_report(store, tmp_path, "--include-components")
    assert {
        r["category"]: (Decimal(r["obligation_usd"]), r["awards"]) for r in report["by"]
    } == parts
    assert report["definition"]["include_components"] is True
    with open_store(Settings(db=copy(store, tmp_path))) as s:
        award, usd = s.execute(
            """SELECT c.award_key, sum(t.obligation_usd) FROM classification c
               JOIN "transaction" t USING (award_key)
               WHERE c.component_category IS NOT NULL AND t.fiscal_year = ?
                 AND t.awarding_sub_agency_code = ? GROUP BY 1""",
            [YEAR, ICE],
        )[0]
    cameras = "video_sensor_surveillance"
    before = plain.get(cameras, (Decimal(0), 0))
    assert parts[cameras] == (before[0] + usd, before[1] + 1), award
    assert "none" not in parts


def test_vendor_show_and_the_vendor_page_give_one_answer(store, web):
    """`custodes vendor show` and /vendor/<id> count a vendor's awards the same way
    (its awards are those whose latest transaction it was paid on)."""
    listed = web.get("/search.json", params={"q": "inc"}).json()["tables"]
    vendors = [v["vendor_id"] for v in listed.get("vendors", [])][:4]
    assert vendors
    for vendor_id in vendors:
        page = web.get(f"/vendor/{vendor_id}.json").json()["data"]["vendor"]
        shown = json.loads(run(store, "vendor", "show", vendor_id, "--json"))
        t = shown["totals"]
        assert (Decimal(t["obligation_usd"]), t["awards"], t["transactions"]) == (
            Decimal(page["obligation_usd"]),
            page["awards"],
            page["transactions"],
        ), vendor_id
        assert Decimal(t["surveillance_usd"]) == Decimal(page["surveillance_usd"])
        assert shown["definition"]["text"] == from_api(web)[1]["definition"]["text"]


@pytest.mark.shared
@pytest.mark.slow
def test_one_answer_on_the_real_data(shared_db, tmp_path):
    """The same comparison on ../shared (ingested by custodes ingest, with the
    rule-made classification and vendor tables of tests/analyse/conftest.py)."""
    import shutil

    db = tmp_path / "shared.duckdb"
    shutil.copy(shared_db, db)
    prepare(db)
    with TestClient(build_app(Settings(db=db), cache_size=0, page_cache=0)) as web:
        got = assert_one_answer(db, web, tmp_path / "report")
    assert len(got["cli"]) >= 2


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory):
    from tests.analyse.conftest import SHARED_CONTRACT_SQL
    from tests.conftest import SHARED_DATA, need_shared

    need_shared()
    db = tmp_path_factory.mktemp("one-answer-shared") / "shared.duckdb"
    cli(db, "ingest", str(SHARED_DATA / "usaspending"))
    with open_store(Settings(db=db), write=True, command="test") as store:
        for sql in SHARED_CONTRACT_SQL:
            store.con.execute(sql)
    return db
