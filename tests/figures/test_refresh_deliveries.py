"""The real shared data, delivered in parts and refreshed after each, equals a full
rebuild of the same store, row for row and to the cent (issue 18, must have 2).

../shared/data/usaspending (every file: 4 API-search files, FY2021-FY2024, and 6 bulk
files, FY2013-FY2018; about 50,500 transactions) is cut into four deliveries: the bulk
files one or two at a time, each API-search file at an action date (its first half
in one delivery, the rest in the next). Besides the source's own rows:

- modifications: a later delivery carries again about 900 transactions of earlier
  ones under the same key, with their amount, description, recipient or action date
  (some into another fiscal year) changed, as USAspending's corrections do;
- removals: the source has no delete marker, so no delivery can remove a transaction;
  what it can remove is an award. The first delivery's rows of 25 awards come without
  their Generated Award ID, so ingest builds their keys; a later delivery names the
  award, ingest moves the earlier rows to it, and the built awards leave every table;
- between deliveries: overrides added, changed and removed (`--overrides`), and review
  decisions (a correction and an acceptance), one of them not refreshed before the
  next delivery.

After the last refresh the store is copied, the copy rebuilt with `custodes refresh
--full`, and tests/figures/refresh_compare.py compares every derived table of the
registry (resolve's, the analysis frame, the web app's and the search's tables),
classification, award numbers and first sightings.
"""

from __future__ import annotations

import csv
import json
import shutil
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.conftest import API_SEARCH, BULK
from tests.figures.refresh_compare import derived_tables, differences
from tests.figures.test_refresh_equal import cli, review, write_overrides

API_FILES = sorted(API_SEARCH.glob("*.csv"))  # FY2021 .. FY2024
BULK_FILES = sorted(BULK.glob("fy*.csv"))  # fy13 .. fy18
# the action date that cuts each API-search file in two (its fiscal year's April 1st)
CUT = "-04-01"
BUILT_AWARDS = 25


