"""`custodes report spending` and the analyse commands, end to end through the CLI."""

from __future__ import annotations

import csv
import json
import shlex
from decimal import Decimal

import duckdb
import pytest
from click.testing import CliRunner

from custodes.cli import main
from tests.analyse.conftest import CLASSIFICATION, build_fixture_store, fixture_rows

ROWS = fixture_rows()


def surveillance_rows(agency: str | None = None, categories=None) -> list[dict]:
    keep = categories or {c for c in CLASSIFICATION.values() if c != "none"}
    return [
        r
        for r in ROWS
        if CLASSIFICATION.get(r["award_key"]) in keep
        and (agency is None or r["awarding_sub_agency_code"] == agency)
    ]


@pytest.fixture(scope="module")
def report_dir(fixture_db, tmp_path_factory):
    from click.testing import CliRunner

    from custodes.cli import main

    out = tmp_path_factory.mktemp("report")
    result = CliRunner().invoke(
        main,
        [
            "--db",
            str(fixture_db),
            "report",
            "spending",
            "--agency",
            "ICE",
            "--by",
            "category",
            "--fy",
            "2021-2023",
            "--out",
            str(out),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return out


def test_report_writes_every_format(report_dir):
    names = {p.name for p in report_dir.iterdir()}
    assert {
        "report.md",
        "report.html",
        "report.json",
        "figures.csv",
        "transactions.csv",
        "by-category.png",
        "by-category.svg",
        "by-fiscal-year.png",
        "by-fiscal-year.svg",
    } <= names
    assert (report_dir / "by-category.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_total_is_the_surveillance_rows(report_dir):
    data = json.loads((report_dir / "report.json").read_text())
    want = sum(r["obligation_usd"] for r in surveillance_rows("7012"))
    assert Decimal(data["total_usd"]) == want
    assert {r["category"] for r in data["by"]} == {"biometrics", "data-analytics"}


def test_report_states_the_definition(report_dir):
    md = (report_dir / "report.md").read_text()
    html = (report_dir / "report.html").read_text()
    for text in (md, html):
        assert "test-tax-1" in text and "test-rules-7" in text  # latest run's versions
        assert "Manual overrides applied: 2" in text
        assert "biometrics" in text and "USAspending.gov" in text
    data = json.loads((report_dir / "report.json").read_text())
    assert "none" in data["definition"]["categories_excluded"]


def test_charts_are_titled_labelled_and_sourced(report_dir):
    svg = (report_dir / "by-category.svg").read_text()
    for text in (
        "ICE surveillance contracts by category",
        "Net obligations (US$ millions)",
        "USAspending.gov",
        "test-tax-1",
    ):
        assert text in svg
    width = float(svg.split('width="', 1)[1].split('"', 1)[0])
    assert width <= 420  # phone width, before the 2x PNG scale


def test_transactions_csv_adds_up_to_each_figure(report_dir):
    with (report_dir / "transactions.csv").open() as fh:
        behind = list(csv.DictReader(fh))
    data = json.loads((report_dir / "report.json").read_text())
    for fig in data["by"]:
        rows = [r for r in behind if r["category"] == fig["category"]]
        assert sum(Decimal(r["obligation_usd"]) for r in rows) == Decimal(
            fig["obligation_usd"]
        )


def test_explain_command_in_report_reproduces_the_figure(
    report_dir, fixture_db, run_cli
):
    data = json.loads((report_dir / "report.json").read_text())
    fig = data["by"][0]
    args = shlex.split(fig["explain"])[1:]  # drop the program name
    out = run_cli("--db", str(fixture_db), *args, "--json")
    rows = json.loads(out.output)
    assert len(rows) == fig["transactions"]
    assert sum(Decimal(r["obligation_usd"]) for r in rows) == Decimal(
        fig["obligation_usd"]
    )


def test_categories_switch_changes_the_figure(fixture_db, tmp_path, run_cli):
    run_cli(
        "--db",
        str(fixture_db),
        "report",
        "spending",
        "--by",
        "fiscal_year",
        "--categories",
        "data-analytics",
        "--format",
        "json",
        "--out",
        str(tmp_path),
    )
    data = json.loads((tmp_path / "report.json").read_text())
    assert Decimal(data["total_usd"]) == sum(
        r["obligation_usd"] for r in surveillance_rows(categories={"data-analytics"})
    )
    assert data["definition"]["categories_included"] == ["data-analytics"]


def test_report_without_classification_says_so(tmp_path, run_cli):
    db = build_fixture_store(tmp_path / "bare.duckdb", classified=False, resolved=False)
    run_cli(
        "--db",
        str(db),
        "report",
        "spending",
        "--by",
        "recipient",
        "--format",
        "md,json",
        "--out",
        str(tmp_path / "r"),
    )
    md = (tmp_path / "r" / "report.md").read_text()
    assert "not only surveillance" in md
    data = json.loads((tmp_path / "r" / "report.json").read_text())
    assert Decimal(data["total_usd"]) == sum(r["obligation_usd"] for r in ROWS)
    out = run_cli(
        "--db",
        str(db),
        "report",
        "spending",
        "--by",
        "category",
        "--out",
        str(tmp_path / "r2"),
        expect=1,
    )
    assert "custodes classify" in out.output


def test_bad_format_and_fy_are_clear_errors(fixture_db, tmp_path, run_cli):
    out = run_cli(
        "--db",
        str(fixture_db),
        "report",
        "spending",
        "--format",
        "pdf",
        "--out",
        str(tmp_path),
        expect=1,
    )
    assert "Unknown format" in out.output
    out = run_cli(
        "--db", str(fixture_db), "analyse", "totals", "--fy", "2024-2021", expect=1
    )
    assert "FROM <= TO" in out.output


def test_analyse_commands_json(fixture_db, tmp_path, run_cli):
    db = str(fixture_db)
    totals = json.loads(
        run_cli("--db", db, "analyse", "totals", "--by", "kind", "--json").output
    )
    assert {r["kind"] for r in totals} == {"new award", "modification", "deobligation"}
    timeline = json.loads(
        run_cli("--db", db, "analyse", "award", "A2", "--json").output
    )
    assert [r["transaction_key"] for r in timeline] == ["t4", "t5"]
    changed = json.loads(
        run_cli(
            "--db",
            db,
            "analyse",
            "changed",
            "--since",
            "2025-01-01",
            "--json",
            "--by",
            "ingest",
        ).output
    )
    # t7 (revised) belongs to A3, which is not surveillance: only the default's new t5
    assert {r["change"] for r in changed["summary"]} == {"new"}
    assert changed["definition"]["name"] == "surveillance"
    assert "--all-spending" in changed["definition"]["change"]
    every = json.loads(
        run_cli(
            "--db", db, "analyse", "changed", "--since", "2025-01-01", "--json",
            "--all-spending", "--by", "ingest",
        ).output
    )  # fmt: skip
    assert {r["change"] for r in every["summary"]} == {"new", "revised"}
    assert every["definition"]["all_spending"] is True
    assert all(
        r["definition"].startswith("all spending") for r in every["transactions"]
    )
    top = json.loads(run_cli("--db", db, "analyse", "top", "-n", "1", "--json").output)
    assert top[0]["award_key"] == "A2"
    yoy = json.loads(run_cli("--db", db, "analyse", "yoy", "--json").output)
    assert [r["fiscal_year"] for r in yoy] == [2021, 2022, 2023]
    csv_path = tmp_path / "explain.csv"
    run_cli(
        "--db",
        db,
        "analyse",
        "totals",
        "--by",
        "fiscal_year",
        "--explain",
        "2022",
        "--csv",
        str(csv_path),
    )
    with csv_path.open() as fh:
        assert {r["transaction_key"] for r in csv.DictReader(fh)} == {"t3", "t4"}


def test_export_parquet_keeps_exact_money(fixture_db, tmp_path, run_cli):
    import duckdb

    run_cli("--db", str(fixture_db), "analyse", "export", "--parquet", str(tmp_path))
    names = {p.stem for p in tmp_path.glob("*.parquet")}
    assert {"transaction", "classification", "vendor", "award_maker"} <= names
    con = duckdb.connect()
    total, kind = con.execute(
        f"SELECT sum(obligation_usd), typeof(sum(obligation_usd)) FROM "
        f"'{tmp_path / 'transaction.parquet'}'"
    ).fetchall()[0]
    assert total == sum(r["obligation_usd"] for r in ROWS)
    assert kind.startswith("DECIMAL")
    out = run_cli("--db", str(fixture_db), "analyse", "export", expect=1)
    assert "--parquet" in out.output


def test_exports_withhold_natural_persons(tmp_path, run_cli):
    """Parquet copies (and through them Spark and PostgreSQL) publish what the web
    app publishes: a person's name and raw row are withheld, an organisation's not."""
    import duckdb

    from custodes.settings import Settings
    from custodes.store import open_store

    db = build_fixture_store(tmp_path / "person.duckdb")
    with open_store(Settings(db=db), write=True, command="test") as store:
        store.execute(
            "UPDATE \"transaction\" SET recipient_name = 'JANE Q DOE', "
            "raw_values = '[\"JANE Q DOE\"]', recipient_is_individual = TRUE "
            "WHERE award_key = 'A5'"
        )
        store.execute(
            "INSERT INTO transaction_revision SELECT 't9', 2, '2025-03-01', 1, 'h', "
            '\'{"recipient_name": "JANE Q DOE"}\''
        )
        store.execute(
            "INSERT INTO vendor VALUES ('v-jane', 'JANE Q DOE', NULL, 'v-jane', "
            "'individual')"
        )
    out = tmp_path / "parquet"
    run_cli("--db", str(db), "analyse", "export", "--parquet", str(out))
    con = duckdb.connect()
    for name in ("transaction", "transaction_revision", "vendor", "classification"):
        text = con.execute(
            f"SELECT string_agg(CAST(p AS VARCHAR), ' ') FROM '{out / name}.parquet' p"
        ).fetchone()[0]
        assert "DOE" not in text, name
    names = {
        r[0]
        for r in con.execute(
            f"SELECT recipient_name FROM '{out / 'transaction.parquet'}'"
        ).fetchall()
    }
    assert "Individual recipient (name withheld)" in names
    assert "ACME SENSORS LLC" in names  # organisations are never withheld
    total = con.execute(
        f"SELECT sum(obligation_usd) FROM '{out / 'transaction.parquet'}'"
    ).fetchone()[0]
    assert total == sum(r["obligation_usd"] for r in ROWS)


@pytest.mark.shared
@pytest.mark.slow
def test_report_on_real_resolve_and_classify_output(cli, db_path, tmp_path):
    """With the real stages' tables: figures reconcile with their transactions."""
    from tests.conftest import SHARED_DATA, need_shared

    need_shared()
    cli("ingest", str(SHARED_DATA / "usaspending"))
    for stage in ("resolve", "classify"):
        cli(stage)  # a crash of either stage fails this test (it never skips)
    out = tmp_path / "r"
    cli(
        "report",
        "spending",
        "--agency",
        "ICE",
        "--by",
        "vendor",
        "--fy",
        "2021-2024",
        "--format",
        "json,csv",
        "--out",
        str(out),
    )
    data = json.loads((out / "report.json").read_text())
    assert data["definition"]["classified"] and data["definition"]["rules_version"]
    assert "none" in data["definition"]["categories_excluded"]
    with (out / "transactions.csv").open() as fh:
        behind = list(csv.DictReader(fh))
    assert sum(Decimal(r["obligation_usd"]) for r in behind) == Decimal(
        data["total_usd"]
    )
    for fig in data["by"][:5]:
        # natural persons are one group without a vendor (an empty CSV cell)
        rows = [r for r in behind if r["vendor_id"] == (fig["vendor_id"] or "")]
        assert sum(Decimal(r["obligation_usd"]) for r in rows) == Decimal(
            fig["obligation_usd"]
        )


def test_report_by_month_draws_a_month_chart(fixture_db, tmp_path, run_cli):
    out = tmp_path / "monthly"
    run_cli(
        "--db",
        str(fixture_db),
        "report",
        "spending",
        "--agency",
        "ICE",
        "--by",
        "month",
        "--fy",
        "2021-2023",
        "--all-spending",
        "--out",
        str(out),
    )
    svg = (out / "by-month.svg").read_text()
    assert (out / "by-month.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for text in (
        "ICE ",
        " by month",
        "Month of the action date",
        "Net obligations (US$ thousands)",
        "USAspending.gov",
    ):
        assert text in svg, text  # fixture amounts are thousands of dollars
    data = json.loads((out / "report.json").read_text())
    months = [r["label"] for r in data["by"]]
    assert len(months) >= 3 and len(set(months)) == len(months)
    # one point per month: the SVG has a symbol path per point
    assert svg.count('role="graphics-symbol"') >= len(months)


def test_analyse_and_report_share_one_default(fixture_db, tmp_path, run_cli):
    """`analyse totals` used to count all spending while `report` counted
    surveillance only; both now count under the same Definition, and say which."""
    db = str(fixture_db)
    rows = json.loads(
        run_cli("--db", db, "analyse", "totals", "--by", "category", "--json").output
    )
    assert {r["category"] for r in rows} == {"biometrics", "data-analytics"}
    assert all(r["definition"].startswith("surveillance (taxonomy") for r in rows)
    run_cli(
        "--db", db, "report", "spending", "--format", "json", "--out", str(tmp_path)
    )
    report = json.loads((tmp_path / "report.json").read_text())
    assert {r["category"]: r["obligation_usd"] for r in report["by"]} == {
        r["category"]: r["obligation_usd"] for r in rows
    }
    every = json.loads(
        run_cli(
            "--db", db, "analyse", "totals", "--by", "category", "--json",
            "--all-spending",
        ).output
    )  # fmt: skip
    assert {r["category"] for r in every} == {
        "biometrics",
        "data-analytics",
        "none",
        "unclassified",
    }
    text = run_cli("--db", db, "analyse", "totals", "--by", "category").output
    assert "Counted as surveillance" in " ".join(text.split())
    assert "--all-spending" in text


def test_unknown_category_is_a_clear_error_not_an_empty_report(
    fixture_db, tmp_path, run_cli
):
    """A misspelt --categories used to count nothing and write a $0.00 report whose
    definition said 'Categories included: all'; now it is refused, naming the flag
    and the known categories, and nothing is written."""
    out = run_cli(
        "--db", str(fixture_db), "report", "spending", "--categories",
        "data-analytcs", "--out", str(tmp_path / "r"), expect=1,
    )  # fmt: skip
    assert "--categories: unknown category 'data-analytcs'" in out.output
    assert "data-analytics" in out.output
    assert not (tmp_path / "r").exists()
    for command in ("totals", "yoy", "top"):
        out = run_cli(
            "--db", str(fixture_db), "analyse", command,
            "--exclude-categories", "nonesuch", expect=1,
        )  # fmt: skip
        assert "--exclude-categories: unknown category 'nonesuch'" in out.output
    # A category the store holds, or one of the taxonomy's, is accepted.
    run_cli("--db", str(fixture_db), "analyse", "totals", "--categories",
            "data-analytics,face_recognition")  # fmt: skip


@pytest.fixture(scope="module")
def small_report(tmp_path_factory):
    """A report on a store ingested from the small real fixture (USAspending award
    keys, long company names; not classified, so every contract counts)."""
    from pathlib import Path

    from click.testing import CliRunner

    from custodes.cli import main

    tmp = tmp_path_factory.mktemp("small_report")
    db, out = tmp / "s.duckdb", tmp / "r"
    small = Path(__file__).parents[1] / "fixtures/usaspending/api_search_small.csv"
    for args in (
        ["ingest", str(small)],
        ["report", "spending", "--by", "recipient", "--format", "md,html,json",
         "--out", str(out)],
    ):  # fmt: skip
        result = CliRunner().invoke(main, ["--db", str(db), *args])
        assert result.exit_code == 0, result.output
    return out


def test_largest_awards_link_to_usaspending(small_report):
    """Every award of 'Largest awards' links to its page on usaspending.gov, in
    report.md, report.html and report.json (field usaspending_url)."""
    data = json.loads((small_report / "report.json").read_text())
    assert data["top_awards"]
    md = (small_report / "report.md").read_text()
    html = (small_report / "report.html").read_text()
    for award in data["top_awards"]:
        url = f"https://www.usaspending.gov/award/{award['award_key']}"
        assert award["usaspending_url"] == url
        assert f"[{award['piid']}]({url})" in md
        assert f'<a href="{url}">{award["piid"]}</a>' in html


@pytest.mark.browser
@pytest.mark.slow
def test_report_html_tables_align_figures_and_wrap_text(small_report):
    """In real Chromium: figures (money, dates) are right-aligned and kept on one
    line; text columns (recipients) are left-aligned and wrap, so the largest-awards
    table fits the page instead of cutting off its last column; award ids are links."""
    import shutil

    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not shutil.which("chromium"):
        pytest.skip("Debian chromium is not installed (scripts/system-deps.sh)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto((small_report / "report.html").as_uri())
        cells, overflow = page.evaluate(
            """() => {
              const h = [...document.querySelectorAll('h2')]
                .find(e => e.textContent === 'Largest awards');
              const box = h.nextElementSibling;
              const row = box.querySelector('tbody tr');
              return [[...row.cells].map(c => {
                const s = getComputedStyle(c);
                return [s.textAlign, s.whiteSpace, !!c.querySelector('a[href]')];
              }), box.scrollWidth > box.clientWidth];
            }"""
        )
        browser.close()
    award, recipient, money, dates = cells
    assert award[2], "the award id is a link"
    assert recipient[0] in ("left", "start") and recipient[1] == "normal"
    assert money[:2] == ["right", "nowrap"] and dates[:2] == ["right", "nowrap"]
    assert not overflow, "the largest-awards table is wider than the page"


def test_changed_says_its_reviewed_line_covers_the_whole_scope(fixture_db, run_cli):
    """`analyse changed` prints the scope's reviewed share (and not-counted line)
    under a table of a few changes; it says that those sentences are about the whole
    scope, not about the changes listed, whose total is much smaller."""
    out = run_cli(
        "--db", str(fixture_db), "analyse", "changed", "--since", "2022-01-01",
        "--all-spending",
    ).output  # fmt: skip
    flat = " ".join(out.split())
    assert (
        "In the whole scope, not only the changes since 2022-01-01: reviewed by a "
        "person:" in flat
    )


def test_yoy_says_which_years_are_complete(fixture_db, run_cli):
    """`analyse yoy` gives each year's coverage (complete, partial, sample, ...) in
    its table and --json, and warns that a change to or from a year that is not
    complete compares incomplete records: the current fiscal year read as a 99 %
    fall against the last complete one."""
    rows = json.loads(
        run_cli("--db", str(fixture_db), "analyse", "yoy", "--json").output
    )
    assert rows and all("coverage" in r for r in rows)
    out = run_cli("--db", str(fixture_db), "analyse", "yoy").output
    assert "coverage" in out
    statuses = {r["coverage"] for r in rows}
    every = {"complete", "partial", "sample", "sample+partial", "missing", None}
    assert statuses <= every
    if statuses - {"complete"}:
        assert "compares incomplete records" in " ".join(out.split())


def test_a_report_that_counts_nothing_warns(fixture_db, tmp_path, run_cli):
    """A scope with no transactions (a year the store does not hold) still writes its
    files, which say so, and the command warns on the console instead of printing a
    plain '$0.00 in 0 transactions' as if that were a finding."""
    out = run_cli(
        "--db", str(fixture_db), "report", "spending", "--fy", "2030",
        "--format", "json", "--out", str(tmp_path / "r"),
    ).output  # fmt: skip
    flat = " ".join(out.split())
    assert "Warning: the report counts nothing." in flat
    assert "holds no transactions in this scope" in flat
    assert json.loads((tmp_path / "r" / "report.json").read_text())["transactions"] == 0


def test_bar_chart_labels_are_not_cut(small_report):
    """The bars' labels hold a category's or a recipient's whole name up to about 45
    characters ('Electronic monitoring of people under supervision' was cut to
    'Electronic monitoring of people …')."""
    from html import escape

    data = json.loads((small_report / "report.json").read_text())
    svg = (small_report / "by-recipient.svg").read_text()
    long_names = [r["label"] for r in data["by"][:15] if 30 <= len(r["label"]) <= 45]
    assert long_names, "the fixture has no long recipient name to draw"
    for name in long_names:
        assert f">{escape(name)}<" in svg, name


def test_report_fiscal_year_table_says_each_years_coverage(
    fixture_db, tmp_path, run_cli
):
    """The report's table by fiscal year gives each year's coverage, as `analyse yoy`
    does (report.json `coverage` of each by_fiscal_year row; a column in report.md and
    report.html), and a change to or from a year that is not complete says it
    compares incomplete years: FY2013-FY2018 of the shared data, samples, read +453%,
    +1057% without a word beside them."""
    out = tmp_path / "r"
    run_cli(
        "--db", str(fixture_db), "report", "spending", "--format", "md,html,json",
        "--out", str(out),
    )  # fmt: skip
    yoy = json.loads(
        run_cli("--db", str(fixture_db), "analyse", "yoy", "--json").output
    )
    data = json.loads((out / "report.json").read_text())
    assert {r["fiscal_year"]: r["coverage"] for r in data["by_fiscal_year"]} == {
        r["fiscal_year"]: r["coverage"] for r in yoy
    }
    md = (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    assert "| fiscal year | net obligations | change | change % | coverage |" in md
    rows = data["by_fiscal_year"]
    complete = {r["fiscal_year"] for r in rows if r["coverage"] == "complete"}
    incomplete = [
        r for r in rows
        if r["change_pct"] is not None
        and not {r["fiscal_year"], r["fiscal_year"] - 1} <= complete
    ]  # fmt: skip
    assert incomplete, "the fixture has no change involving an incomplete year"
    for r in incomplete:
        assert f"| {r['change_pct']}% (incomplete years) |" in md
        assert f"{r['change_pct']}% (incomplete years)" in html
    for r in rows:
        if r["change_pct"] is not None and r not in incomplete:
            assert f"| {r['change_pct']}% |" in md


def test_totals_rows_carry_coverage_and_not_counted_as_the_report_does(
    tmp_path, run_cli
):
    """`analyse totals --json` rows said their definition and reviewed share but not
    what the report states beside the same figure: the coverage of the scope (and of
    a row's fiscal year) and the awards left out as components of larger purchases.
    They carry both now, from the same helpers, in --json and in --csv."""
    # an award of category none buying a surveillance component: not counted
    path = build_fixture_store(tmp_path / "components.duckdb")
    con = duckdb.connect(str(path))
    try:
        con.execute("ALTER TABLE classification ADD COLUMN component_category VARCHAR")
        con.execute(
            "UPDATE classification SET component_category = 'biometrics' "
            "WHERE category = 'none'"
        )
    finally:
        con.close()
    db = str(path)
    rows = json.loads(
        run_cli("--db", db, "analyse", "totals", "--by", "fiscal_year", "--json").output
    )
    run_cli(
        "--db", db, "report", "spending", "--by", "fiscal_year", "--format", "json",
        "--out", str(tmp_path / "r"),
    )  # fmt: skip
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    status = {y["fiscal_year"]: y["status"] for y in report["coverage"]["years"]}
    left_out = report["not_counted"]
    assert rows and left_out["awards"] > 0
    for r in rows:
        assert r["coverage_text"] == report["coverage"]["text"]
        assert r["coverage"] == status[r["fiscal_year"]]
        assert r["coverage_note"].startswith(f"FY{r['fiscal_year']}: ")
        # the whole scope's figure, in fields of its own
        assert r["scope_not_counted_awards"] == left_out["awards"]
        assert Decimal(r["scope_not_counted_usd"]) == Decimal(
            left_out["obligation_usd"]
        )
        assert r["scope_not_counted"] == left_out["line"]
    # each year's row has that year's figure: the one its year alone states
    for r in rows:
        year = str(r["fiscal_year"])
        alone = json.loads(
            run_cli(
                "--db", db, "analyse", "totals", "--by", "fiscal_year", "--fy", year,
                "--json",
            ).output
        )  # fmt: skip
        assert r["not_counted_awards"] == alone[0]["scope_not_counted_awards"]
        assert r["not_counted_usd"] == alone[0]["scope_not_counted_usd"]
        assert r["not_counted"] == alone[0]["scope_not_counted"]
    assert sum(Decimal(r["not_counted_usd"]) for r in rows) == Decimal(
        left_out["obligation_usd"]
    )
    assert len({r["not_counted_usd"] for r in rows}) > 1, "no year differs"
    by_category = json.loads(
        run_cli("--db", db, "analyse", "totals", "--by", "category", "--json").output
    )
    for r in by_category:
        assert r["coverage_text"] == report["coverage"]["text"]
        assert r["scope_not_counted_awards"] == left_out["awards"]
        # under category, the component's category holds them (where
        # --include-components counts them)
        assert r["not_counted_awards"] == (
            left_out["awards"] if r["category"] == "biometrics" else 0
        )
        assert "coverage" not in r  # a row of no one fiscal year
    # per sub-agency: each agency's own, adding up to the scope's
    by_agency = json.loads(
        run_cli("--db", db, "analyse", "totals", "--by", "sub_agency", "--json").output
    )
    for r in by_agency:
        code = r["awarding_sub_agency_code"]
        alone = json.loads(
            run_cli("--db", db, "analyse", "totals", "--agency", code, "--json").output
        )
        assert r["not_counted_usd"] == alone[0]["scope_not_counted_usd"]
    # the CSV has the same columns as --json
    out = tmp_path / "totals.csv"
    run_cli("--db", db, "analyse", "totals", "--by", "fiscal_year", "--csv", str(out))
    with out.open(newline="") as fh:
        header = next(csv.reader(fh))
    assert header == list(rows[0])


def test_changed_lists_the_changes_it_counts(fixture_db, run_cli):
    """`analyse changed` printed only its summary by kind: which awards changed was
    in --json alone. It lists the newest changes (with --by ingest the largest),
    each on its line with its date, PIID, kind and amount, at 80 columns."""
    args = ["--db", str(fixture_db), "analyse", "changed", "--since", "2021-01-01",
            "--by", "action", "--all-spending"]  # fmt: skip
    data = json.loads(run_cli(*args, "--json").output)
    changes = data["transactions"]
    assert changes
    out = CliRunner().invoke(main, args, env={"COLUMNS": "80"}).output
    assert all(len(line) <= 80 for line in out.splitlines()), out
    lines = out.splitlines()
    for r in changes[:20]:
        amount = Decimal(r["delta_usd"])
        money = f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"
        assert any(
            line.split()[:3] == [r["action_date"], r["piid"], r["change"].split()[0]]
            and money in line
            for line in lines
        ), (r, out)


def test_changed_by_action_date_prints_no_column_that_repeats_another(
    fixture_db, run_cli
):
    """By action date every action is new in full, so its net change is its amount:
    the summary printed 'now obligated' and 'net change' side by side, always equal.
    It prints one 'obligated' column (--json keeps both fields, equal); --by ingest,
    where a revised transaction's net change differs, keeps both columns."""
    args = ["--db", str(fixture_db), "analyse", "changed", "--since", "2021-01-01",
            "--all-spending"]  # fmt: skip
    data = json.loads(run_cli(*args, "--by", "action", "--json").output)
    assert data["summary"]
    assert all(r["net_change_usd"] == r["obligation_usd"] for r in data["summary"])
    out = CliRunner().invoke(main, [*args, "--by", "action"]).output
    summary = out[: out.index("changes")]
    assert "net change" not in summary and "obligated" in summary, out
    for r in data["summary"]:
        amount = Decimal(r["obligation_usd"])
        money = f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"
        line = next(x for x in out.splitlines() if r["change"] in x)
        assert line.count(money) == 1, (line, out)
    ingest = CliRunner().invoke(main, [*args, "--by", "ingest"]).output
    assert "now obligated" in ingest and "net change" in ingest, ingest


def test_totals_state_the_scopes_total_under_any_grouping(fixture_db, run_cli):
    """`analyse totals` printed a table by category (vendor, maker, ...) and no total:
    a reporter asking what ICE spent added the rows up by hand, and with --limit
    could not. It prints the scope's total under the table, the sum of its fiscal
    years (each transaction is in one), and the reviewed line's dollars agree."""
    base = ["--db", str(fixture_db), "analyse", "totals", "--all-spending"]
    years = json.loads(run_cli(*base, "--by", "fiscal_year", "--json").output)
    usd = sum(Decimal(r["obligation_usd"]) for r in years)
    count = sum(r["transactions"] for r in years)
    money = f"-${-usd:,.2f}" if usd < 0 else f"${usd:,.2f}"
    for by in ("category", "vendor", "maker", "sub_agency,fiscal_year"):
        out = " ".join(run_cli(*base, "--by", by, "--limit", "1").output.split())
        assert (
            f"In all: {money} in {count:,} transactions (the table shows the first 1)"
            in out
        )
        assert f" of {money})" in out, out  # the reviewed share's dollars


def test_the_coverage_table_names_agencies_as_readers_know_them(
    fixture_db, run_cli, tmp_path
):
    """The report's coverage table named each year's agencies by code alone ("7012,
    7014"); it names them as the rest of the report does: ICE (7012), CBP (7014)."""
    out = tmp_path / "r"
    run_cli(
        "--db", str(fixture_db), "report", "spending", "--format", "md,json",
        "--out", str(out),
    )  # fmt: skip
    years = json.loads((out / "report.json").read_text())["coverage"]["years"]
    held = [y for y in years if y["agencies"]]
    assert held
    md = (out / "report.md").read_text()
    names = {"7012": "ICE (7012)", "7014": "CBP (7014)"}
    for y in held:
        cell = ", ".join(names[a] for a in y["agencies"])
        assert f"| FY{y['fiscal_year']} | " in md
        row = next(
            x for x in md.splitlines() if x.startswith(f"| FY{y['fiscal_year']} |")
        )
        assert f"| {cell} |" in row, row
