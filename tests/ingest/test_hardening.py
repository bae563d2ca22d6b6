"""Bad files get a clear answer, never a traceback, and the good files of the same
command still load (issue 19, items 2 and 3: one test per finding)."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import run_cli_process, store_rows
from tests.ingest.csvmaker import API_HEADER, api_row, csv_text, write_api_csv


def good(tmp_path: Path) -> Path:
    return write_api_csv(
        tmp_path / "good.csv", [api_row(piid="G1"), api_row(piid="G2", amount="5.5")]
    )


def ingest_with_good(cli, tmp_path: Path, bad: Path, *extra: str) -> dict:
    """Ingest a good file and `bad` together; the good rows must be stored and the
    command must answer without a traceback (catch_exceptions is off in `cli`)."""
    first = good(tmp_path)
    result = cli("ingest", str(first), str(bad), *extra, "--json")
    report = json.loads(result.stdout)
    assert report["files"][0] == {
        **report["files"][0],
        "file": str(first),
        "status": "loaded",
        "rows_read": 2,
    }
    assert report["stored"] >= 2, report
    return report


def file_report(report: dict, bad: Path) -> dict:
    [found] = [f for f in report["files"] if f["file"].startswith(str(bad))]
    return found


def test_mixed_line_endings_are_refused_with_the_line(cli, db_path, tmp_path):
    """A CRLF file with LF-only lines appended (as `cat` or an editor makes it)."""
    bad = tmp_path / "mixed.csv"
    lf_rows = "\n".join(",".join(api_row(piid=f"M{i}")) for i in range(3)) + "\n"
    bad.write_bytes((csv_text([api_row(piid="M9")]) + lf_rows).encode())
    report = ingest_with_good(cli, tmp_path, bad)
    fr = file_report(report, bad)
    assert fr["status"] == "refused"
    assert "mixed line endings" in fr["message"] and "line 3" in fr["message"]
    line, reason = store_rows(
        db_path, "SELECT line, reason FROM quarantine WHERE source_file = ?", [str(bad)]
    )[0]
    assert line == 1 and "mixed line endings" in reason


@pytest.mark.parametrize("cut", ["body", "header"])
def test_truncated_gzip_is_refused_by_name(cli, tmp_path, cut):
    data = gzip.compress(
        csv_text(
            [api_row(piid=f"T{i}", desc=f"ORDER {i}") for i in range(3000)]
        ).encode()
    )
    bad = tmp_path / f"cut-{cut}.csv.gz"
    bad.write_bytes(data[: len(data) // 2] if cut == "body" else data[:15])
    report = ingest_with_good(cli, tmp_path, bad)
    fr = file_report(report, bad)
    assert fr["status"] == "refused"
    assert "gzip" in fr["message"] and str(bad) in fr["message"]
    assert "again" in fr["message"]  # what to do


def test_utf16_without_bom_is_refused(cli, tmp_path):
    bad = tmp_path / "utf16.csv"
    bad.write_bytes(csv_text([api_row(piid="U1")]).encode("utf-16-le"))
    fr = file_report(ingest_with_good(cli, tmp_path, bad), bad)
    assert fr["status"] == "refused" and "UTF-16" in fr["message"]
    assert "UTF-8" in fr["message"]


def test_case_only_duplicate_column_is_refused(cli, tmp_path):
    bad = tmp_path / "case.csv"
    header = [*API_HEADER, "federal action obligation"]
    bad.write_text(csv_text([[*api_row(piid="C1"), "1"]], header=header))
    fr = file_report(ingest_with_good(cli, tmp_path, bad), bad)
    assert fr["status"] == "refused" and "duplicate column names" in fr["message"]
    assert "federal action obligation" in fr["message"]


def test_column_named_like_an_internal_one_is_refused(cli, tmp_path):
    bad = tmp_path / "internal.csv"
    bad.write_text(
        csv_text([[*api_row(piid="I1"), "1"]], header=[*API_HEADER, "__ord"])
    )
    fr = file_report(ingest_with_good(cli, tmp_path, bad), bad)
    assert fr["status"] == "refused" and "'__ord'" in fr["message"]
    assert "reserved" in fr["message"]


def test_first_line_longer_than_the_field_limit_is_refused(cli, tmp_path):
    bad = tmp_path / "long.csv"
    bad.write_bytes(b"A" * 3_000_000 + b"\r\nx\r\n")
    fr = file_report(ingest_with_good(cli, tmp_path, bad), bad)
    assert fr["status"] == "refused" and "first line" in fr["message"]
    assert "not a header" in fr["message"]


def test_zip_member_past_the_cap_stops_extraction(cli, db_path, tmp_path, monkeypatch):
    """The cap is a setting; the member past it is refused, extraction stops there,
    the other member and files load."""
    monkeypatch.setenv("CUSTODES_UNZIP_LIMIT_MB", "1")
    rows = [api_row(piid=f"Z{i:07d}", desc="X" * 200) for i in range(20_000)]
    zp = tmp_path / "bomb.zip"
    with zipfile.ZipFile(zp, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.csv", csv_text(rows))  # about 5 MB expanded
        z.writestr("small.csv", csv_text([api_row(piid="S1")]))
    result = cli("ingest", str(good(tmp_path)), str(zp), "--json")
    report = json.loads(result.stdout)
    assert report["stored"] == 3  # the good file and the small member
    big = file_report(report, Path(f"{zp}!big.csv"))
    assert big["status"] == "refused"
    assert "1 MB" in big["message"] and "CUSTODES_UNZIP_LIMIT_MB" in big["message"]
    assert store_rows(db_path, "SELECT count(*) FROM source_file")[0][0] == 3


def _without_override() -> list[str]:
    """As root, run without the capabilities that let root read any file (so a mode
    000 file is unreadable, as for any other user)."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


