"""A vendor page gives its whole corporate family's total, the figure
`custodes vendor show ID --family` prints (everything paid to a company under its
parent and its subsidiaries), for every vendor of a family on the store the real
stages write (tests/real_store.py: RELX and LexisNexis, Palantir and Palantir USG,
GEO Group and BI, ...)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import duckdb
from click.testing import CliRunner
from starlette.testclient import TestClient

from custodes.cli import main
from custodes.serve.app import build_app
from custodes.settings import Settings


def _family_vendors(db: Path) -> list[tuple[str, str]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT vendor_id, family_id FROM serve_vendor WHERE family_id IN "
            "(SELECT family_id FROM serve_vendor GROUP BY 1 HAVING count(*) > 1) "
            "ORDER BY 1"
        ).fetchall()
    finally:
        con.close()


def _cli_family_totals(db: Path, vendor_id: str) -> dict:
    out = CliRunner().invoke(
        main,
        ["--db", str(db), "vendor", "show", vendor_id, "--family", "--json"],
        catch_exceptions=False,
    )
    assert out.exit_code == 0, out.output
    return json.loads(out.output)["totals"]


def test_vendor_page_family_total_is_the_cli_family_total(real_copy: Path) -> None:
    db = real_copy
    members = _family_vendors(db)
    assert {"relx", "lexisnexis-risk-solutions"} <= {v for v, _ in members}
    # the command line first: one process holds a DuckDB file in one configuration
    cli_totals = {v: _cli_family_totals(db, v) for v, _ in members}
    with TestClient(build_app(Settings(db=db))) as client:
        for vendor_id, family_id in members:
            data = client.get(f"/vendor/{vendor_id}.json").json()["data"]
            total = data["family_total"]
            cli = cli_totals[vendor_id]
            assert total["family_id"] == family_id, vendor_id
            assert (
                Decimal(total["obligation_usd"]),
                Decimal(total["surveillance_usd"]),
                total["awards"],
                total["transactions"],
            ) == (
                Decimal(str(cli["obligation_usd"])),
                Decimal(str(cli["surveillance_usd"])),
                cli["awards"],
                cli["transactions"],
            ), vendor_id
        html = client.get("/vendor/lexisnexis-risk-solutions").text
        assert 'id="family-total"' in html
        assert 'href="/vendor/relx"' in html
        assert "custodes vendor show relx --family" in html
        alone = client.get("/vendor/mayvin.json").json()["data"]
        assert alone["family_total"] is None