def read_api(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def halves(header: list[str], rows: list[list[str]]) -> tuple[list, list]:
    """The rows before the file's fiscal year's April 1st, and the rest."""
    at = header.index("Action Date")
    fy = max(r[at][:4] for r in rows)  # the calendar year that holds April
    first = [r for r in rows if r[at] < fy + CUT]
    return first, [r for r in rows if r[at] >= fy + CUT]


def modified(header: list[str], rows: list[list[str]]) -> list[list[str]]:
    """Every 40th earlier row again under its key, its content changed."""
    h = {name: i for i, name in enumerate(header)}
    names = sorted({r[h["Recipient Name"]] for r in rows if r[h["Recipient Name"]]})
    out = []
    for n, row in enumerate(rows[::40]):
        row = list(row)
        kind = n % 5
        if kind == 0:  # an amount corrected (to the cent)
            amount = float(row[h["Federal Action Obligation"]] or 0)
            row[h["Federal Action Obligation"]] = f"{amount + 1234.56:.2f}"
        elif kind == 1:  # an amount withdrawn
            amount = float(row[h["Federal Action Obligation"]] or 0)
            row[h["Federal Action Obligation"]] = f"{-amount:.2f}"
        elif kind == 2:  # a description that a rule reads
            row[h["Transaction Description"]] = (
                "LICENSE PLATE READER CAMERAS AND CELLEBRITE UFED LICENSES"
                if n % 2
                else "OFFICE SUPPLIES AND JANITORIAL SERVICES"
            )
        elif kind == 3:  # another recipient (another vendor)
            row[h["Recipient Name"]] = names[(n * 7919) % len(names)]
        else:  # another action date, a year earlier (another fiscal year)
            d = date.fromisoformat(row[h["Action Date"]]) - timedelta(days=365)
            row[h["Action Date"]] = d.isoformat()
        out.append(row)
    return out


def deliveries(tmp: Path) -> tuple[list[list[Path]], list[str]]:
    """Four deliveries of the shared data, as files; the PIIDs of the awards whose
    first rows come without their id."""
    api = [read_api(p) for p in API_FILES]
    header = api[0][0]
    assert all(h == header for h, _ in api), "the API-search files differ in columns"
    h = {name: i for i, name in enumerate(header)}
    cut = [halves(header, rows) for _, rows in api]
    # awards whose first-half rows come without their id, named later: those whose
    # id appears again after the cut (so a later delivery names them)
    later = {
        r[h["Award ID"]] for r in cut[0][1] + cut[1][0] if r[h["Generated Award ID"]]
    }
    first = cut[0][0]
    built = sorted({r[h["Award ID"]] for r in first} & later)[:BUILT_AWARDS]
    assert len(built) == BUILT_AWARDS
    first = [
        [*r[: h["Generated Award ID"]], ""] if r[h["Award ID"]] in built else r
        for r in first
    ]
    earlier = first + cut[0][1]
    plan = [
        (BULK_FILES[:3], [first]),
        (BULK_FILES[3:4], [cut[0][1], cut[1][0]]),
        (BULK_FILES[4:5], [cut[1][1], cut[2][0], modified(header, earlier)]),
        (BULK_FILES[5:], [cut[2][1], cut[3][0], cut[3][1]]),
    ]
    out = []
    for n, (bulk, parts) in enumerate(plan, start=1):
        files = list(bulk)
        for k, rows in enumerate(parts):
            files.append(write(tmp / f"delivery{n}_{k}.csv", header, rows))
        out.append(files)
    return out, built


def pick(db: Path, surveillance: bool, skip: tuple[str, ...] = ()) -> str:
    """An award the rules classify as surveillance (or not), by largest amount."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        found = con.execute(
            "SELECT c.award_key FROM classification c JOIN serve_award a USING "
            "(award_key) WHERE (c.category <> 'none') = ? AND c.method = 'rules' "
            "AND NOT list_contains(?, c.award_key) "
            "ORDER BY a.obligation_usd DESC, c.award_key LIMIT 1",
            [surveillance, list(skip)],
        ).fetchone()
    finally:
        con.close()
    assert found, "no such award"
    return str(found[0])


def count(db: Path, sql: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return int(con.execute(sql).fetchone()[0])  # type: ignore[index]
    finally:
        con.close()


@pytest.mark.shared
@pytest.mark.slow
def test_real_data_in_deliveries_refreshed_equals_a_full_rebuild(shared_data, tmp_path):
    started = time.monotonic()
    db = tmp_path / "store.duckdb"
    overrides_file = tmp_path / "overrides.csv"
    overrides: dict[str, str] = {}
    write_overrides(overrides_file, overrides)
    refresh = ["refresh", "--overrides", str(overrides_file), "--json"]
    parts, built = deliveries(tmp_path)
    reports = []

    def deliver(n: int) -> None:
        cli(db, "ingest", *map(str, parts[n]))
        reports.append(json.loads(cli(db, *refresh)))

    deliver(0)
    assert reports[0]["full"]  # the first refresh of a store builds everything
    # the awards whose keys ingest built, in the web app's and the frame's tables
    keys = f"'^CONT_AWD_({'|'.join(built)})_[0-9A-Z]+_-UNKNOWN-_-UNKNOWN-$'"
    built_sql = (
        "SELECT count(DISTINCT award_key) FROM {} WHERE regexp_matches(award_key, {})"
    )
    for table in ("serve_award", "classification", "analyse_frame"):
        assert count(db, built_sql.format(table, keys)) == BUILT_AWARDS, table
    deliver(1)
    # the second delivery names them: they leave every table
    for table in ("serve_award", "classification", "analyse_frame"):
        assert count(db, built_sql.format(table, keys)) == 0, table
    # overrides and review decisions between deliveries, refreshed
    watched, plain = pick(db, True), pick(db, False)
    overrides[watched] = "none"
    overrides[plain] = "biometrics"
    write_overrides(overrides_file, overrides)
    review(db, pick(db, True, (watched, plain)), "phone_forensics_spyware")
    reports.append(json.loads(cli(db, *refresh)))
    assert 0 < reports[-1]["awards"] < 100, reports[-1]
    # a decision and an override change left for the next delivery's refresh
    review(db, pick(db, False, (watched, plain)), None)
    overrides.pop(watched)
    overrides[plain] = "license_plate_readers"
    write_overrides(overrides_file, overrides)
    deliver(2)
    changed = reports[-1]["transactions_changed"]
    assert changed > 900, reports[-1]  # the new rows and the modified ones
    deliver(3)
    assert not any(r["full"] for r in reports[1:]), [r["reason"] for r in reports]

    full = tmp_path / "full.duckdb"
    shutil.copyfile(db, full)
    cli(full, *refresh, "--full")
    diff = differences(db, full)
    assert not diff, "\n".join(f"{k}: {v}" for k, v in diff.items())
    # the comparison read real tables, not empty ones
    for name in ("serve_award", "analyse_frame", "serve_word", "serve_popular"):
        assert count(db, f'SELECT count(*) FROM "{name}"') > 0, name
    assert "serve_word" in derived_tables()
    assert count(db, 'SELECT count(*) FROM "transaction"') > 50_000
    for r in reports:
        full_note = " (full)" if r["full"] else ""
        print(
            f"refresh {r['run_id']}: {r['transactions_changed']} transactions, "
            f"{r['awards']} awards, {r['seconds']:.1f} s{full_note}"
        )
    print(f"deliveries + refreshes + full rebuild: {time.monotonic() - started:.1f} s")
