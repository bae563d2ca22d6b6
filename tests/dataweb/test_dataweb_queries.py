"""reach, feeds (with money from the store), show and flow history."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner

from custodes.cli import main
from custodes.dataweb.funding import feeds
from custodes.dataweb.loader import load_dataweb
from custodes.dataweb.queries import flow_history, reach, show
from custodes.errors import InputError, NotFound
from custodes.store.duckdb import open_store


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


# --- reach ---


def test_reach_follows_chained_flows_to_the_operator(minimal_dir):
    web = load_dataweb(minimal_dir)
    paths = reach("address", web)
    by_end = {p["reaches"]: p for p in paths}
    # ds.records -> (through the network) sys.case, operated by org.comp
    first = by_end["org.comp"]
    assert first["path"] == ["ds.records", "org.network", "sys.case", "org.comp"]
    # the contract and the contractor are beside the path, never on it
    assert [(f["id"], f["role"]) for f in first["steps"][0]["facilitators"]] == [
        ("con.sub", "contract"),
        ("org.vendor", "contractor"),
    ]
    assert first["steps"][0]["via"] == first["steps"][0]["hops"] == ["org.network"]
    assert first["operated_by"]["sources"][0]["id"] == "src.one"
    # ... and on, through the second flow, to org.agency
    second = by_end["org.agency"]
    assert [s["flow"] for s in second["steps"]] == [
        "flow.records_to_case",
        "flow.case_to_agency",
    ]
    # statuses as of today: the 2022 evidence has lapsed (three years), so the
    # recorded "active" reads "reported"; as of 2023 it is still active
    assert second["statuses"] == ["reported", "ended"]
    assert [s["recorded_status"] for s in second["steps"]] == ["active", "ended"]
    then = {p["reaches"]: p for p in reach("address", web, date(2023, 1, 1))}
    assert then["org.agency"]["statuses"] == ["active", "ended"]
    assert then["org.agency"]["as_of"] == "2023-01-01"


def test_reach_gives_sources_of_every_edge(minimal_dir):
    for path in reach("address", load_dataweb(minimal_dir)):
        for s in path["steps"]:
            assert s["sources"], s["flow"]
            assert all(src.get("publisher") for src in s["sources"])


def test_reach_only_uses_flows_carrying_the_category(minimal_dir):
    web = load_dataweb(minimal_dir)
    # identity enters only at flow.case_to_agency, which starts at the system
    paths = reach("identity", web)
    assert [p["path"] for p in paths] == [["sys.case", "org.agency"]]
    assert reach("vehicle", web) == []  # held, but no flow carries it


def test_reach_unknown_category_is_an_input_error(minimal_dir):
    with pytest.raises(InputError, match="Known categories"):
        reach("shoe_size", load_dataweb(minimal_dir))


def test_reach_on_shipped_data_face_images_reach_ice():
    paths = reach("face_image")
    assert any(p["reaches"] in ("org.ice", "org.ice_hsi") for p in paths)
    assert all(step["sources"] for p in paths for step in p["steps"])


def test_reach_every_category_on_shipped_data_cites_every_step():
    web = load_dataweb()
    reached = 0
    for category in web.vocabulary["data_categories"]:
        for path in reach(category, web):
            reached += 1
            assert path["path"][0] == path["steps"][0]["from"]
            for s in path["steps"]:
                assert category in s["data_categories"]
                assert s["sources"] and all(x.get("publisher") for x in s["sources"])
            if path["operated_by"]:
                assert path["operated_by"]["sources"]
    assert reached > 50


def test_reach_cli_json_and_table():
    code, out = invoke("graph", "reach", "vehicle", "--json")
    assert code == 0
    data = json.loads(out)
    assert data and all(p["category"] == "vehicle" for p in data)
    code, out = invoke("graph", "reach", "vehicle")
    assert code == 0 and "Who can reach 'vehicle'" in out
    code, out = invoke("graph", "reach", "nonsense")
    assert code == 1 and "Unknown data category" in out


@pytest.mark.parametrize("columns", [80, 100, 120])
def test_reach_keeps_flow_ids_and_words_whole_at_any_width(columns: int) -> None:
    """`graph reach` at 80, 100 and 120 columns: every flow id (what `graph show`
    takes) and every word of a path stands whole on a line; the five-column table
    had cut them ('flow.state_photos_' / 'to_mobile_fortify', 'location-verificat' /
    'ion')."""
    paths = json.loads(invoke("graph", "reach", "face_image", "--json")[1])
    result = CliRunner().invoke(
        main, ["graph", "reach", "face_image"], env={"COLUMNS": str(columns)}
    )
    assert result.exit_code == 0, result.output
    text = result.output
    assert all(len(line) <= columns for line in text.splitlines()), text
    words = {w.strip(",;:") for w in text.split()}
    for p in paths:
        for step in p["steps"]:
            assert step["flow"] in words, (step["flow"], text)
        for name in p["path_names"]:
            assert set(name.split()) <= words | set(text.split()), (name, text)


# --- feeds and money ---


def test_feeds_sums_obligations_per_mapping_and_reports_missing(
    minimal_dir, small_store
):
    web = load_dataweb(minimal_dir)
    with open_store(small_store) as store:
        result = feeds("sys.case", store, web)
    cost = result["cost"]
    rows = {a["id"]: a for a in cost["awards"]}
    # PIIDA at ICE (7012): 100.10 - 20.05; the CBP row with that PIID is left out
    assert rows["fund.case_a"]["obligation_usd"] == Decimal("80.05")
    assert rows["fund.case_a"]["transactions"] == 2
    assert rows["fund.case_b"]["obligation_usd"] == Decimal("30.00")
    assert rows["fund.case_missing"]["found"] is False
    assert cost["not_found"] == ["fund.case_missing"]
    assert cost["total_obligation_usd"] == Decimal("110.05")
    assert isinstance(cost["total_obligation_usd"], Decimal)


def test_feeds_lists_inputs_with_upstream_and_sources(minimal_dir):
    result = feeds("sys.case", None, load_dataweb(minimal_dir))
    assert [i["flow"] for i in result["inputs"]] == ["flow.records_to_case"]
    assert result["inputs"][0]["sources"]
    assert [o["flow"] for o in result["outputs"]] == ["flow.case_to_agency"]
    assert result["cost"]["total_obligation_usd"] is None
    assert "no store" in result["cost"]["note"]


def test_feeds_rejects_non_system(minimal_dir):
    with pytest.raises(NotFound):
        feeds("org.comp", None, load_dataweb(minimal_dir))


def test_feeds_cli_with_store(minimal_dir, small_store):
    code, out = invoke(
        "graph",
        "feeds",
        "sys.case",
        "--data",
        str(minimal_dir),
        "--db",
        str(small_store.db),
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    assert data["cost"]["total_obligation_usd"] == "110.05"  # exact, as text
    code, out = invoke(
        "graph",
        "feeds",
        "sys.case",
        "--data",
        str(minimal_dir),
        "--db",
        str(small_store.db),
    )
    assert "$110.05" in out and "fund.case_missing" in out


@pytest.mark.shared
@pytest.mark.slow
def test_feeds_icm_costs_from_real_store(real_store):
    with open_store(real_store) as store:
        result = feeds("sys.icm", store)
    cost = result["cost"]
    with open_store(real_store) as store:
        expected = store.scalar(
            'SELECT sum(obligation_usd) FROM "transaction" WHERE '
            "award_key = 'CONT_AWD_70CTD022FR0000170_7012_GS35F0086U_4730' OR "
            "(piid IN ('HSCETC14C00002', '70CTD019FR0000268') "
            "AND awarding_sub_agency_code = '7012')"
        )
    assert expected and cost["total_obligation_usd"] == expected
    assert cost["not_found"] == []


@pytest.mark.shared
@pytest.mark.slow
def test_every_shipped_funding_entry_is_found_in_real_store(real_store):
    web = load_dataweb()
    systems = {m.data["system"] for m in web.of_kind("funding")}
    with open_store(real_store) as store:
        missing = [
            m for s in systems for m in feeds(s, store, web)["cost"]["not_found"]
        ]
    assert missing == []


# --- show and history ---


def test_show_resolves_names_sources_and_back_references(minimal_dir):
    result = show("sys.case", load_dataweb(minimal_dir))
    assert result["names"]["org.comp"] == "Example Enforcement Office"
    assert result["sources"][0]["title"] == "How the office works"
    related = result["related"]
    assert [r["id"] for r in related["flow.to"]] == ["flow.records_to_case"]
    assert [r["id"] for r in related["flow.from"]] == ["flow.case_to_agency"]
    assert {r["id"] for r in related["funding.system"]} == {
        "fund.case_a",
        "fund.case_b",
        "fund.case_missing",
    }


def test_show_organisation_lists_what_it_operates_and_its_children(minimal_dir):
    related = show("org.agency", load_dataweb(minimal_dir))["related"]
    assert [r["id"] for r in related["organisation.parent"]] == ["org.comp"]
    related = show("org.comp", load_dataweb(minimal_dir))["related"]
    assert [r["id"] for r in related["system.operator"]] == ["sys.case"]


def test_show_source_lists_what_cites_it(minimal_dir):
    related = show("src.two", load_dataweb(minimal_dir))["related"]
    assert {r["id"] for r in related["organisation.sources"]} == {"org.broker"}


def test_show_unknown_id(minimal_dir):
    with pytest.raises(NotFound, match="No entry"):
        show("org.nobody", load_dataweb(minimal_dir))


def test_flow_history_suspended_then_reactivated(minimal_dir):
    history = flow_history("flow.records_to_case", load_dataweb(minimal_dir))
    assert [e["status"] for e in history["events"]] == ["active", "suspended", "active"]
    assert history["status_changes"] == 2
    # the event with its own source keeps it; the others inherit the flow's sources
    assert [s["id"] for s in history["events"][1]["sources"]] == ["src.two"]
    assert [s["id"] for s in history["events"][0]["sources"]] == ["src.one", "src.two"]


def test_history_of_non_flow_is_an_input_error(minimal_dir):
    with pytest.raises(InputError):
        flow_history("sys.case", load_dataweb(minimal_dir))


def test_shipped_paragon_contract_history_shows_reactivation():
    code, out = invoke("graph", "history", "flow.graphite_to_ice", "--json")
    assert code == 0
    events = json.loads(out)["events"]
    statuses = [e["status"] for e in events]
    assert statuses.index("suspended") < len(statuses) - 1
    assert statuses[-1] == "active"


def test_show_cli_table_and_json():
    code, out = invoke("graph", "show", "org.ice", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["kind"] == "organisation" and data["related"]["organisation.parent"]
    code, out = invoke("graph", "show", "org.ice")
    assert code == 0 and "Referred to by" in out
    code, out = invoke("graph", "show", "org.nobody")
    assert code == 1 and "No entry" in out


def test_evidence_marks_claims_resting_only_on_seed_articles():
    assert show("flow.irs_to_immigrationos_claim")["evidence"] == "seed_only"
    assert show("flow.irs_to_ice_addresses")["evidence"] == "seed_and_external"
    assert show("flow.ident_to_hart")["evidence"] == "external_only"
