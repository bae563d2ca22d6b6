"""Every page names an awarding agency one way: the name custodes/data/agencies.yaml
gives its code. The source spells one agency several ways (the bulk files "U.S.
IMMIGRATION AND CUSTOMS ENFORCEMENT", the API "U.S. Immigration and Customs
Enforcement"), and search results, the news and award pages showed whichever an
award's rows had, so that one agency read as two. On the store the real stages write
(tests/real_store.py), which holds bulk and API rows."""

from __future__ import annotations

from custodes.model.agencies import load_agencies
from tests.serve.conftest import app_rows


def test_an_agency_has_one_name_on_every_page(real_web) -> None:
    names = {code: sub.name for code, sub in load_agencies()[1].items()}
    spelled = app_rows(
        real_web,
        "SELECT DISTINCT awarding_sub_agency_code AS code, awarding_sub_agency_name "
        'AS name FROM "transaction"',
    )
    # the store has an agency spelled otherwise than its name: the test shows something
    assert any(r["name"] != names.get(r["code"], r["name"]) for r in spelled)
    shown = app_rows(
        real_web,
        "SELECT DISTINCT agency_code AS code, agency_name AS name FROM serve_award",
    )
    assert shown and all(r["name"] == names[r["code"]] for r in shown), shown
    for path, table in (("/search.json", "awards"), ("/new.json", "actions")):
        body = real_web.get(
            path, params={"agency": "ICE", "size": "100", "from": "1990-01-01"}
        ).json()
        rows = body["tables"][table]
        assert rows, path
        assert {r["agency_name"] for r in rows} == {names["7012"]}, path
