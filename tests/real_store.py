"""A store built only by custodes' own commands: ingest of the test fixtures and of
tests/fixtures/review/ (a border-barrier construction order with camera and sensor
components, a surveillance tower order, names and descriptions a spreadsheet would
run as formulas, a description with CR/LF inside, negative obligations, and invented
natural persons), then the real `custodes resolve` and `custodes classify`, then the
derived tables. The web tests, the export tests and the review tests read it, so that
they run on what the stages really write, not on hand-made stage tables."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from custodes.cli import main
from tests.conftest import FIXTURES

REVIEW = FIXTURES / "review" / "review_api_search.csv"
USASPENDING = FIXTURES / "usaspending"
CONSTRUCTION = "CONT_AWD_70B01C23C00000901_7014_-NONE-_-NONE-"
TOWERS = "CONT_AWD_70B01C23F00000902_7014_-NONE-_-NONE-"
# award key -> the hostile text it carries (recipient or description)
LINK = '=HYPERLINK("http://example.invalid/x","CLICK") LLC'
HOSTILE = {
    "CONT_AWD_70CMSD23P00000911_7012_-NONE-_-NONE-": LINK,
    "CONT_AWD_70CMSD23P00000912_7012_-NONE-_-NONE-": "+SUM(1,2) OFFICE FURNITURE",
    "CONT_AWD_70CMSD23P00000913_7012_-NONE-_-NONE-": "@cmd OFFICE SUPPLIES",
    "CONT_AWD_70CMSD23P00000914_7012_-NONE-_-NONE-": "-2+3 JANITORIAL SERVICES",
    "CONT_AWD_70CMSD23P00000916_7012_-NONE-_-NONE-": "\t=3+3 MOVING SERVICES",
}
MULTILINE = "FIRST LINE\r\n=4+4 SECOND LINE\rTHIRD\nFOURTH"
PERSONS = ("JOHN Q EXAMPLEPERSON", "EXAMPLEPERSON, JANE", "EXAMPLEPERSON MARY K")


def cli(db: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def build_real_store(db: Path) -> Path:
    cli(db, "ingest", str(USASPENDING), str(REVIEW))
    cli(db, "resolve")
    cli(db, "classify")
    cli(db, "figures", "build")
    return db
