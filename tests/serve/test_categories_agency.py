"""/categories takes an agency as the dashboard does: its figures, coverage and
not-counted line are that agency's, on the store the real stages write
(tests/real_store.py). It used to ignore ?agency= and show every agency's sums."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal

from tests.serve.conftest import app_rows


def _by_category(client, params: dict) -> dict[str, Decimal]:
    body = client.get("/categories.json", params=params).json()
    rows = body["tables"]["categories"]
    return {r["category"]: Decimal(r["obligation_usd"] or 0) for r in rows}


def test_categories_follow_the_agency_asked_for(real_web) -> None:
    every = _by_category(real_web, {})
    for agency, code in (("ICE", "7012"), ("CBP", "7014")):
        shown = _by_category(real_web, {"agency": agency})
        stored = {
            r["category"]: Decimal(r["usd"])
            for r in app_rows(
                real_web,
                "SELECT category, sum(obligation_usd) AS usd FROM serve_spending "
                f"WHERE agency_code = '{code}' GROUP BY 1",
            )
        }
        # components are not counted by default: an award of `none` buying
        # components stays under `none`, as in serve_spending's category column
        assert {c: v for c, v in shown.items() if v} == {
            c: v for c, v in stored.items() if v
        }
        assert shown != every
        body = real_web.get("/categories.json", params={"agency": agency}).json()
        dashboard = real_web.get("/dashboard.json", params={"agency": agency}).json()
        assert body["data"]["agency"] == code
        assert body["data"]["not_counted"] == dashboard["data"]["not_counted"]
        html = real_web.get("/categories", params={"agency": agency}).text
        assert f'<option value="{code}" selected>' in html


def test_an_unknown_agency_is_a_clear_400(real_web) -> None:
    answer = real_web.get("/categories.json", params={"agency": "FBI"})
    assert answer.status_code == 400
    assert "agency" in answer.text


def test_the_page_gives_the_figures_of_analyse_totals(real_web, real_copy) -> None:
    """/categories sums serve_spending once (spending.summarise, the dashboard's
    pass): each counted category's dollars, awards and reviewed part are those of
    `custodes analyse totals --by category --json`, for every agency and each one,
    with components counted or not."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    compared = 0
    for agency in (None, "ICE", "CBP"):
        for include in (False, True):
            params = {"agency": agency, "components": "include" if include else None}
            body = real_web.get(
                "/categories.json", params={k: v for k, v in params.items() if v}
            ).json()
            shown = {
                r["category"]: (
                    Decimal(r["obligation_usd"]),
                    r["awards"],
                    Decimal(r["reviewed_usd"]),
                )
                for r in body["tables"]["categories"]
                if r["counted"] and r["awards"]
            }
            args = ["--agency", agency] if agency else []
            args += ["--include-components"] if include else []
            out = subprocess.run(
                [sys.executable, "-m", "custodes", "--db", str(real_copy), "analyse",
                 "totals", "--by", "category", "--json", *args],
                capture_output=True, text=True, env=env, check=True,
            ).stdout  # fmt: skip
            expected = {
                r["category"]: (
                    Decimal(r["obligation_usd"]),
                    r["awards"],
                    Decimal(r["reviewed_usd"]),
                )
                for r in json.loads(out)
            }
            assert shown == expected, (agency, include)
            compared += len(expected)
    assert compared, "no counted category to compare"
