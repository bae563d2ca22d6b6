"""Every CSV custodes writes is safe in a spreadsheet (issue 19 item 5).

Exports are made from a store built by the real stages from fixtures that carry
formula payloads (=, +, -, @, TAB at the start of a recipient name or description),
a description with CR and LF inside, and negative obligations (tests/real_store.py).
Each export is read back with Python's csv module (no cell a spreadsheet could run,
the payloads kept behind one apostrophe, negative amounts still plain numbers, the
CR/LF cell intact) and converted by LibreOffice (the judge: no cell became a formula,
the negative amounts are numbers). One helper writes them all (custodes/csvfile.py):
a scan of the package finds no other CSV writer.
"""

from __future__ import annotations

import ast
import csv
import io
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from custodes.csvfile import cell, formula_like
from custodes.serve.app import build_app
from custodes.settings import Settings
from tests.conftest import ROOT
from tests.real_store import CONSTRUCTION, HOSTILE, MULTILINE, cli

# The one CSV writer that is not an export: sync's staging file, which ingest reads
# back as a USAspending file (neutralising it would change the stored data).
NOT_EXPORTS = {"custodes/sources/usaspending/fetch.py"}


def test_cell_neutralises_formulas_and_keeps_numbers():
    for text in ("=1+1", "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "  =1+1",
                 " \t@x", "-NONE-", "=HYPERLINK(\"http://x\",\"y\")"):  # fmt: skip
        assert cell(text) == "'" + text, text
    for safe in ("ACME LLC", "a=b", "1+1", "", "'=already"):
        assert cell(safe) == safe
    assert cell(Decimal("-1500.25")) == "-1500.25"
    assert cell(-3) == -3 and cell(-2.5) == -2.5
    for number in ("-12.50", "+3", "1e3", "-.5"):
        assert cell(number) == number  # plain numbers are never formulas
    assert cell(None) == "" and cell(["=x"]) == '["=x"]'


def test_every_csv_writer_goes_through_the_helper():
    """No csv.writer / csv.DictWriter outside custodes/csvfile.py (and the staging
    file sync writes for ingest)."""
    found = []
    for path in sorted((ROOT / "custodes").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel == "custodes/csvfile.py" or rel in NOT_EXPORTS:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("writer", "DictWriter")
                and isinstance(node.value, ast.Name)
                and node.value.id == "csv"
            ):
                found.append(f"{rel}:{node.lineno}")
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if re.search(r"FORMAT\s*'?CSV", node.value, re.I):
                    found.append(f"{rel}:{node.lineno} (COPY ... FORMAT CSV)")
    assert not found, "CSV written without custodes/csvfile.py: " + ", ".join(found)


@pytest.fixture(scope="module")
def exports(real_store_path, tmp_path_factory) -> dict[str, Path]:
    """Every CSV the CLI and the web app write, from the real-stage store."""
    out = tmp_path_factory.mktemp("exports")
    db = out / "store.duckdb"
    shutil.copy(real_store_path, db)
    files: dict[str, Path] = {}
    cli(db, "classify", "--export", str(out / "classify.csv"))
    files["classify --export"] = out / "classify.csv"
    cli(db, "analyse", "totals", "--by", "vendor", "--all-spending", "--csv",
        str(out / "totals.csv"))  # fmt: skip
    files["analyse totals --csv"] = out / "totals.csv"
    cli(db, "analyse", "totals", "--by", "fiscal_year", "--all-spending",
        "--explain", "2023", "--csv", str(out / "explain.csv"))  # fmt: skip
    files["analyse totals --explain --csv"] = out / "explain.csv"
    cli(db, "report", "spending", "--agency", "ICE", "--by", "vendor",
        "--all-spending", "--format", "csv", "--out", str(out / "report"))  # fmt: skip
    files["report figures.csv"] = out / "report" / "figures.csv"
    files["report transactions.csv"] = out / "report" / "transactions.csv"
    hostile = next(iter(HOSTILE))
    for key in HOSTILE:  # every payload's award timeline
        name = f"analyse award --csv {key[13:16]}"
        cli(db, "analyse", "award", key, "--csv", str(out / f"award{key[13:16]}.csv"))
        files[name] = out / f"award{key[13:16]}.csv"
    cli(db, "analyse", "explain", "--by", "fiscal_year", "--value", "2023",
        "--all-spending", "--csv", str(out / "explain2.csv"))  # fmt: skip
    files["analyse explain --csv"] = out / "explain2.csv"
    cli(db, "analyse", "changed", "--since", "2000-01-01", "--all-spending",
        "--csv", str(out / "changed.csv"))  # fmt: skip
    files["analyse changed --csv"] = out / "changed.csv"
    cli(db, "review", "accept", CONSTRUCTION, "--reviewer", "=cmd|' /C calc'!A0",
        "--note", "@SUM(1,1) the wall is the purchase")  # fmt: skip
    cli(db, "review", "correct", hostile, "data_brokers", "--reviewer", "Tester",
        "--note", "-1+1 test")  # fmt: skip
    cli(db, "review", "export", str(out / "review.csv"))
    files["review export"] = out / "review.csv"
    cli(db, "figures", "build")
    with TestClient(build_app(Settings(db=db))) as client:
        pages = {
            "web /search.csv": "/search.csv?q=example&size=100",
            "web /award.csv": f"/award/{hostile}.csv?table=transactions",
            "web /award.csv (CR/LF)": "/award/"
            "CONT_AWD_70CMSD23P00000917_7012_-NONE-_-NONE-.csv?table=transactions",
            "web /dashboard.csv": "/dashboard.csv?table=by_year_category",
            "web /review.csv": "/review.csv?size=100",
            "web /category.csv": "/category/none.csv?size=100",
            "web /categories.csv": "/categories.csv",
            "web /methodology.csv": "/methodology.csv",
        }
        vendor = client.get(f"/award/{hostile}.json").json()["data"]["award"]
        pages["web /vendor.csv"] = f"/vendor/{vendor['vendor_id']}.csv"
        for name, url in pages.items():
            r = client.get(url)
            assert r.status_code == 200, (url, r.text[:300])
            target = out / (re.sub(r"\W+", "_", name) + ".csv")
            target.write_bytes(r.content)
            files[name] = target
    return files


