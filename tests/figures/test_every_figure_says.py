"""Every figure says what it counts, what it leaves out, how much a person reviewed
and what it covers (issue 15 items 2, 4, 5 and 6), on every surface: analyse, report
(md, html, json, csv and their sidecars), the web app's pages, JSON and CSV, and the
watch digest.

The store is built by the real ingest, resolve and classify (tests/real_store.py): a
border-barrier construction order whose description lists video surveillance cameras
and a ground detection system ($170M net, FY2023-FY2024) is `none` with a
video_sensor_surveillance component; the fixtures' FY2018 rows come from a file
declared a sample, FY2019-FY2020 have no data, FY2018 stops in June."""

from __future__ import annotations

import csv
import json
import re
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from custodes.figures import coverage
from custodes.serve.app import build_app
from custodes.settings import Settings
from tests.real_store import CONSTRUCTION, PERSONS, TOWERS, cli

WALL_USD = Decimal("170000000.00")
LINE = re.compile(
    r"not counted: 1 award\(s\), \$170,000,000\.00, buying surveillance components "
    r"inside a larger purchase",
    re.I,
)


@pytest.fixture
def store(real_store_path, tmp_path) -> Path:
    """A copy the test's commands may write."""
    db = tmp_path / "store.duckdb"
    shutil.copy(real_store_path, db)
    return db


@pytest.fixture(scope="module")
def client(real_store_path, tmp_path_factory) -> TestClient:
    """The web app on its own copy (an open app holds its file)."""
    db = tmp_path_factory.mktemp("says") / "store.duckdb"
    shutil.copy(real_store_path, db)
    with TestClient(build_app(Settings(db=db), page_cache=0)) as c:
        yield c


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def sidecar(path: Path) -> dict:
    return json.loads(path.with_name(path.name + "-metadata.json").read_text())


# -- mixed purchases on their own line -------------------------------------------------


def test_the_construction_order_is_a_component_not_surveillance(store):
    out = json.loads(cli(store, "classify", "--explain", CONSTRUCTION, "--json"))
    assert out["rules"]["category"] == "none"
    assert out["rules"]["component_category"] == "video_sensor_surveillance"
    texts = {i["text"] for i in out["rules"]["component_evidence"]}
    assert "GROUND DETECTION SYSTEM" in texts


def test_a_report_shows_it_on_its_own_line(store, tmp_path):
    out = tmp_path / "r"
    cli(store, "report", "spending", "--agency", "CBP", "--by", "vendor", "--out",
        str(out))  # fmt: skip
    data = json.loads((out / "report.json").read_text())
    assert data["not_counted"]["awards"] == 1
    assert Decimal(data["not_counted"]["obligation_usd"]) == WALL_USD
    vendors = {r["label"] for r in data["by"]}
    assert "EXAMPLE WALL CONSTRUCTION COMPANY" not in vendors
    for name in ("report.md", "report.html"):
        assert LINE.search((out / name).read_text()), name
    # counted with --include-components: on its line as counted, and in the total
    inc = tmp_path / "inc"
    cli(store, "report", "spending", "--agency", "CBP", "--by", "vendor",
        "--include-components", "--out", str(inc), "--format", "json,md")  # fmt: skip
    with_parts = json.loads((inc / "report.json").read_text())
    assert Decimal(with_parts["total_usd"]) == Decimal(data["total_usd"]) + WALL_USD
    assert "EXAMPLE WALL CONSTRUCTION COMPANY" in {r["label"] for r in with_parts["by"]}
    assert with_parts["definition"]["include_components"] is True


def test_analyse_and_the_digest_show_the_line(store):
    out = cli(store, "analyse", "totals", "--by", "category")
    assert LINE.search(" ".join(out.split()))
    cli(store, "watch", "add", "keyword", "BORDER BARRIER")
    digest = cli(store, "digest", "--since", "2000-01-01", "--format", "md")
    assert LINE.search(" ".join(digest.split()))
    assert "buys a video_sensor_surveillance component" in " ".join(digest.split())


def test_web_pages_show_the_line_and_the_switch_keeps_it(client):
    for url in ("/", "/categories", "/category/video_sensor_surveillance"):
        html = client.get(url).text
        assert LINE.search(" ".join(html.split())), url
        assert "components=include" in html  # the link that counts them
    plain = client.get("/dashboard.json").json()["data"]
    counted = client.get("/dashboard.json?components=include").json()["data"]
    assert Decimal(counted["total_usd"]) == Decimal(plain["total_usd"]) + WALL_USD
    assert counted["not_counted"]["counted"] is True
    assert counted["definition"]["include_components"] is True
    page = client.get("/dashboard?components=include").text
    assert "components=include" in page.split('class="permalink"')[1][:400]
    cat = client.get("/category/video_sensor_surveillance.json?components=include")
    keys = [r["award_key"] for r in cat.json()["tables"]["awards"]]
    assert CONSTRUCTION in keys
    plain_keys = client.get("/category/video_sensor_surveillance.json").json()
    assert CONSTRUCTION not in [r["award_key"] for r in plain_keys["tables"]["awards"]]


