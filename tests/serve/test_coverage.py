"""The dashboard says which fiscal years cannot be compared, from what each year
holds."""

from __future__ import annotations

from datetime import date

import pytest
from starlette.testclient import TestClient

from custodes.figures.coverage import _ranges
from custodes.serve.app import build_app
from custodes.serve.prepare import build_serve_tables
from custodes.settings import Settings
from custodes.store import open_store
from tests.conftest import SHARED_DATA, need_shared


def test_year_ranges_are_grouped():
    assert _ranges([2018, 2013, 2014, 2015, 2021]) == "FY2013–FY2015, FY2018, FY2021"
    assert _ranges([]) == ""


@pytest.mark.shared
def test_dashboard_warns_about_the_thin_older_years(db_path, cli):
    need_shared()
    cli("ingest", str(SHARED_DATA / "usaspending"))
    with open_store(Settings(db=db_path), write=True, command="test") as store:
        build_serve_tables(store)
        last_fy18 = store.scalar(
            'SELECT max(action_date) FROM "transaction" WHERE fiscal_year = 2018'
        )
    with TestClient(build_app(Settings(db=db_path))) as client:
        notes = client.get("/dashboard.json").json()["notices"]
        text = " ".join(notes)
        assert "FY2013–FY2018 hold only transactions of" in text
        assert "Customs and Border Protection" in text  # what those years lack
        assert f"FY2018 (data end on {last_fy18.isoformat()})" in text
        assert last_fy18 < date(2018, 9, 1)
        assert "FY2022" not in text  # complete years are not flagged
        # Filtered to one agency, the agency caveat is not needed.
        ice = " ".join(client.get("/dashboard.json?agency=ICE").json()["notices"])
        assert "hold only transactions" not in ice
        html = client.get("/").text
        assert "not comparable" in html