def _cells(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_exports_read_back_safe_with_the_csv_module(exports):
    seen_payloads, seen_negative, seen_multiline = set(), False, False
    for name, path in exports.items():
        rows = _cells(path)
        assert rows, f"{name}: empty"
        for row in rows:
            for value in row:
                assert not formula_like(value), f"{name}: formula-like cell {value!r}"
                if value.startswith("'"):
                    seen_payloads.add(value[1:])
                if re.fullmatch(r"-\d+\.\d\d", value):
                    seen_negative = True
                if value.startswith(MULTILINE) or value == MULTILINE:
                    seen_multiline = True
    for payload in HOSTILE.values():
        assert any(payload in p for p in seen_payloads), f"{payload!r} not exported"
    assert seen_negative, "no negative amount was written as a plain number"
    assert seen_multiline, "the CR/LF description did not survive a round trip"


def test_a_cell_with_cr_or_lf_is_quoted(exports):
    text = exports["web /award.csv (CR/LF)"].read_bytes()
    assert b'"FIRST LINE\r\n=4+4 SECOND LINE\rTHIRD\nFOURTH"' in text


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
# CSV import: comma, double quote, UTF-8, from line 1, default column types, English,
# quoted fields as text off, detect special numbers on, ..., trim spaces ON (token 11),
# so a cell with spaces before `=` is judged as a spreadsheet that trims them would.
INFILTER = "CSV:44,34,76,1,,1033,false,true,false,false,true,-1,true"


def libreoffice_cells(paths: list[Path], out: Path) -> dict[Path, list[str]]:
    """Each CSV converted to a flat ODS by LibreOffice headless: its cell elements."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed (scripts/system-deps.sh)")
    profile = out / "profile"
    subprocess.run(
        [SOFFICE, "--headless", "--norestore",
         f"-env:UserInstallation=file://{profile}", f"--infilter={INFILTER}",
         "--convert-to", "fods", "--outdir", str(out), *map(str, paths)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    cell_re = re.compile(r"<table:table-cell[^>]*>")
    return {p: cell_re.findall((out / (p.stem + ".fods")).read_text()) for p in paths}


def test_libreoffice_runs_no_cell_as_a_formula(exports, tmp_path):
    judged = libreoffice_cells(list(exports.values()), tmp_path)
    negative_numbers = 0
    for path, cells in judged.items():
        assert cells, f"{path.name}: LibreOffice read no cells"
        formulas = [c for c in cells if "table:formula" in c]
        assert not formulas, f"{path.name}: {formulas[:3]}"
        negative_numbers += sum(
            1 for c in cells if re.search(r'office:value="-[\d.]+"', c)
        )
    assert negative_numbers, "no negative amount was read as a number"


def test_the_judge_can_fail(tmp_path):
    """Unneutralised payloads do become formulas in LibreOffice: the judge works."""
    raw = tmp_path / "raw.csv"
    with raw.open("w", newline="") as fh:
        csv.writer(fh).writerows([["name"], ["=1+1"], ["  =2+2"]])
    cells = libreoffice_cells([raw], tmp_path)[raw]
    assert sum("table:formula" in c for c in cells) == 2


def test_web_csv_answers_are_the_helpers_output(real_store_path):
    with TestClient(build_app(Settings(db=real_store_path))) as client:
        text = client.get("/search.csv?q=example&size=100").text
    assert text.endswith("\r\n")
    for row in csv.reader(io.StringIO(text, newline="")):
        assert not any(formula_like(v) for v in row)
