"""`custodes sync bulk`: request, poll, download, verify, ingest; failures write
nothing."""

from __future__ import annotations

import csv
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from custodes.sources.base import BulkFailed, BulkResult
from custodes.sources.usaspending.bulk import verify_zip
from tests.fakes.usaspending import Fault
from tests.sync.conftest import FAST, store_total

COLUMNS = [
    "contract_transaction_unique_key",
    "contract_award_unique_key",
    "award_id_piid",
    "modification_number",
    "transaction_number",
    "parent_award_agency_id",
    "parent_award_id",
    "federal_action_obligation",
    "action_date",
    "awarding_agency_code",
    "awarding_sub_agency_code",
    "awarding_sub_agency_name",
    "recipient_name",
    "product_or_service_code",
    "naics_code",
    "award_description",
]


def write_bulk(path: Path, n: int = 40) -> list[list[str]]:
    """A small prime-transactions file: made-up companies, ICE and CBP, FY2024 + one
    FY2023."""
    rows = []
    for i in range(n):
        code = "7012" if i % 3 else "7014"
        piid = f"70BULK24F{i // 2:05d}"
        mod = "0" if i % 2 == 0 else "P00001"
        day = "2023-09-15" if i == 0 else f"2024-0{1 + i % 9}-{10 + i % 15}"
        rows.append(
            [
                f"{code}_-NONE-_{piid}_{mod}_-NONE-_0",
                f"CONT_AWD_{piid}_{code}_-NONE-_-NONE-",
                piid,
                mod,
                "0",
                "",
                "",
                f"{(i * 1234.56) - 5000:.2f}",
                day,
                "070",
                code,
                "sub-agency",
                f"EXAMPLE SYSTEMS {i % 4} INC",
                "D302",
                "541512",
                "SOFTWARE LICENSES",
            ]
        )
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return rows


def bulk(cli, url: str, *args: str, expect: int | None = None) -> tuple[int, dict]:
    result = cli(
        "sync",
        "bulk",
        "--api-url",
        url,
        *FAST,
        "--poll",
        "0.01",
        "--fy",
        "2024",
        *args,
        "--json",
        expect=expect,
    )
    return result.exit_code, json.loads(result.stdout)


def fy2024(rows: list[list[str]], code: str | None = None) -> tuple[int, Decimal]:
    keep = [r for r in rows if r[8] >= "2023-10-01" and (code is None or r[10] == code)]
    return len(keep), sum((Decimal(r[7]) for r in keep), Decimal(0))


def test_bulk_download_is_verified_and_ingested(fake_api, cli, db_path, tmp_path):
    rows = write_bulk(tmp_path / "fy24.csv")
    api = fake_api([], bulk_files=[tmp_path / "fy24.csv"])
    code, s = bulk(cli, api.url, "--agency", "ICE")
    assert code == 0 and s["status"] == "complete" and s["polls"] == 3
    assert s["fetched"] == s["total_rows"] == fy2024(rows, "7012")[0]
    assert store_total(db_path) == fy2024(rows, "7012")
    req = api.requests_to("bulk_download/awards")[0]["body"]["filters"]
    assert req["date_range"] == {"start_date": "2023-10-01", "end_date": "2024-09-30"}
    assert not Path(str(db_path) + ".bulk").exists()  # download removed once stored


def test_a_damaged_download_is_fetched_again(fake_api, cli, db_path, tmp_path):
    rows = write_bulk(tmp_path / "fy24.csv")
    api = fake_api(
        [],
        bulk_files=[tmp_path / "fy24.csv"],
        faults=[Fault("corrupt", path="/files/")],
    )
    code, s = bulk(cli, api.url)
    assert code == 0
    assert len(api.requests_to("/files/")) == 2
    assert store_total(db_path) == fy2024(rows)


@pytest.mark.parametrize(
    "fault,expect",
    [
        (Fault("failed", path="bulk_download/awards"), "failed"),
        (Fault("corrupt", path="/files/", times=-1), "CRC|not a readable zip"),
    ],
)
def test_failed_jobs_and_bad_files_write_nothing(
    fake_api, cli, db_path, tmp_path, fault, expect
):
    write_bulk(tmp_path / "fy24.csv")
    api = fake_api([], bulk_files=[tmp_path / "fy24.csv"], faults=[fault])
    code, s = bulk(cli, api.url)
    assert code == 4 and s["status"] == "failed"
    import re

    assert re.search(expect, s["error"])
    assert not db_path.exists() or store_total(db_path)[0] == 0


def test_status_polling_is_bounded(fake_api, cli, tmp_path):
    write_bulk(tmp_path / "fy24.csv")
    api = fake_api([], bulk_files=[tmp_path / "fy24.csv"])
    from tests.fakes.usaspending import bulk as fakebulk

    old, fakebulk.POLLS_BEFORE_DONE = fakebulk.POLLS_BEFORE_DONE, 10_000
    try:
        code, s = bulk(cli, api.url, "--job-timeout", "1", "--poll", "0.2")
    finally:
        fakebulk.POLLS_BEFORE_DONE = old
    assert code == 4 and "did not finish" in s["error"]
    assert 2 <= len(api.requests_to("download/status")) <= 6


def test_row_count_mismatch_is_refused(tmp_path):
    path = tmp_path / "job.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "All_Contracts_PrimeTransactions_1.csv",
            ",".join(COLUMNS) + "\n" + ",".join(["x"] * len(COLUMNS)) + "\n",
        )
    with pytest.raises(BulkFailed, match="1 data rows but the job reported 5"):
        verify_zip(path, BulkResult(total_rows=5))


@pytest.mark.shared
def test_bulk_from_the_shared_files(fake_api, cli, db_path):
    from tests.conftest import BULK, need_shared

    need_shared()
    api = fake_api([], bulk_files=[BULK / "fy17.csv", BULK / "fy18.csv"])
    code, s = bulk(cli, api.url, "--agency", "ICE")
    # FY2024 is not in the 2013-2018 files: an empty, verified job
    assert code == 0 and s["fetched"] == 0
    result = cli(
        "sync",
        "bulk",
        "--api-url",
        api.url,
        *FAST,
        "--poll",
        "0.01",
        "--fy",
        "2017",
        "--json",
    )
    s = json.loads(result.stdout)
    assert result.exit_code == 0 and s["fetched"] == 1739
    assert store_total(db_path)[0] == s["new"] > 0
