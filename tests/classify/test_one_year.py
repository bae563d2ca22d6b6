"""A store that holds one fiscal year alone knows most awards only through later
modifications: every figure says how many, with what money, and what to do (issue 15
items 1 and 6; custodes/store/queries.py modifications_only_sql).

Invented awards in the api-search layout: CAMERAS starts in FY2023 (modification 0,
"BODY WORN CAMERAS") and is continued in FY2024 ("EXERCISE OPTION YEAR 1"); FUNDING
is seen only through a FY2024 modification P00003; NEW starts in FY2024."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from custodes.serve.app import build_app
from custodes.settings import Settings
from tests.classify.conftest import run

HEAD = (
    "Agency,Award ID,Recipient Name,Federal Action Obligation,Action Date,"
    "Modification,Product/Service Description,NAICS Description,"
    "Transaction Description,Generated Award ID\n"
)
CAMERAS = "CONT_AWD_70CMSD23P99000101_7012_-NONE-_-NONE-"
FUNDING = "CONT_AWD_70CMSD22P99000102_7012_-NONE-_-NONE-"
NEW = "CONT_AWD_70CMSD24P99000103_7012_-NONE-_-NONE-"
FY2023 = (
    f"ICE,70CMSD23P99000101,EXAMPLE CAMERA CO,500000.00,2023-03-01,0,"
    f"VIDEO RECORDING EQUIPMENT,OTHER ELECTRONIC MANUFACTURING,"
    f"BODY WORN CAMERAS AND VIDEO MANAGEMENT SOFTWARE,{CAMERAS}\n"
)
FY2024 = (
    f"ICE,70CMSD23P99000101,EXAMPLE CAMERA CO,250000.00,2024-03-01,P00001,"
    f"VIDEO RECORDING EQUIPMENT,OTHER ELECTRONIC MANUFACTURING,"
    f"EXERCISE OPTION YEAR 1,{CAMERAS}\n"
    f"ICE,70CMSD22P99000102,EXAMPLE SERVICES LLC,100000.00,2024-02-01,P00003,"
    f"SUPPORT- MANAGEMENT: OTHER,ALL OTHER PROFESSIONAL SERVICES,"
    f"INCREMENTAL FUNDING,{FUNDING}\n"
    f"ICE,70CMSD24P99000103,EXAMPLE OFFICE SUPPLY,40000.00,2024-05-01,0,"
    f"OFFICE SUPPLIES,OFFICE SUPPLIES MERCHANT WHOLESALERS,"
    f"OFFICE SUPPLIES,{NEW}\n"
)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "fy23").mkdir()
    (tmp_path / "fy24").mkdir()
    a = tmp_path / "fy23" / "ICE_FY2023.csv"
    b = tmp_path / "fy24" / "ICE_FY2024.csv"
    a.write_text(HEAD + FY2023)
    b.write_text(HEAD + FY2024)
    return a, b


def as_json(db: Path, *args: str) -> dict:
    return json.loads(run(db, *args, "--json").output)


def test_a_store_of_one_year_says_what_it_knows_only_through_modifications(
    files, tmp_path
):
    fy23, fy24 = files
    db = tmp_path / "one.duckdb"
    run(db, "ingest", str(fy24))
    summary = as_json(db, "classify")
    mods = summary["modifications_only"]
    # CAMERAS and FUNDING have no transaction that starts them here; NEW has one
    assert (mods["awards"], mods["of_awards"]) == (2, 3)
    assert Decimal(str(mods["obligation_usd"])) == Decimal("350000.00")
    assert Decimal(str(mods["of_obligation_usd"])) == Decimal("390000.00")
    assert mods["none"] + mods["surveillance"] == 2
    assert "2 of 3 awards ($350,000 of $390,000 net)" in mods["line"]
    assert "custodes sync --history" in mods["line"]
    printed = " ".join(run(db, "classify").output.split())
    assert "2 of 3 awards ($350,000 of $390,000 net) are known here only" in printed
    stats = as_json(db, "stats")["modifications_only"]
    assert (stats["awards"], stats["of_awards"]) == (2, 3)
    assert stats["line"] == mods["line"]
    assert "known here only through later" in " ".join(run(db, "stats").output.split())

    # the earlier year's file holds the start of CAMERAS: one award is left
    run(db, "ingest", str(fy23))
    after = as_json(db, "classify")["modifications_only"]
    assert (after["awards"], after["of_awards"]) == (1, 3)
    assert Decimal(str(after["obligation_usd"])) == Decimal("100000.00")
    assert as_json(db, "stats")["modifications_only"]["awards"] == 1


def test_reports_and_the_web_app_state_it(files, tmp_path):
    _, fy24 = files
    db = tmp_path / "one.duckdb"
    run(db, "ingest", str(fy24))
    run(db, "classify")
    out = tmp_path / "report"
    run(db, "report", "spending", "--agency", "ICE", "--by", "category", "--out",
        str(out))  # fmt: skip
    report = json.loads((out / "report.json").read_text())
    cover = report["coverage"]
    assert (cover["modifications_only"]["awards"], cover["modifications_only"][
        "of_awards"]) == (2, 3)  # fmt: skip
    assert cover["modifications_only"]["line"] in cover["text"]
    assert (
        "known here only through later modifications" in (out / "report.md").read_text()
    )
    run(db, "figures", "build")
    with TestClient(build_app(Settings(db=db), page_cache=0)) as c:
        web = c.get("/dashboard.json").json()["data"]["coverage"]
        assert web["modifications_only"] == {
            **cover["modifications_only"],
            "obligation_usd": web["modifications_only"]["obligation_usd"],
            "of_obligation_usd": web["modifications_only"]["of_obligation_usd"],
        }
        assert Decimal(str(web["modifications_only"]["obligation_usd"])) == Decimal(
            "350000.00"
        )
        assert web["text"] == cover["text"]
        html = " ".join(c.get("/").text.split())
        assert "2 of 3 awards ($350,000 of $390,000 net) are known here only" in html
        # each award's page says it of itself
        assert c.get(f"/award/{FUNDING}.json").json()["data"]["award"][
            "modifications_only"
        ]
        assert not c.get(f"/award/{NEW}.json").json()["data"]["award"][
            "modifications_only"
        ]
        assert 'id="modifications-only"' in c.get(f"/award/{FUNDING}").text
        assert 'id="modifications-only"' not in c.get(f"/award/{NEW}").text


def test_a_store_holding_every_start_says_nothing(tmp_path):
    (tmp_path / "only_new.csv").write_text(HEAD + FY2024.splitlines()[-1] + "\n")
    db2 = tmp_path / "new.duckdb"
    run(db2, "ingest", str(tmp_path / "only_new.csv"))
    mods = as_json(db2, "classify")["modifications_only"]
    assert (mods["awards"], mods["line"]) == (0, "")
    assert "known here only" not in run(db2, "stats").output


def test_a_vendor_profile_decides_an_award_known_only_by_its_modifications(tmp_path):
    """Item 3(a): what a known vendor sells is evidence that needs no description, so
    it holds where the text is only an option exercised (profiles.yaml: Matroid)."""
    key = "CONT_AWD_70B06C22F99000104_7014_70B06C21D99000022_7014"
    (tmp_path / "matroid.csv").write_text(
        HEAD + f'CBP,70B06C22F99000104,"MATROID, INC.",120000.00,2024-01-10,'
        f"P00002,IT AND TELECOM - BUSINESS APPLICATION SOFTWARE,SOFTWARE PUBLISHERS,"
        f"EXERCISE OPTION YEAR 2,{key}\n"
    )
    db = tmp_path / "m.duckdb"
    run(db, "ingest", str(tmp_path / "matroid.csv"))
    mods = as_json(db, "classify")["modifications_only"]
    assert (mods["awards"], mods["surveillance"], mods["none"]) == (1, 1, 0)
    rules = as_json(db, "classify", "--explain", key)["rules"]
    assert (rules["category"], rules["profile_only"]) == (
        "video_sensor_surveillance",
        True,
    )
    assert any(e["signal"] == "profile" for e in rules["evidence"])
