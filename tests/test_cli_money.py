"""Negative amounts (deobligations) read -$1,234.50 wherever custodes prints money:
the command line and the web app, on the store the real stages write
(tests/real_store.py holds vendors whose net obligations are negative)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from click.testing import CliRunner
from starlette.testclient import TestClient

from custodes.cli import main
from custodes.serve.app import build_app
from custodes.settings import Settings

SIGN_AFTER_DOLLAR = re.compile(r"\$-\d")


def test_vendor_show_prints_a_negative_total_with_the_sign_first(
    real_store_path: Path, tmp_path: Path
) -> None:
    db = tmp_path / "store.duckdb"  # one process opens a file in one configuration
    shutil.copy(real_store_path, db)
    out = CliRunner().invoke(
        main,
        ["--db", str(db), "vendor", "show", "mayvin"],
        catch_exceptions=False,
        terminal_width=200,
    )
    assert out.exit_code == 0, out.output
    assert "-$106,614.83" in out.output, out.output
    assert not SIGN_AFTER_DOLLAR.search(out.output), out.output


def test_web_vendor_page_prints_a_negative_total_with_the_sign_first(
    real_store_path: Path, tmp_path: Path
) -> None:
    db = tmp_path / "store.duckdb"  # the app keeps its connection: a copy of its own
    shutil.copy(real_store_path, db)
    with TestClient(build_app(Settings(db=db))) as client:
        html = client.get("/vendor/mayvin").text
    assert "-$106,614.83" in html
    assert not SIGN_AFTER_DOLLAR.search(html), SIGN_AFTER_DOLLAR.findall(html)


def test_one_money_format_for_every_sentence() -> None:
    """console.money is the one format (the review line, the digest and the coverage
    statements each had their own): the sign first, cents or whole dollars rounded
    half to even, and a loss rounded to nothing reads $0."""
    from decimal import Decimal

    from custodes.console import money
    from custodes.figures.review import line
    from custodes.store.queries import modifications_only_line

    assert money(Decimal("-1234.5")) == "-$1,234.50"
    assert money(Decimal("1234.5"), cents=False) == "$1,234"
    assert money(Decimal("1235.5"), cents=False) == "$1,236"
    assert money(-1234.51, cents=False) == "-$1,235"
    assert money(Decimal("-0.4"), cents=False) == "$0"
    assert money(None) == "—"
    assert "(-$2,000 of $10,000 net)" in modifications_only_line(
        1, Decimal("-2000.40"), 4, Decimal("10000")
    )
    said = line(Decimal("10000"), Decimal("-250.5"))
    assert "-$250.50" in said and not SIGN_AFTER_DOLLAR.search(said), said
