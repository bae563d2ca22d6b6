"""`custodes runs` and `custodes review` read at 80 columns: one line per run, each
award's PIID, agency, years and dollars at risk whole on its line; `--wide` gives the
full table (award ids, agency names, net obligations); --json is as it was. A PIID
that names one award stands for it in `review accept|correct`."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from tests.conftest import FIXTURES, run_custodes

API_FIXTURE = FIXTURES / "usaspending" / "api_search_small.csv"
BULK_FIXTURE = FIXTURES / "usaspending" / "bulk_fy18_small.csv"


def cli(db: Path, *args: str, columns: int = 80) -> str:
    env = {"COLUMNS": str(columns)}
    return run_custodes(db, *args, env=env, unset=("CUSTODES_REVIEWER",)).stdout


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("narrow") / "store.duckdb"
    cli(db, "ingest", str(API_FIXTURE))
    cli(db, "ingest", str(BULK_FIXTURE))
    cli(db, "refresh")
    return db


def body(text: str) -> list[str]:
    """The lines of a compact table after its header rule."""
    lines = text.splitlines()
    rule = next(i for i, line in enumerate(lines) if set(line.strip()) == {"─"})
    return lines[rule + 1 :]


def test_runs_fit_80_columns_one_line_per_run(store: Path) -> None:
    runs = json.loads(cli(store, "runs", "--json"))
    assert len(runs) == 2
    assert {
        "run_id",
        "command",
        "finished_at",
        "files",
        "rows_read",
        "rows_stored",
        "rows_updated",
        "rows_unchanged",
        "duplicates",
        "quarantined",
    } <= set(runs[0])
    text = cli(store, "runs")
    assert all(len(line) <= 80 for line in text.splitlines()), text
    lines = [line for line in body(text) if line.strip()]
    assert len(lines) == len(runs), text
    for line, run in zip(lines, runs, strict=True):
        cells = line.split()
        assert cells[0] == str(run["run_id"]) and cells[1] == run["command"]
        assert f"{run['rows_read']:,}" in cells and f"{run['rows_stored']:,}" in cells


def test_review_fits_80_columns_and_wide_shows_everything(store: Path) -> None:
    queue = json.loads(cli(store, "review", "--limit", "8", "--json"))["queue"]
    assert len(queue) == 8
    text = cli(store, "review", "--limit", "8")
    assert all(len(line) <= 80 for line in text.splitlines()), text
    lines = body(text)
    for i, award in enumerate(queue, start=1):
        # the award's first line holds its number, PIID, years and dollars at risk
        line = next(x for x in lines if x.split()[:2] == [str(i), award["piid"]])
        assert f"${Decimal(award['at_risk_usd']):,.0f}" in line
    wide = cli(store, "review", "--limit", "8", "--wide", columns=250)
    for award in queue:
        assert award["award_key"] in wide and award["agency_name"] in wide


def test_review_at_80_columns_breaks_no_word(store: Path) -> None:
    """Each award reads on at most three lines at 80 columns: its category whole on
    its first line, its reasons (besides the confidence) below it, wrapped between
    words; no category name or reason word is cut across lines."""
    queue = json.loads(cli(store, "review", "--limit", "12", "--json"))["queue"]
    text = cli(store, "review", "--limit", "12")
    lines = body(text)
    starts = [
        next(n for n, x in enumerate(lines) if x.split()[:2] == [str(i), a["piid"]])
        for i, a in enumerate(queue, start=1)
    ]
    ends = [*starts[1:], next(n for n, x in enumerate(lines) if "listed" in x)]
    for award, start, end in zip(queue, starts, ends, strict=True):
        block = lines[start:end]
        assert len(block) <= 3, block
        assert award["category"] in block[0].split(), block
        reasons = [w for w in award["why"] if not w.startswith("confidence ")]
        assert " ".join(block[1:]).split() == "; ".join(reasons).split(), block


def test_a_piid_stands_for_its_award_in_a_decision(store: Path) -> None:
    award = json.loads(cli(store, "review", "--limit", "1", "--json"))["queue"][0]
    cli(store, "review", "accept", award["piid"], "--note", "right", "--reviewer", "R")
    con = duckdb.connect(str(store), read_only=True)
    try:
        saved = con.execute("SELECT award_key FROM review_decision").fetchall()
    finally:
        con.close()
    assert saved == [(award["award_key"],)]


@pytest.fixture(scope="module")
def vendor_details(store: Path) -> dict[str, dict]:
    """`vendor show --json` of the three vendors with the longest ids and the first
    three of `vendor list`: read once for the three widths (the store is not
    written between them)."""
    vendors = json.loads(cli(store, "vendor", "list", "--limit", "500", "--json"))
    by_id = sorted(vendors, key=lambda v: (-len(v["vendor_id"]), v["vendor_id"]))
    picked = {v["vendor_id"] for v in [*by_id[:3], *vendors[:3]]}
    return {
        vendor: json.loads(cli(store, "vendor", "show", vendor, "--json"))
        for vendor in sorted(picked)
    }


@pytest.mark.parametrize("columns", [80, 100, 120])
def test_vendor_show_keeps_ids_dates_and_amounts_whole(
    store: Path, vendor_details: dict[str, dict], columns: int
) -> None:
    """`vendor show` at 80, 100 and 120 columns: every vendor id, DUNS, PIID, date
    and dollar amount of its tables stands whole on one line, to copy; the tables
    had folded them mid-word ('70CTD022FR0000' / '170', 'palantir-technolo' /
    'gy') to make room for the agency's name and the reasons."""
    from custodes.console import money

    for vendor, detail in vendor_details.items():
        text = cli(store, "vendor", "show", vendor, columns=columns)
        assert all(len(line) <= columns for line in text.splitlines()), text
        words = {w.strip("(),;.:") for w in text.split()} | set(text.split())
        wanted = [a["vendor_id"] for a in detail["aliases"]]
        duns = [a["recipient_duns"] for a in detail["aliases"]]
        wanted += [d for d in duns if d]
        for award in detail["awards"][:25]:
            wanted += [award["piid"], award["first_date"], award["last_date"]]
            wanted.append(money(Decimal(award["obligation_usd"])))
        assert detail["awards"], vendor
        missing = [w for w in wanted if w not in words]
        assert not missing, f"{vendor} at {columns}: {missing}\n{text}"


def test_review_wide_names_an_agency_as_every_page_does(store: Path) -> None:
    """`review --wide` and `review --json` name an awarding agency as
    custodes/data/agencies.yaml names its code, as the web app, search and
    `vendor show` do; they showed the bulk file's 'U.S. IMMIGRATION AND CUSTOMS
    ENFORCEMENT' beside the API's 'U.S. Immigration and Customs Enforcement'."""
    from custodes.model.agencies import load_agencies

    names = {code: sub.name for code, sub in load_agencies()[1].items()}
    con = duckdb.connect(str(store), read_only=True)
    try:
        spelled = con.execute(
            'SELECT DISTINCT awarding_sub_agency_name FROM "transaction"'
        ).fetchall()
    finally:
        con.close()
    upper = {n for (n,) in spelled if n and n == n.upper()}
    assert upper, spelled  # the store spells an agency otherwise: the test shows it
    queue = json.loads(cli(store, "review", "--limit", "500", "--json"))["queue"]
    assert {r["agency_name"] for r in queue} <= set(names.values()), queue
    assert all(r["agency_name"] == names[r["agency_code"]] for r in queue)
    wide = cli(store, "review", "--limit", "500", "--wide", columns=300)
    assert not [n for n in upper if n in wide], wide