def test_the_award_page_shows_the_component_and_its_evidence(client):
    page = client.get(f"/award/{CONSTRUCTION}.json").json()
    c = page["data"]["classification"]
    assert c["component_category"] == "video_sensor_surveillance"
    assert c["counted"] is False and c["reviewed"] is False
    texts = {r["text"] for r in page["tables"]["component_evidence"]}
    assert "GROUND DETECTION SYSTEM" in texts
    html = " ".join(client.get(f"/award/{CONSTRUCTION}").text.split())
    assert "Surveillance component:" in html and "GROUND DETECTION SYSTEM" in html


# -- one definition, stated everywhere ----------------------------------------------


def test_every_surface_states_its_definition(store, client, tmp_path):
    out = tmp_path / "r"
    cli(store, "report", "spending", "--out", str(out))
    report = json.loads((out / "report.json").read_text())
    text = report["definition"]["text"]
    assert report["definition"]["change"]
    for name in ("report.md", "report.html"):
        body = (out / name).read_text()
        assert text in body.replace("&#39;", "'"), name
    for name in ("figures.csv", "transactions.csv"):
        meta = sidecar(out / name)
        assert meta["definition"]["text"] == text
        assert {r["definition"] for r in read_csv(out / name)} == {
            report["definition"]["short"]
        }
    rows = json.loads(cli(store, "analyse", "totals", "--by", "category", "--json"))
    assert {r["definition"] for r in rows} == {report["definition"]["short"]}
    totals = tmp_path / "t.csv"
    cli(store, "analyse", "totals", "--by", "fiscal_year", "--csv", str(totals))
    assert sidecar(totals)["definition"]["text"] == text
    # pages: the line, linked to the methodology; JSON: the object; CSV: the sidecar
    for url in ("/", "/categories", "/category/face_recognition", "/review",
                f"/award/{TOWERS}"):  # fmt: skip
        html = client.get(url).text
        assert 'href="/methodology#definition"' in html, url
        assert 'id="definition"' in html, url
    for url in ("/dashboard.json", "/categories.json", "/review.json",
                "/category/face_recognition.json"):  # fmt: skip
        assert client.get(url).json()["data"]["definition"]["text"], url
    r = client.get("/dashboard.csv?table=by_year")
    link = r.headers["link"]
    assert 'rel="describedby"' in link
    meta_url = link.split(">")[0].lstrip("<")
    meta = client.get(meta_url).json()
    assert meta["definition"]["text"] and meta["url"] == "/dashboard.csv"
    # charts: the caption says the definition
    chart = client.get("/dashboard.json").json()["data"]["charts"][0]
    assert chart["caption"].startswith(client.get("/dashboard.json").json()["data"][
        "definition"]["text"])  # fmt: skip
    assert text.split(".")[0] in (out / "report.md").read_text()


# -- coverage on every figure ----------------------------------------------------------


def test_coverage_statuses_from_what_the_store_holds():
    rows = [
        {"fiscal_year": 2018, "agencies": ["7012"], "transactions": 10,
         "sample_transactions": 10, "last_action_date": date(2018, 6, 30)},
        {"fiscal_year": 2021, "agencies": ["7012", "7014"], "transactions": 5,
         "sample_transactions": 0, "last_action_date": date(2021, 9, 29)},
        {"fiscal_year": 2022, "agencies": ["7014"], "transactions": 5,
         "sample_transactions": 0, "last_action_date": date(2022, 7, 1)},
        {"fiscal_year": 2026, "agencies": ["7014"], "transactions": 5,
         "sample_transactions": 0, "last_action_date": date(2026, 1, 1)},
    ]  # fmt: skip
    got = {y["fiscal_year"]: y for y in coverage.years(rows, date(2026, 3, 1))}
    # a sample whose data stop in June is both (it read 'sample' alone)
    assert got[2018]["status"] == "sample+partial" and got[2018]["partial"]
    assert [got[y]["status"] for y in (2019, 2020)] == ["missing", "missing"]
    assert got[2021]["status"] == "complete"
    assert got[2022]["status"] == "partial"  # data stop on 1 July
    assert got[2026]["partial"] == "the fiscal year is not over"
    assert [got[y]["missing"] for y in range(2023, 2026)] == [True] * 3
    s = coverage.summary(rows, date(2026, 3, 1))
    assert s["missing"] == [2019, 2020, 2023, 2024, 2025]
    assert s["sample"] == [2018] and s["partial"] == [2018, 2022, 2026]


