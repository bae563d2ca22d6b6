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