def test_unreadable_file_in_a_folder_and_named_alone(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    good(data)
    locked = write_api_csv(data / "locked.csv", [api_row(piid="L1")])
    locked.chmod(0)
    db = tmp_path / "store.duckdb"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*_without_override(), sys.executable, "-m", "custodes", "--db", str(db)]
            + list(args),
            capture_output=True,
            text=True,
            timeout=120,
        )

    try:
        proc = run("ingest", str(data), "--json")
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        report = json.loads(proc.stdout)
        assert report["stored"] == 2
        fr = file_report(report, locked)
        assert fr["status"] == "refused" and "cannot be read" in fr["message"]
        assert "permission" in fr["message"].lower()
        alone = run("ingest", str(locked))
        assert alone.returncode == 1 and "Traceback" not in alone.stderr
        assert "cannot be read" in " ".join(alone.stderr.split())
    finally:
        locked.chmod(0o644)


def test_field_over_the_line_limit_keeps_its_first_megabyte_and_a_reason(
    cli, db_path, tmp_path
):
    big = "SURVEILLANCE " + "X" * 5_000_000
    bad = write_api_csv(
        tmp_path / "huge.csv", [api_row(piid="H1", desc=big), api_row(piid="H2")]
    )
    report = ingest_with_good(cli, tmp_path, bad)
    assert file_report(report, bad)["quarantined"] == 1
    line, reason, raw = store_rows(
        db_path,
        "SELECT line, reason, raw_text FROM quarantine WHERE source_file = ?",
        [str(bad)],
    )[0]
    whole = ",".join(api_row(piid="H1", desc=big))
    assert line == 2 and "none" not in reason.lower()
    assert "longer than" in reason and f"{len(whole):,} bytes" in reason
    assert hashlib.sha256(whole.encode()).hexdigest() in reason
    assert raw.startswith("ICE,H1,") and len(raw) == 1 << 20
    assert whole.startswith(raw)
    assert store_rows(db_path, "SELECT count(*) FROM \"transaction\" WHERE piid = 'H2'")


def test_nul_byte_inside_an_identifier_is_quarantined(cli, db_path, tmp_path):
    bad = write_api_csv(
        tmp_path / "nul.csv", [api_row(piid="N\x001"), api_row(piid="N2")]
    )
    report = ingest_with_good(cli, tmp_path, bad)
    assert file_report(report, bad)["quarantined"] == 0  # a row problem, not a line
    assert report["quarantined"] == 1
    assert store_rows(
        db_path, 'SELECT count(*) FROM "transaction" WHERE contains(piid, chr(0))'
    ) == [(0,)]
    reason = store_rows(db_path, "SELECT reason FROM quarantine")[0][0]
    assert "NUL" in reason and "identifier" in reason


def test_strict_with_a_bad_file_writes_nothing(cli, db_path, tmp_path):
    bad = tmp_path / "utf16.csv"
    bad.write_bytes(csv_text([api_row(piid="U1")]).encode("utf-16-le"))
    result = cli("ingest", "--strict", str(good(tmp_path)), str(bad), expect=1)
    assert "nothing was written" in " ".join(result.output.split())
    assert not db_path.exists() or store_rows(
        db_path, 'SELECT count(*) FROM "transaction"'
    ) == [(0,)]


# -- item 3: quarantine stays exact ----------------------------------------------


def test_reingest_does_not_count_quarantined_rows_twice(cli, db_path, tmp_path):
    f = write_api_csv(
        tmp_path / "q.csv", [api_row(piid="Q1", amount="abc"), api_row(piid="Q2")]
    )
    cli("ingest", str(f))
    cli("ingest", str(f))
    stats = json.loads(cli("stats", "--json").output)
    assert stats["quarantined"] == 1
    listed = json.loads(cli("quarantine", "--json").output)
    assert listed["total"] == 1 and listed["rows"][0]["run_id"] == 2
    runs = store_rows(db_path, "SELECT run_id, quarantined FROM ingest_run ORDER BY 1")
    assert runs == [(1, 1), (2, 1)]  # each run still says what it found