def test_sample_is_a_property_of_the_file_not_the_year(tmp_path):
    """The fixture bulk file is declared a sample by its SHA-256: its year is a
    sample. The same rows from an undeclared copy of the file are not."""
    declared = tmp_path / "declared.duckdb"
    bulk = (
        Path(__file__).resolve().parents[1] / "fixtures/usaspending/bulk_fy18_small.csv"
    )
    cli(declared, "ingest", str(bulk))
    cli(declared, "figures", "build", "--only", "serve")
    copy = tmp_path / "bulk_copy.csv"
    copy.write_bytes(bulk.read_bytes() + b"\n")  # another file: another digest
    other = tmp_path / "other.duckdb"
    cli(other, "ingest", str(copy))
    cli(other, "figures", "build", "--only", "serve")
    with TestClient(build_app(Settings(db=declared))) as c:
        assert c.get("/dashboard.json").json()["data"]["coverage"]["sample"] == [2018]
    with TestClient(build_app(Settings(db=other))) as c:
        assert c.get("/dashboard.json").json()["data"]["coverage"]["sample"] == []


def test_charts_mark_partial_and_sample_years_and_leave_gaps(client, store, tmp_path):
    html = client.get("/").text
    start = html.index('id="chart-year"')
    svg = html[start : html.index("</figure>", start)]
    assert 'data-status="sample+partial"' in svg  # FY2018
    gaps = re.findall(r'data-status="missing">\s*<text[^>]*>(FY\d+)</text>\s*'
                      r'<text[^>]*>no data</text>', svg)  # fmt: skip
    assert gaps == ["FY2019", "FY2020"]  # a gap: no bar, the words "no data"
    assert "hatched bars" in svg and "no bar: no data for the year" in svg
    out = tmp_path / "r"
    cli(store, "report", "spending", "--out", str(out), "--format", "md")
    spec = (out / "by-fiscal-year.svg").read_text()
    assert "no data" in spec and "sample, partial year" in spec
    years = re.findall(r">(FY20\d\d)<", spec)
    assert years.index("FY2018") < years.index("FY2019") < years.index("FY2021")


def test_a_sample_year_that_stops_early_is_both_everywhere(store, client, tmp_path):
    """FY2018 of the fixtures is a declared sample whose rows stop in June: every
    surface calls it both, a sample and partial. Its one-word status read 'sample'
    alone (`analyse yoy`'s coverage column and --json, `analyse totals --csv`, the
    report's years, the web app's coverage years) while the sentence listed it under
    both."""
    rows = json.loads(cli(store, "analyse", "yoy", "--json"))
    assert {r["fiscal_year"]: r["coverage"] for r in rows}[2018] == "sample+partial"
    assert "sample+partial" in cli(store, "analyse", "yoy")
    out = tmp_path / "fy.csv"
    cli(store, "analyse", "totals", "--by", "fiscal_year", "--csv", str(out))
    by_year = {r["fiscal_year"]: r for r in read_csv(out)}
    assert by_year["2018"]["coverage"] == "sample+partial", by_year["2018"]
    years = {y["fiscal_year"]: y for y in sidecar(out)["coverage"]["years"]}
    assert years[2018]["status"] == "sample+partial"
    assert years[2018]["sample"] and years[2018]["partial"]
    web = client.get("/dashboard.json").json()["data"]["coverage"]
    assert {y["fiscal_year"]: y["status"] for y in web["years"]}[2018] == (
        "sample+partial"
    )
    assert web["sample"] == [2018] and 2018 in web["partial"]
    assert "Samples, not complete records: FY2018." in web["text"]
    assert "Partial: FY2018" in web["text"]


