"""`custodes sync` end to end against the fake API: caps, faults, resume, safety,
lock."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from custodes.sync.checkpoint import staging_dir
from tests.fakes.usaspending import Fault
from tests.sync.conftest import make_rows, store_total, total

SEARCH = "spending_by_transaction/"
FY = ["--fy", "2024", "--agency", "ICE", "--agency", "CBP"]


def test_complete_sync_splits_windows_over_the_cap(fake_api, sync, db_path):
    rows = make_rows(420)
    api = fake_api(rows, cap=120)
    code, s = sync(api.url, *FY)
    assert code == 0 and s["status"] == "complete"
    assert s["windows"] >= 4  # 420 records under a 120 cap need at least four windows
    assert s["expected"] == s["fetched"] == 420
    assert store_total(db_path) == (420, total(rows))
    assert not staging_dir(db_path).exists()  # staging is cleared once stored
    # The client learns the server's cap from its 422 answer and splits the window.
    past = [
        r
        for r in api.requests_to(SEARCH)
        if (r["body"]["page"] - 1) * r["body"]["limit"] >= 120
    ]
    assert past and len(past) < s["windows"]


def test_faults_do_not_change_the_result(fake_api, sync, db_path):
    rows = make_rows(350, seed=3)
    faults = [
        Fault("500", times=2),
        Fault("429", retry_after="0.2", after=3),
        Fault("truncated", path=SEARCH, page=2),
        Fault("shift", path=SEARCH, page=3, shift=3, times=2),
        Fault("duplicate", path=SEARCH, page=2, after=1, times=3),
        Fault("reset", path=SEARCH, after=1),
    ]
    api = fake_api(rows, faults=faults)
    code, s = sync(api.url, *FY)
    assert code == 0, s
    assert s["fetched"] == 350 and s["retries"] >= 4
    assert store_total(db_path) == (350, total(rows))
    assert [f.fired for f in faults if not f.fired] == []  # every fault actually fired


def test_shift_on_one_page_is_healed_by_a_second_pass(fake_api, sync, db_path):
    rows = make_rows(250, seed=4)
    api = fake_api(rows, faults=[Fault("shift", path=SEARCH, page=2, times=-1)])
    code, s = sync(api.url, *FY)
    assert code == 0 and s["fetched"] == 250
    assert store_total(db_path) == (250, total(rows))


def test_persistent_shifting_is_reported_and_nothing_written(fake_api, sync, db_path):
    rows = make_rows(250, seed=4)
    api = fake_api(rows, faults=[Fault("drop", path=SEARCH, times=-1, shift=120)])
    code, s = sync(api.url, *FY)
    assert code == 2 and s["status"] == "incomplete" and not s["written"]
    assert [m["window"] for m in s["missing"]] == ["2023-10-01..2024-09-30"]
    assert "of 250" in s["missing"][0]["error"]
    assert (staging_dir(db_path) / "checkpoint.json").exists()
    con = duckdb.connect(str(db_path), read_only=True)
    assert con.execute('SELECT count(*) FROM "transaction"').fetchone()[0] == 0
    assert con.execute("SELECT status, ingest_run_id FROM sync_run").fetchall() == [
        ("incomplete", None)
    ]
    con.close()


def test_partial_failure_keeps_good_data_intact(fake_api, sync, db_path):
    first = make_rows(200, seed=5)
    api = fake_api(first)
    assert sync(api.url, *FY)[0] == 0
    before = store_total(db_path)
    api.add_rows(make_rows(50, seed=6))  # the API grows
    api.faults.append(Fault("500", times=-1))  # then fails for good
    code, s = sync(api.url, *FY)
    assert code == 2 and not s["written"]
    assert store_total(db_path) == before


def test_interrupted_sync_resumes_without_refetching(fake_api, sync, db_path):
    rows = make_rows(400, seed=8)
    api = fake_api(rows, cap=110)
    code, s = sync(api.url, *FY, "--max-requests", "10")
    assert code == 2 and "budget" in s["stop_reason"] and not s["written"]
    cp = json.loads((staging_dir(db_path) / "checkpoint.json").read_text())
    done = [w["key"] for w in cp["windows"] if w["status"] == "done"]
    assert done, "some windows finish inside the budget"
    api.log.clear()
    code, s = sync(api.url, *FY)
    assert code == 0 and s["resumed"]
    asked = {json.dumps(r["body"]["filters"]["time_period"]) for r in api.log}
    for key in done:
        start, end = key.split("..")
        assert json.dumps([{"start_date": start, "end_date": end}]) not in asked
    assert store_total(db_path) == (400, total(rows))


def test_second_sync_is_idempotent(fake_api, sync, db_path):
    rows = make_rows(150, seed=9)
    api = fake_api(rows)
    assert sync(api.url, *FY)[0] == 0
    code, s = sync(api.url, *FY)
    assert code == 0 and s["new"] == 0 and s["changed"] == 0 and s["unchanged"] == 150
    assert store_total(db_path) == (150, total(rows))
    log = Path(str(db_path) + ".sync.log").read_text().splitlines()
    assert len(log) == 2 and "status=complete" in log[1] and "unchanged=150" in log[1]


def test_agency_filter_and_env_url(fake_api, cli, db_path, monkeypatch):
    rows = make_rows(200, seed=10)
    api = fake_api(rows)
    monkeypatch.setenv("CUSTODES_USASPENDING_URL", api.url)
    result = cli("sync", "--fy", "2024", "--agency", "7012", "--rate", "0", "--json")
    s = json.loads(result.stdout)
    ice = [r for r in rows if r["Agency"] == "ICE"]
    assert s["api_url"] == api.url and s["fetched"] == len(ice)
    assert store_total(db_path) == (len(ice), total(ice))
    body = api.requests_to("count")[0]["body"]["filters"]
    assert body["agencies"] == [
        {
            "type": "awarding",
            "tier": "subtier",
            "name": "U.S. Immigration and Customs Enforcement",
            "toptier_name": "Department of Homeland Security",
        }
    ]


def test_one_day_over_the_cap_is_reported(fake_api, sync):
    rows = make_rows(60, seed=11)
    for r in rows:
        r["Action Date"] = "2024-02-01"
    api = fake_api(rows, cap=40)
    code, s = sync(api.url, *FY)
    assert code == 2
    assert any("one day cannot be split" in (m["error"] or "") for m in s["missing"])


def test_a_second_sync_is_refused_while_one_runs(fake_api, cli, db_path):
    import time

    from tests.conftest import run_cli_process

    api = fake_api(
        make_rows(300, seed=18),
        faults=[Fault("slow", path=SEARCH, delay=0.3, times=-1)],
    )
    first = run_cli_process(
        db_path, "sync", "--api-url", api.url, "--rate", "0", "--fy", "2024", "--json"
    )
    try:
        deadline = time.monotonic() + 30
        while not api.requests_to(SEARCH) and time.monotonic() < deadline:
            time.sleep(0.05)  # the first sync is paging now
        seen = len(api.log)
        result = cli("sync", "--api-url", api.url, "--fy", "2024", expect=3)
        assert "another `custodes sync` is running" in result.output
        # the second asked nothing (the first counted before it started paging)
        assert not any(r["path"].endswith("_count/") for r in api.log[seen:])
        out, _ = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0 and json.loads(out)["fetched"] == 300


def test_bad_agency_is_a_usage_error(cli):
    result = cli(
        "sync", "--agency", "NOPE", "--api-url", "http://127.0.0.1:9", expect=1
    )
    assert "Unknown agency" in result.output


@pytest.mark.shared
def test_shared_data_sync_matches_the_file(fake_api, sync, db_path, tmp_path):
    from tests.conftest import API_SEARCH, need_shared
    from tests.fakes.usaspending import load_rows

    need_shared()
    path = API_SEARCH / "CBP_ICE_FY2024_Contract_Obligations.csv"
    api = fake_api(
        load_rows([path]),
        cap=2500,
        faults=[Fault("shift", path=SEARCH, page=7), Fault("500", after=20)],
    )
    code, s = sync(api.url, *FY)
    assert code == 0 and s["fetched"] == 10_226
    from_file = tmp_path / "file.duckdb"
    from click.testing import CliRunner

    from custodes.cli import main

    assert (
        CliRunner()
        .invoke(main, ["--db", str(from_file), "ingest", str(path)])
        .exit_code
        == 0
    )
    con = duckdb.connect(str(db_path), read_only=True)
    con.execute(f"ATTACH '{from_file}' AS f (READ_ONLY)")
    diff = con.execute(
        "SELECT count(*) FROM (SELECT transaction_key, obligation_usd, "
        'award_key FROM "transaction" EXCEPT SELECT transaction_key, '
        'obligation_usd, award_key FROM f."transaction")'
    ).fetchone()[0]
    sums = con.execute(
        'SELECT (SELECT sum(obligation_usd) FROM "transaction"), '
        '(SELECT sum(obligation_usd) FROM f."transaction")'
    ).fetchone()
    con.close()
    assert diff == 0 and sums[0] == sums[1]


def test_default_since_follows_the_last_complete_sync(fake_api, sync):
    api = fake_api(make_rows(30, seed=12))
    code, s = sync(api.url, *FY)
    assert code == 0 and s["until"] == "2024-09-30"
    code, s = sync(api.url, "--agency", "ICE", "--agency", "CBP")
    assert s["since"] == "2024-08-30"  # a month of overlap for late corrections


@pytest.mark.slow
def test_killed_sync_resumes_from_its_checkpoint(fake_api, db_path):
    import signal
    import time

    from tests.conftest import run_cli_process

    rows = make_rows(600, seed=13)
    api = fake_api(
        rows, cap=150, faults=[Fault("slow", path=SEARCH, delay=0.15, times=-1)]
    )
    args = ["sync", "--api-url", api.url, "--rate", "0", "--fy", "2024", "--json"]
    proc = run_cli_process(db_path, *args)
    cp_path = staging_dir(db_path) / "checkpoint.json"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if cp_path.exists() and '"done"' in cp_path.read_text():
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    done = [
        w["key"]
        for w in json.loads(cp_path.read_text())["windows"]
        if w["status"] == "done"
    ]
    assert done, "the kill came after at least one window was staged"
    assert not db_path.exists()  # nothing reached the store
    api.faults.clear()
    api.log.clear()
    proc = run_cli_process(db_path, *args)
    out, _ = proc.communicate(timeout=120)
    s = json.loads(out)
    assert proc.returncode == 0 and s["resumed"]
    asked = {json.dumps(r["body"]["filters"]["time_period"]) for r in api.log}
    for key in done:
        start, end = key.split("..")
        assert json.dumps([{"start_date": start, "end_date": end}]) not in asked
    assert store_total(db_path) == (600, total(rows))


def test_real_duplicate_rows_across_a_page_edge_are_kept(fake_api, sync, db_path):
    rows = make_rows(230, seed=14)
    for r in rows:
        r["Federal Action Obligation"] = "0.00"  # all tied: served in this order
    rows.insert(0, dict(rows[150]))  # an exact copy, on page 1; the original on page 2
    api = fake_api(rows)
    code, s = sync(api.url, *FY)
    assert code == 0 and s["fetched"] == 231
    assert (
        store_total(db_path)[0] == 230
    )  # the ingest stores one copy, counts the other
    assert len(api.requests_to(SEARCH)) == 6  # a second pass proved the duplicate real


def test_a_counted_record_never_served_is_not_papered_over(fake_api, sync, db_path):
    rows = make_rows(230, seed=15)
    for r in rows:
        r["Federal Action Obligation"] = "0.00"
    rows.insert(0, dict(rows[150]))
    api = fake_api(rows, faults=[Fault("drop", path=SEARCH, times=-1, shift=40)])
    code, s = sync(api.url, *FY)
    assert code == 2 and not s["written"]


def test_a_different_sync_discards_the_old_checkpoint(fake_api, sync, db_path):
    rows = make_rows(200, seed=16)
    api = fake_api(rows, faults=[Fault("500", times=-1)])
    code, s = sync(api.url, *FY, "--max-requests", "3")
    assert code == 2 and (staging_dir(db_path) / "checkpoint.json").exists()
    api.faults.clear()
    code, s = sync(api.url, "--fy", "2024", "--agency", "ICE")
    assert code == 0 and not s["resumed"]
    assert (
        s["discarded_checkpoint"]["agencies"][1]["name"]
        == "U.S. Customs and Border Protection"
    )


def test_funding_flag_finds_money_spent_through_other_offices(fake_api, sync, db_path):
    from tests.fakes.usaspending import api_record

    rows = make_rows(40, seed=17)
    api = fake_api(rows)
    gsa = api_record(
        {
            **rows[0],
            "Award ID": "47QFUND24F0001",
            "Modification": "0",
            "Federal Action Obligation": "123.45",
            "Agency": "GSA",
            "Generated Award ID": "CONT_AWD_47QFUND24F0001_4732_-NONE-_-NONE-",
        },
        1,
    )
    gsa.update(
        {
            "Awarding Agency": "General Services Administration",
            "Awarding Sub Agency": "Federal Acquisition Service",
            "Funding Sub Agency": "U.S. Immigration and Customs Enforcement",
        }
    )
    api.records.append(gsa)
    api.changed()
    ice = [r for r in rows if r["Agency"] == "ICE"]
    code, s = sync(api.url, "--fy", "2024", "--agency", "ICE")
    assert code == 0 and s["fetched"] == len(ice)
    code, s = sync(api.url, "--fy", "2024", "--agency", "ICE", "--funding")
    assert code == 0 and s["fetched"] == len(ice) + 1 and s["new"] == 1
    types = [
        a["type"] for a in api.requests_to("count")[-1]["body"]["filters"]["agencies"]
    ]
    assert types == ["awarding", "funding"]


def test_partial_writes_only_the_complete_windows(fake_api, sync, db_path):
    from datetime import date

    early = make_rows(150, seed=19, start=date(2023, 10, 1), days=150)
    late = make_rows(50, seed=20, start=date(2024, 5, 1), days=100)
    api = fake_api(
        early + late, cap=160, faults=[Fault("drop", path=SEARCH, times=-1, shift=120)]
    )
    code, s = sync(api.url, *FY, "--partial")
    assert code == 2 and s["written"]
    assert [m["window"] for m in s["missing"]] == ["2023-10-01..2024-03-31"]
    assert store_total(db_path) == (50, total(late))
    assert (staging_dir(db_path) / "checkpoint.json").exists()  # the rest can resume


def test_sync_refresh_brings_the_derived_tables_up_to_date(fake_api, sync, db_path):
    rows = make_rows(60, seed=21)
    api = fake_api(rows)
    code, s = sync(api.url, *FY, "--refresh")
    assert code == 0 and s["refresh"]["full"]  # the first refresh builds everything
    # a second delivery: 20 more actions; the refresh recomputes only their awards
    more = make_rows(80, seed=21)
    api2 = fake_api(more)
    code, s = sync(api2.url, *FY, "--refresh")
    assert code == 0 and s["new"] + s["changed"] > 0
    done = s["refresh"]
    assert not done["full"], done["reason"]
    assert done["transactions_changed"] == s["new"] + s["changed"]
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        (served,) = con.execute(
            "SELECT sum(obligation_usd) FROM serve_award"
        ).fetchone()
        (framed,) = con.execute(
            "SELECT sum(obligation_usd) FROM analyse_frame"
        ).fetchone()
    finally:
        con.close()
    assert served == framed == store_total(db_path)[1]


def test_sync_refresh_runs_in_the_ingests_writer_lock(
    fake_api, sync, db_path, monkeypatch
):
    """A sync's refresh runs before its ingest lets go of the writer lock: no reader
    finds the new transactions beside the old derived tables in between."""
    from tests.figures.test_refresh_commands import lock_events

    events = lock_events(monkeypatch)
    code, s = sync(fake_api(make_rows(40, seed=5)).url, *FY, "--refresh")
    assert code == 0 and s["new"] > 0 and s["refresh"]["full"]
    ingest = events.index("refresh")
    assert events[ingest - 1 : ingest + 2] == ["take sync", "refresh", "let go sync"]
    assert events.count("refresh") == 1
    # a complete run that brings nothing still refreshes (on its own lock)
    events.clear()
    code, s = sync(fake_api(make_rows(40, seed=5)).url, *FY, "--refresh")
    assert code == 0 and s["new"] + s["changed"] == 0
    assert s["refresh"]["transactions_changed"] == 0
    assert events.count("refresh") == 1