def test_killed_zip_ingest_leaves_no_extracted_files(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    zp = tmp_path / "data.zip"
    with zipfile.ZipFile(zp, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.csv", csv_text([api_row(piid=f"K{i}") for i in range(2000)]))
        z.writestr("b.csv", csv_text([api_row(piid="KB")]))
    proc = run_cli_process(
        tmp_path / "store.duckdb",
        "ingest",
        str(zp),
        env={"CUSTODES_DEBUG_PAUSE": "stage", "TMPDIR": str(scratch)},
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if "paused at stage" in line or (not line and proc.poll() is not None):
                break
        assert proc.poll() is None, proc.stderr.read()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    left = [str(p.relative_to(scratch)) for p in scratch.rglob("*") if p.is_file()]
    assert left == []


# -- each bad file named alone: the exit code docs/ingest.md gives -----------------


def _mixed(p: Path) -> None:
    lf = "\n".join(",".join(api_row(piid=f"M{i}")) for i in range(3)) + "\n"
    p.write_bytes((csv_text([api_row(piid="M9")]) + lf).encode())


def _gzip_cut(at: str):
    def make(p: Path) -> None:
        data = gzip.compress(
            csv_text([api_row(piid=f"T{i}") for i in range(500)]).encode()
        )
        p.write_bytes(data[: len(data) // 2] if at == "body" else data[:15])

    return make


BAD_ALONE = {
    # name: (file name, writer, exit code, words the answer must hold)
    "mixed line endings": ("mixed.csv", _mixed, 1, "mixed line endings"),
    "truncated gzip body": ("cut.csv.gz", _gzip_cut("body"), 1, "gzip"),
    "truncated gzip header": ("cut.csv.gz", _gzip_cut("header"), 1, "gzip"),
    "UTF-16 without BOM": (
        "utf16.csv",
        lambda p: p.write_bytes(csv_text([api_row()]).encode("utf-16-le")),
        1,
        "UTF-16",
    ),
    "case-only duplicate column": (
        "case.csv",
        lambda p: p.write_text(
            csv_text(
                [[*api_row(), "1"]], header=[*API_HEADER, "FEDERAL ACTION OBLIGATION"]
            )
        ),
        1,
        "duplicate column names",
    ),
    "internal column name": (
        "internal.csv",
        lambda p: p.write_text(
            csv_text([[*api_row(), "1"]], header=[*API_HEADER, "__ord"])
        ),
        1,
        "reserved",
    ),
    "over-long first line": (
        "long.csv",
        lambda p: p.write_bytes(b"A" * 3_000_000 + b"\r\nx\r\n"),
        1,
        "first line",
    ),
    "missing path": ("nope.csv", None, 1, "no such file or directory"),
}


@pytest.mark.parametrize("kind", list(BAD_ALONE))
def test_each_bad_file_named_alone_exits_1_and_is_named(cli, db_path, tmp_path, kind):
    """Named alone, a refused file ends the command with exit 1 (docs/ingest.md, "Bad
    files"), the file named and the reason given; never a traceback (catch_exceptions
    is off) and never exit 2 (click's usage errors)."""
    name, write, code, words = BAD_ALONE[kind]
    bad = tmp_path / name
    if write is not None:
        write(bad)
    result = cli("ingest", str(bad), expect=code)
    said = " ".join(result.output.split())
    assert words in said and bad.name in said, said
    assert "Traceback" not in said
    assert not db_path.exists() or store_rows(
        db_path, 'SELECT count(*) FROM "transaction"'
    ) == [(0,)]


def test_bad_rows_alone_with_a_good_row_exit_0(cli, db_path, tmp_path):
    """A file whose only problems are rows (a field past the line limit, a NUL in an
    identifier) still loads its good rows: exit 0, the bad ones quarantined."""
    bad = write_api_csv(
        tmp_path / "rows.csv",
        [
            api_row(piid="H1", desc="X" * 5_000_000),
            api_row(piid="N\x001"),
            api_row(piid="OK1"),
        ],
    )
    report = json.loads(cli("ingest", str(bad), "--json").stdout)
    assert report["stored"] == 1 and report["quarantined"] == 2
    assert store_rows(db_path, 'SELECT piid FROM "transaction"') == [("OK1",)]


def test_docs_list_every_bad_file_with_its_test():
    """docs/ingest.md's table of bad files names a test of this file for each row, and
    each named test exists."""
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "ingest.md").read_text()
    section = text.split("### Bad files: exit codes", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`(test_\w+)`", section))
    here = {n for n in globals() if n.startswith("test_")}
    assert named and named <= here, named - here
    for bullet in ("mixed line endings", "gzip", "UTF-16", "case-only", "__ord",
                   "first line", "zip member", "unreadable", "megabytes", "NUL",
                   "twice", "killed"):  # fmt: skip
        assert bullet in section, bullet