def test_csv_exports_carry_coverage_as_of_and_award_links(store, client, tmp_path):
    out = tmp_path / "r"
    cli(store, "report", "spending", "--out", str(out), "--format", "csv")
    exports = [out / "figures.csv", out / "transactions.csv"]
    cli(store, "classify", "--export", str(tmp_path / "c.csv"))
    exports.append(tmp_path / "c.csv")
    for path in exports:
        meta = sidecar(path)
        assert meta["coverage"]["missing"] == [2019, 2020], path.name
        assert meta["coverage"]["sample"] == [2018], path.name
        assert meta["data_through"] == "2024-09-27", path.name
        assert meta["generated_at"], path.name
    for path in (out / "transactions.csv", tmp_path / "c.csv"):
        rows = read_csv(path)
        key = "award_key" if "award_key" in rows[0] else "generated_award_id"
        assert all(r["usaspending_url"] == f"https://www.usaspending.gov/award/"
                   f"{r[key]}" for r in rows)  # fmt: skip
    web = client.get("/category/video_sensor_surveillance.csv?table=awards").text
    rows = list(csv.DictReader(web.splitlines()))
    assert rows and all(r["usaspending_url"].endswith(r["award_key"]) for r in rows)
    meta = client.get(
        "/category/video_sensor_surveillance.csv-metadata.json?table=awards"
    ).json()
    assert meta["coverage"]["missing"] == [2019, 2020]
    assert meta["data_through"] == "2024-09-27"


# -- the reviewed share ------------------------------------------------------------


def test_every_figure_states_its_reviewed_share(store, tmp_path):
    db = store
    before = json.loads(cli(db, "analyse", "totals", "--by", "category", "--json"))
    assert all(Decimal(r["reviewed_usd"]) == 0 for r in before)
    cli(db, "review", "accept", TOWERS, "--note", "towers O&M", "--reviewer", "T")
    cli(db, "figures", "build")  # the web app's tables follow the decision
    after = json.loads(cli(db, "analyse", "totals", "--by", "category", "--json"))
    sensors = next(r for r in after if r["category"] == "video_sensor_surveillance")
    assert Decimal(sensors["reviewed_usd"]) == Decimal("30000000.00")
    assert sensors["reviewed_share"] == round(
        float(Decimal("30000000.00") / Decimal(sensors["obligation_usd"])), 4
    )
    out = tmp_path / "r"
    cli(db, "report", "spending", "--out", str(out), "--format", "json,md,csv")
    report = json.loads((out / "report.json").read_text())
    assert Decimal(report["reviewed"]["reviewed_usd"]) == Decimal("30000000.00")
    assert "Reviewed by a person:" in (out / "report.md").read_text()
    assert sidecar(out / "figures.csv")["reviewed"]["reviewed_usd"] == "30000000.00"
    with TestClient(build_app(Settings(db=db), page_cache=0)) as c:
        d = c.get("/dashboard.json").json()["data"]
        assert Decimal(d["reviewed"]["reviewed_usd"]) == Decimal("30000000.00")
        cat = c.get("/category/video_sensor_surveillance.json").json()["data"]
        assert Decimal(cat["reviewed"]["reviewed_usd"]) == Decimal("30000000.00")
        assert "Reviewed by a person" in c.get("/").text
        queue = c.get("/review.json").json()
        assert TOWERS not in [r["award_key"] for r in queue["tables"]["queue"]]
        decided = queue["tables"]["decisions"]
        assert [r["award_key"] for r in decided] == [TOWERS]
        assert "T" not in json.dumps(decided[0]).replace('"', " ").split()


def test_the_web_queue_ranks_as_the_command_does(store, client):
    cli_top = [r["award_key"] for r in json.loads(
        cli(store, "review", "--json", "--limit", "15"))["queue"]]  # fmt: skip
    web_top = [r["award_key"] for r in client.get("/review.json?size=15").json()[
        "tables"]["queue"]]  # fmt: skip
    assert web_top == cli_top
    cbp = client.get("/review.json?agency=CBP&fy=2023").json()["tables"]["queue"]
    assert cbp and {r["agency_code"] for r in cbp} == {"7014"}
    assert client.post("/review.json").status_code == 405  # read-only


def test_the_real_stages_never_name_a_person_on_the_web(client):
    """The web tests on real resolve and classify output: the invented sole
    proprietors (tests/fixtures/review/) are withheld everywhere."""
    texts = [
        client.get("/search.json", params={"q": "interpretation"}).text,
        client.get("/search", params={"q": "court reporting"}).text,
        client.get("/review.json?size=100").text,
        client.get("/review.csv?size=100").text,
        client.get("/dashboard.csv?table=by_year_category").text,
        client.get("/category/none.json?size=100").text,
    ]
    for piid in ("921", "922", "923"):
        key = f"CONT_AWD_70CMSD23P00000{piid}_7012_-NONE-_-NONE-"
        texts.append(client.get(f"/award/{key}.json").text)
        assert "name withheld" in texts[-1]
    for text in texts:
        assert "EXAMPLEPERSON" not in text  # every form of the invented names
        for name in PERSONS:
            assert name not in text
    for url in ("/", "/categories", "/review", "/methodology", "/search?q=example"):
        assert client.get(url).status_code == 200, url
