"""`custodes sync --history` against the fake API: the base and earlier modifications
of awards the store knows only from later ones; failures, resume, a second run, the
--json shape, and the category a refresh gives an award once its base is in."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from custodes.settings import Settings
from custodes.store import open_store
from custodes.sync.digest import select_runs
from custodes.sync.history import staging_dir
from tests.fakes.usaspending import Fault
from tests.sync.conftest import FAST, HEADER, make_rows, store_total, total

SEARCH = "spending_by_transaction/"
FY2024 = date(2023, 10, 1)

# The --json document of `sync --history` (docs/sync.md).
SUMMARY_KEYS = {
    "kind",
    "status",
    "api_url",
    "resumed",
    "awards_asked",
    "awards_completed",
    "awards_without_base",
    "awards_failed",
    "awards_remaining",
    "awards_out_of_reach",
    "awards_answered_before",
    "batches",
    "batches_done",
    "expected",
    "fetched",
    "transactions_added",
    "requests",
    "retries",
    "new",
    "changed",
    "unchanged",
    "quarantined",
    "seconds",
    "redirects",
    "ingest_run_id",
    "still_incomplete",
    "stop_reason",
    "staging",
    "written",
    "sync_id",
}


def two_years(seed: int = 31, n: int = 240) -> list[dict[str, str]]:
    """Awards over FY2023 and FY2024, their modifications five months apart (so many
    start in FY2023 and go on in FY2024)."""
    rows = make_rows(n, seed=seed, start=date(2022, 10, 1), days=730)
    first: dict[str, date] = {}
    for r in rows:
        day = first.setdefault(r["Award ID"], date.fromisoformat(r["Action Date"]))
        k = 0 if r["Modification"] == "0" else int(r["Modification"][1:])
        r["Action Date"] = min(
            day + timedelta(days=150 * k), date(2024, 9, 30)
        ).isoformat()
    return rows


def write_csv(path: Path, rows: list[dict[str, str]], header=HEADER) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def fy2024_store(cli, tmp_path: Path, rows, header=HEADER) -> list[dict[str, str]]:
    """A store of the FY2024 rows only, as a user who starts with one year has."""
    late = [r for r in rows if date.fromisoformat(r["Action Date"]) >= FY2024]
    cli("ingest", str(write_csv(tmp_path / "fy2024.csv", late, header)))
    return late


def history(cli, url: str, *args: str, expect: int | None = None):
    result = cli(
        "sync", "--history", "--api-url", url, *FAST, *args, "--json", expect=None
    )
    if expect is not None:
        assert result.exit_code == expect, result.output
    return result.exit_code, json.loads(result.stdout)


def query(db_path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def without_base(db_path: Path) -> set[str]:
    return {
        r[0]
        for r in query(
            db_path,
            'SELECT award_key FROM "transaction" GROUP BY 1 '
            "HAVING NOT bool_or(modification_number = '0')",
        )
    }


def expected_after(rows, late) -> list[dict[str, str]]:
    """Every row of the awards the FY2024 store holds (their earlier ones too)."""
    held = {r["Generated Award ID"] for r in late}
    return [r for r in rows if r["Generated Award ID"] in held]


def test_history_brings_the_base_of_awards_known_from_modifications(
    fake_api, cli, db_path, tmp_path
):
    rows = two_years()
    late = fy2024_store(cli, tmp_path, rows)
    missing = without_base(db_path)
    assert len(missing) >= 10  # awards the one-year store knows only from mods
    # A decoy: the same PIID at another agency, earlier; it is not the award asked.
    piid = next(r for r in late if r["Modification"] != "0")["Award ID"]
    decoy = {
        **late[0],
        "Agency": "TSA",
        "Award ID": piid,
        "Modification": "0",
        "Action Date": "2022-11-01",
        "Federal Action Obligation": "12345.00",
        "Generated Award ID": f"CONT_AWD_{piid}_7013_-NONE-_-NONE-",
    }
    # Another: an award whose PIID contains the one asked. The search matches a bare
    # ID fuzzily (its filter documentation), so each PIID must go in quotes.
    near = {
        **decoy,
        "Agency": "ICE",
        "Award ID": f"{piid}9",
        "Generated Award ID": f"CONT_AWD_{piid}9_7012_-NONE-_-NONE-",
    }
    api = fake_api([*rows, decoy, near])
    code, s = history(cli, api.url, expect=0)
    assert set(s) == SUMMARY_KEYS
    assert s["status"] == "complete" and s["written"]
    assert s["awards_asked"] == len(missing)
    assert s["awards_completed"] == len(missing) and s["awards_failed"] == 0
    want = expected_after(rows, late)
    assert s["transactions_added"] == len(want) - len(late) > 0
    assert without_base(db_path) == set()
    assert store_total(db_path) == (len(want), total(want))
    # the decoy's award is not in the store; the awards asked got their base text
    assert not query(
        db_path, "SELECT 1 FROM \"transaction\" WHERE awarding_sub_agency_code='7013'"
    )
    base = {r["Generated Award ID"]: r for r in rows if r["Modification"] == "0"}
    got = dict(
        query(
            db_path,
            'SELECT award_key, description FROM "transaction" '
            "WHERE modification_number = '0'",
        )
    )
    for key in missing:
        assert got[key] == base[key]["Transaction Description"]
    # only the awards' PIIDs and dates up to their first action were asked
    bodies = [r["body"]["filters"] for r in api.requests_to(SEARCH)]
    assert bodies and all(
        {p.strip('"') for p in b["award_ids"]} <= {k.split("_")[2] for k in missing}
        and all(p[0] == p[-1] == '"' for p in b["award_ids"])
        for b in bodies
    )
    # what was served is exactly the records of the PIIDs asked, the near one not
    asked = {
        (frozenset(b["award_ids"]), b["time_period"][0]["end_date"]) for b in bodies
    }
    served = sum(
        1
        for ids, end in asked
        for r in [*rows, decoy, near]
        if f'"{r["Award ID"]}"' in ids and r["Action Date"] <= end
    )
    assert s["fetched"] == served
    assert all(b["time_period"][0]["start_date"] == "2007-10-01" for b in bodies)
    assert all(b["time_period"][0]["end_date"] < "2024-10-01" for b in bodies)
    recorded = query(db_path, "SELECT status, count(*) FROM sync_history GROUP BY 1")
    assert recorded == [("complete", len(missing))]
    assert query(db_path, "SELECT kind, status FROM sync_run") == [
        ("history", "complete")
    ]
    assert not staging_dir(db_path).exists()
    # a second run asks for nothing: every award is complete now
    api.log.clear()
    code, s = history(cli, api.url, expect=0)
    assert s["awards_asked"] == 0 and s["transactions_added"] == 0
    assert api.log == []


def test_an_award_the_source_has_no_base_for_is_not_asked_again(
    fake_api, cli, db_path, tmp_path
):
    rows = two_years(seed=32, n=120)
    late = fy2024_store(cli, tmp_path, rows)
    missing = without_base(db_path)
    # the source lost the base of every award: only later modifications remain
    served = [r for r in rows if r["Modification"] != "0"]
    api = fake_api(served)
    code, s = history(cli, api.url, expect=0)
    assert s["awards_completed"] == 0
    assert s["awards_without_base"] == s["awards_asked"] == len(missing)
    assert {a["status"] for a in s["still_incomplete"]["no_base"]} == {"no_base"}
    want = [
        r for r in expected_after(rows, late) if r["Modification"] != "0" or r in late
    ]
    assert store_total(db_path) == (len(want), total(want))
    api.log.clear()
    code, s = history(cli, api.url, expect=0)
    assert s["awards_asked"] == 0 and s["awards_answered_before"] == len(missing)
    assert api.log == []


@pytest.mark.parametrize(
    "fault",
    [
        Fault("500", times=-1),
        Fault("slow", path=SEARCH, delay=1.5, times=-1),
        Fault("truncated", path=SEARCH, times=-1),
        Fault("drop", path=SEARCH, times=-1, shift=0),  # a page cut short
    ],
    ids=["http-500", "timeout", "truncated-reply", "record-never-served"],
)
def test_a_failure_leaves_the_store_unchanged_and_says_which_award(
    fake_api, cli, db_path, tmp_path, fault
):
    rows = two_years(seed=33, n=80)
    fy2024_store(cli, tmp_path, rows)
    before = store_total(db_path)
    missing = without_base(db_path)
    api = fake_api(rows, faults=[fault])
    code, s = history(cli, api.url, "--timeout", "0.5")
    assert code == 2 and s["status"] == "incomplete" and not s["written"]
    assert fault.fired
    assert store_total(db_path) == before and without_base(db_path) == missing
    failed = s["still_incomplete"]["failed"]
    assert {f["award"] for f in failed} == missing
    assert all(f["piid"] in f["award"] and f["error"] for f in failed)
    assert all("sync --history" in f["what_to_do"] for f in failed)
    assert not query(db_path, "SELECT * FROM sync_history")
    assert (staging_dir(db_path) / "checkpoint.json").exists()
    # the server heals: the same command resumes and completes
    api.faults.clear()
    code, s = history(cli, api.url, expect=0)
    assert s["resumed"] and s["awards_completed"] == len(missing)
    assert without_base(db_path) == set()


def test_a_stopped_run_resumes_without_asking_again(fake_api, cli, db_path, tmp_path):
    rows = two_years(seed=34, n=300)
    fy2024_store(cli, tmp_path, rows)
    api = fake_api(rows)
    code, s = history(cli, api.url, "--max-requests", "3", expect=2)
    assert "budget" in s["stop_reason"] and not s["written"]
    cp = json.loads((staging_dir(db_path) / "checkpoint.json").read_text())
    done = [b for b in cp["batches"] if b["status"] == "done"]
    assert done
    asked_before = {
        json.dumps(sorted(p.strip('"') for p in r["body"]["filters"]["award_ids"]))
        for r in api.requests_to(SEARCH)
    }
    api.log.clear()
    code, s = history(cli, api.url, expect=0)
    assert s["resumed"] and without_base(db_path) == set()
    again = {
        json.dumps(sorted(p.strip('"') for p in r["body"]["filters"]["award_ids"]))
        for r in api.log
    }
    finished = {json.dumps(sorted(k.split("_")[2] for k in b["awards"])) for b in done}
    assert not (finished & again) and finished <= asked_before


def test_max_awards_asks_the_largest_first(fake_api, cli, db_path, tmp_path):
    rows = two_years(seed=35, n=200)
    fy2024_store(cli, tmp_path, rows)
    missing = without_base(db_path)
    dollars = dict(
        query(
            db_path,
            'SELECT award_key, sum(abs(obligation_usd)) FROM "transaction" GROUP BY 1',
        )
    )
    largest = sorted(missing, key=lambda k: -dollars[k])[:3]
    api = fake_api(rows)
    code, s = history(cli, api.url, "--max-awards", "3", expect=0)
    assert s["awards_asked"] == 3 and s["awards_remaining"] == len(missing) - 3
    assert missing - without_base(db_path) == set(largest)
    code, s = history(cli, api.url, expect=0)
    assert s["awards_asked"] == len(missing) - 3 and without_base(db_path) == set()


def test_awards_keyed_without_a_generated_id_are_not_doubled(
    fake_api, cli, db_path, tmp_path
):
    """A 10-column extract has no generated award id: the store keys its awards by
    PIID and sub-agency. Their history must add the earlier actions only, never a
    second copy of the modifications already stored under the built key."""
    rows = two_years(seed=36, n=120)
    header = [h for h in HEADER if h != "Generated Award ID"]
    late = fy2024_store(cli, tmp_path, rows, header)
    missing = without_base(db_path)
    assert all("-UNKNOWN-" in k for k in missing)
    api = fake_api(rows)
    code, s = history(cli, api.url, expect=0)
    assert s["awards_completed"] == len(missing)
    want = expected_after(rows, late)
    assert store_total(db_path) == (len(want), total(want))
    doubled = query(
        db_path,
        'SELECT piid, modification_number FROM "transaction" '
        "GROUP BY ALL HAVING count(*) > 1",
    )
    assert doubled == []
    assert without_base(db_path) == set()


def test_history_after_a_sync_of_one_year(fake_api, cli, db_path):
    rows = two_years(seed=37, n=150)
    api = fake_api(rows)
    result = cli(
        "sync",
        "--api-url",
        api.url,
        *FAST,
        "--fy",
        "2024",
        "--history",
        "--json",
        expect=0,
    )
    s = json.loads(result.stdout)
    assert s["status"] == "complete" and s["history"]["status"] == "complete"
    assert s["history"]["awards_completed"] == s["history"]["awards_asked"] > 0
    assert without_base(db_path) == set()
    late = [r for r in rows if date.fromisoformat(r["Action Date"]) >= FY2024]
    want = expected_after(rows, late)
    assert store_total(db_path) == (len(want), total(want))
    # the history's ingest run is not news: a digest still covers the sync's run
    runs = query(db_path, "SELECT run_id, command FROM ingest_run ORDER BY 1")
    assert [c for _, c in runs] == ["sync", "sync --history"]
    with open_store(Settings(db=db_path)) as store:
        assert select_runs(store, None) == [runs[0][0]]


def test_max_awards_needs_history(cli):
    result = cli("sync", "--max-awards", "3", expect=2)
    assert "--history" in result.output


def test_refresh_gives_the_category_its_base_description_says(
    fake_api, cli, db_path, tmp_path
):
    """An award known only from an option exercise is `none`; once its base (a
    licence-plate reader data subscription) is in, the refresh re-decides it."""
    piid, key = "70CMSD23C00000777", "CONT_AWD_70CMSD23C00000777_7012_-NONE-_-NONE-"

    def row(mod: str, day: str, text: str, amount: str) -> dict[str, str]:
        return {
            "Agency": "ICE",
            "Award ID": piid,
            "Recipient Name": "SUMMIT LOGISTICS CO",
            "Federal Action Obligation": amount,
            "Action Date": day,
            "Modification": mod,
            "Product/Service Description": "IT AND TELECOM - OTHER",
            "NAICS Description": "ALL OTHER INFORMATION SERVICES",
            "Transaction Description": text,
            "Generated Award ID": key,
        }

    base = row("0", "2023-03-01", BASE_TEXT, "250000.00")
    option = row("P00001", "2024-03-01", "EXERCISE OPTION YEAR 1", "260000.00")
    others = make_rows(30, seed=38, start=FY2024, days=300)
    cli("ingest", str(write_csv(tmp_path / "fy2024.csv", [option, *others])))
    cli("classify")
    assert category(db_path, key) == "none"
    api = fake_api([base, option, *others])
    code, s = history(cli, api.url, "--refresh", expect=0)
    assert s["awards_completed"] >= 1 and s["refresh"]
    assert category(db_path, key) == BASE_CATEGORY
    assert query(
        db_path,
        f"SELECT sum(obligation_usd) FROM \"transaction\" WHERE award_key = '{key}'",
    ) == [(Decimal("510000.00"),)]


BASE_TEXT = "AUTOMATED LICENSE PLATE READER DATA SUBSCRIPTION SERVICES"
BASE_CATEGORY = "license_plate_readers"


def category(db_path: Path, key: str) -> str:
    rows = query(
        db_path, f"SELECT category FROM classification WHERE award_key = '{key}'"
    )
    assert rows, f"{key} is not classified"
    return rows[0][0]


def test_partial_writes_the_complete_batches(fake_api, cli, db_path, tmp_path):
    rows = two_years(seed=39, n=500)
    fy2024_store(cli, tmp_path, rows)
    missing = without_base(db_path)
    assert len(missing) > 20  # two queries at least
    # the first query's page is served, every later one fails
    api = fake_api(rows, faults=[Fault("500", path=SEARCH, times=-1, after=1)])
    code, first = history(cli, api.url, "--partial")
    s = first
    assert code == 2 and s["status"] == "incomplete" and s["written"]
    assert s["awards_completed"] + s["awards_without_base"] == 20
    failed = {f["award"] for f in s["still_incomplete"]["failed"]}
    assert len(failed) == len(missing) - 20 == s["awards_failed"]
    assert without_base(db_path) == failed
    (answered,) = query(db_path, "SELECT count(*) FROM sync_history")[0]
    assert answered == 20
    api.faults.clear()
    code, s = history(cli, api.url, expect=0)
    assert s["awards_asked"] == len(failed)
    # those answered without a base are not asked again (those with one are whole)
    assert s["awards_answered_before"] == first["awards_without_base"]
    assert without_base(db_path) == set()


def _mods_only(cli, *args: str) -> dict:
    return json.loads(cli(*args, "--json").stdout)["modifications_only"]


def test_the_history_advice_is_given_only_where_the_run_can_help(
    fake_api, cli, db_path, tmp_path
):
    """Every coverage statement advised `custodes sync --history` for every award
    known only through modifications, also those it cannot fetch: an IDV (the
    search's contract types never return its transactions), an award whose first
    action in the store is before the search's first day (2007-10-01), and, after a
    run, the awards the source held no base for. The advice names how many it can
    still fetch, and for the others what can be done instead; the run leaves the IDV
    and the early award out of its questions."""
    rows = two_years(seed=33, n=60)
    late = fy2024_store(cli, tmp_path, rows)
    ordinary = without_base(db_path)
    assert ordinary
    odd = {
        "CONT_IDV_70TESTIDV0001_7012": ("70TESTIDV0001", "2024-01-10"),
        "CONT_AWD_70TESTOLD0001_7012_-NONE-_-NONE-": ("70TESTOLD0001", "2007-06-01"),
    }
    extra = [
        {**late[0], "Award ID": piid, "Modification": "P00007", "Action Date": day,
         "Federal Action Obligation": "1000.00", "Generated Award ID": key}
        for key, (piid, day) in odd.items()
    ]  # fmt: skip
    cli("ingest", str(write_csv(tmp_path / "odd.csv", extra)))
    assert without_base(db_path) == ordinary | set(odd)
    cli("classify")
    before = _mods_only(cli, "stats")
    assert before["awards"] == len(ordinary) + 2
    assert before["reachable"] == len(ordinary)
    line = before["line"]
    n = len(ordinary)
    assert (
        f"Run `custodes sync --history` to fetch the earlier transactions of {n:,}"
        in line
    )
    assert "cannot fetch the earlier transactions of 2 of them" in line
    assert "IDVs, whose own transactions the search does not serve: 1" in line
    assert "starting before the first day the source's search serves" in line
    assert "custodes review" in line
    assert (before["unreachable_unserved"], before["unreachable_early"]) == (1, 1)
    assert _mods_only(cli, "classify")["line"] == line

    # the source lost every base: a run answers each ordinary award 'no_base'
    api = fake_api([r for r in rows if r["Modification"] != "0"])
    code, s = history(cli, api.url, expect=0)
    assert s["awards_asked"] == s["awards_without_base"] == len(ordinary)
    assert s["awards_out_of_reach"] == 2
    asked = {
        p.strip('"')
        for r in api.requests_to(SEARCH)
        for p in r["body"]["filters"]["award_ids"]
    }
    assert not asked & {piid for piid, _ in odd.values()}
    after = _mods_only(cli, "stats")
    assert after["awards"] == len(ordinary) + 2 and after["reachable"] == 0
    assert "Run `custodes sync --history`" not in after["line"]
    n = len(ordinary) + 2
    assert f"cannot fetch the earlier transactions of {n:,} of them" in after["line"]
    assert (
        f"the source holding no transaction that starts them: {n - 2:,}"
        in (after["line"])
    )
    assert after["unreachable_answered"] == len(ordinary)
    cli("figures", "build")
    out = tmp_path / "r"
    cli("report", "spending", "--all-spending", "--format", "json", "--out", str(out))
    report = json.loads((out / "report.json").read_text())["coverage"]
    assert report["modifications_only"]["reachable"] == 0
    assert report["modifications_only"]["unreachable"] == {
        "early": 1,
        "unserved": 1,
        "answered": len(ordinary),
    }
    assert report["modifications_only"]["line"] == after["line"]
    from starlette.testclient import TestClient

    from custodes.serve.app import build_app

    with TestClient(build_app(Settings(db=db_path), page_cache=0)) as c:
        web = c.get("/dashboard.json").json()["data"]["coverage"]
    assert web["modifications_only"]["reachable"] == 0
    assert web["modifications_only"]["line"] == after["line"]
