"""Claims within their evidence: hops and facilitators apart, sums that add up, dates
the sources can attest, planned figures said as planned, sources that say where they
are, and statuses derived from dated evidence (issue 17 item 5)."""

from __future__ import annotations

import json
from datetime import date

from click.testing import CliRunner

from custodes.cli import main
from custodes.dataweb.export import graph_json, iter_ftm
from custodes.dataweb.loader import load_dataweb
from custodes.dataweb.queries import expand_sources, reach, show
from custodes.dataweb.status import SHELF_LIFE_YEARS, status_as_of
from custodes.dataweb.validate import validate, warnings

# --- hops and facilitators ---------------------------------------------------


def test_a_facilitator_is_beside_the_path_not_on_it(minimal_dir):
    web = load_dataweb(minimal_dir)
    data = graph_json(web)
    flow = next(e for e in data["edges"] if e["id"] == "flow.records_to_case")
    assert flow["hops"] == ["org.network"]
    assert [f["id"] for f in flow["facilitators"]] == ["con.sub", "org.vendor"]
    facilitates = {
        (e["source"], e["target"], e["role"])
        for e in data["edges"]
        if e["relation"] == "facilitates"
    }
    assert facilitates == {
        ("con.sub", "sys.case", "contract"),
        ("org.vendor", "sys.case", "contractor"),
    }
    for path in reach("address", web):
        assert "org.vendor" not in path["path"] and "con.sub" not in path["path"]


def test_a_facilitator_that_is_also_a_hop_fails(fails, minimal):
    minimal["flows.yaml"][0]["facilitators"] = [
        {"id": "org.network", "role": "reseller"}
    ]
    fails(minimal, "flow.records_to_case", "both a hop and a facilitator")


def test_a_system_cannot_be_a_facilitator(fails, minimal):
    minimal["flows.yaml"][0]["facilitators"] = [{"id": "sys.case", "role": "reseller"}]
    fails(minimal, "flow.records_to_case", "a system the data passes through is a hop")


def test_unknown_facilitator_role_and_dangling_facilitator(fails, minimal):
    minimal["flows.yaml"][0]["facilitators"] = [{"id": "org.nobody", "role": "friend"}]
    fails(
        minimal,
        "dangling reference: facilitator 'org.nobody'",
        "unknown facilitator role 'friend'",
    )


def test_a_hop_that_is_an_end_of_the_flow_fails(fails, minimal):
    minimal["flows.yaml"][0]["hops"] = ["sys.case"]
    fails(minimal, "hop 'sys.case' is an end of the flow")


def test_deprecated_via_is_read_as_hops_with_a_warning(
    tmp_path, web_writer, minimal, check
):
    flow = minimal["flows.yaml"][0]
    flow["via"] = flow.pop("hops")
    folder = web_writer(tmp_path / "old", minimal)
    result = check(folder)
    assert result.exit_code == 0, result.output
    assert "'via' is deprecated and read as 'hops'" in result.output
    web = load_dataweb(folder)
    paths = {p["reaches"]: p for p in reach("address", web)}
    assert paths["org.comp"]["path"] == [
        "ds.records",
        "org.network",
        "sys.case",
        "org.comp",
    ]
    step = paths["org.comp"]["steps"][0]
    assert step["via"] == step["hops"] == ["org.network"]
    as_json = json.loads(check(folder, "--json").output)
    assert any("deprecated" in w["message"] for w in as_json["warnings"])


def test_via_and_hops_together_fail(fails, minimal):
    minimal["flows.yaml"][0]["via"] = ["org.network"]
    fails(minimal, "both 'hops' and the deprecated 'via'")


def test_ftm_export_names_hops_and_facilitators(minimal_dir):
    entities = {e["id"]: e for e in iter_ftm(load_dataweb(minimal_dir))}
    role = entities["flow-records-to-case"]["properties"]["role"][0]
    assert "through Records Network" in role
    assert "contractor: Casework Software Inc." in role


# --- sums ---------------------------------------------------------------------


def test_contract_total_that_is_not_the_sum_of_its_parts_fails(fails, minimal):
    """The 2019 ICM extension: the research's three yearly amounts were given with
    the filing's total, which also holds two enhancement costs."""
    minimal["agreements.yaml"][0].update(
        amount_usd=49874018.14,
        amount_parts=[
            {"label": "base year", "amount_usd": 16210849.40},
            {"label": "option year 1", "amount_usd": 14739218.50},
            {"label": "option year 2", "amount_usd": 14842138.91},
        ],
    )
    fails(
        minimal,
        "agreements.yaml: con.sub",
        "contract total does not add up: amount_usd 49,874,018.14 is not the sum of "
        "its amount_parts, 45,792,206.81 (off by 4,081,811.33)",
    )


def test_rounded_parts_may_differ_within_their_rounding(
    tmp_path, web_writer, minimal, fails, check
):
    parts = [
        {"label": "base year", "amount_usd": 16210849.40},
        {"label": "option year 1", "amount_usd": 14739218.50},
        {"label": "option year 2", "amount_usd": 14842138.91},
        {"label": "enhancements 1", "amount_usd": 2400000, "rounded_to": 100000},
        {"label": "enhancements 2", "amount_usd": 1600000, "rounded_to": 100000},
    ]
    minimal["agreements.yaml"][0].update(amount_usd=49874018.14, amount_parts=parts)
    assert check(web_writer(tmp_path / "ok", minimal)).exit_code == 0
    parts[3]["rounded_to"] = 1000  # ±50,500 in all: 81,811.33 off is beyond it
    fails(minimal, "beyond the rounding of its parts (±50,500.00)")


def test_exact_parts_must_add_up_to_the_cent(
    tmp_path, web_writer, minimal, fails, check
):
    minimal["agreements.yaml"][0].update(
        amount_usd=100.10,
        amount_parts=[
            {"label": "a", "amount_usd": 50.05},
            {"label": "b", "amount_usd": 50.05},
        ],
    )
    assert check(web_writer(tmp_path / "ok", minimal)).exit_code == 0
    minimal["agreements.yaml"][0]["amount_usd"] = 100.11
    fails(minimal, "off by 0.01")


def test_amount_parts_need_a_total_and_numbers(fails, minimal):
    del minimal["agreements.yaml"][0]["amount_usd"]
    minimal["agreements.yaml"][0]["amount_parts"] = [{"label": "a", "amount_usd": "x"}]
    fails(minimal, "amount part 1: amount_usd is not a number")


# --- dates past the evidence ---------------------------------------------------


def test_event_dated_after_its_sources_fails(fails, minimal):
    """The Medicaid ruling: an event dated 2026-01-06 cited only December 2025
    reporting of a ruling that allowed sharing from that day."""
    minimal["flows.yaml"][0]["history"].append(
        {
            "date": "2022-06-01",
            "status": "active",
            "event": "Court allows part of the sharing from this day",
            "sources": ["src.one"],
        }
    )
    fails(
        minimal,
        "flow.records_to_case",
        "date past the evidence: history event 2022-06-01",
        "newest 2021-05-01",
    )


def test_field_dated_after_every_source_fails(fails, minimal):
    minimal["flows.yaml"][1]["until"] = "2021-06"  # its only source is 2021-05-01
    fails(minimal, "flow.case_to_agency", "date past the evidence: until 2021-06")


def test_status_claimed_after_the_end_fails(fails, minimal):
    minimal["flows.yaml"][1]["status"] = "active"
    fails(minimal, "flow.case_to_agency", "status 'active' is claimed after the end")


# --- figures: planned or reported ------------------------------------------------


def test_reported_figure_stating_a_requirement_as_done_fails(fails, minimal):
    """The extreme-vetting quota: 'the contractor had to flag' a figure from a plan."""
    minimal["figures.yaml"][0]["summary"] = (
        "Minimum number of people a year the contractor had to flag."
    )
    fails(minimal, "fig.count", "states a requirement or plan as a fact ('had to')")


def test_planned_figure_must_read_as_a_plan(
    fails, minimal, tmp_path, web_writer, check
):
    figure = minimal["figures.yaml"][0]
    figure["stated_as"] = "planned"
    figure["summary"] = "Minimum number of people a year the contractor had to flag."
    fails(minimal, "a planned figure states the plan as done ('had to')")
    figure["summary"] = "People a year the planned contractor would have had to flag."
    assert check(web_writer(tmp_path / "ok", minimal)).exit_code == 0
    figure["summary"] = "People flagged."
    fails(minimal, "a planned figure must say so in its summary")


def test_reported_figure_about_proposals_only_fails(fails, minimal):
    minimal["flows.yaml"][1].update(status="proposed")
    minimal["flows.yaml"][1].pop("until")
    minimal["figures.yaml"][0]["relates_to"] = ["flow.case_to_agency"]
    fails(minimal, "a reported figure about proposed entries only")


def test_unknown_figure_stage(fails, minimal):
    minimal["figures.yaml"][0]["stated_as"] = "rumoured"
    fails(minimal, "fig.count", "unknown figure_stage 'rumoured'")


# --- sources: address and kind ------------------------------------------------------


def test_source_without_address_or_reason_warns(tmp_path, web_writer, minimal, check):
    del minimal["sources.yaml"][1]["no_url"]
    del minimal["sources.yaml"][0]["kind"]
    result = check(web_writer(tmp_path / "w", minimal))
    assert result.exit_code == 0, result.output
    assert "src.two" in result.output and "no url and no no_url" in result.output
    assert "src.one" in result.output and "no kind" in result.output


def test_source_with_both_url_and_no_url_fails(fails, minimal):
    minimal["sources.yaml"][0]["no_url"] = "lost"
    fails(minimal, "src.one", "has both url and no_url")


def test_unknown_source_kind_fails(fails, minimal):
    minimal["sources.yaml"][0]["kind"] = "gossip"
    fails(minimal, "src.one", "unknown source_kind 'gossip'")


def test_citations_are_ranked_by_kind(tmp_path, web_writer, minimal):
    minimal["sources.yaml"] += [
        {
            "id": "src.copy",
            "publisher": "Blog (copy)",
            "title": "Copy",
            "date": "2021",
            "kind": "mirror",
            "no_url": "lost",
            "read_via": "https://example.org/copy",
        },
        {
            "id": "src.order",
            "publisher": "Court",
            "title": "Order",
            "date": "2021",
            "kind": "primary_document",
            "url": "https://example.org/order",
        },
        {
            "id": "src.release",
            "publisher": "Agency",
            "title": "Release",
            "date": "2021",
            "kind": "official_statement",
            "url": "https://example.org/release",
        },
    ]
    web = load_dataweb(web_writer(tmp_path / "r", minimal))
    ranked = expand_sources(web, ["src.copy", "src.one", "src.release", "src.order"])
    assert [s["id"] for s in ranked] == [
        "src.order",
        "src.release",
        "src.one",
        "src.copy",
    ]
    assert ranked[0]["kind_label"] == "primary document"
    assert ranked[-1]["no_url"] == "lost"


# --- statuses from dated evidence ----------------------------------------------------


def lexis_like(minimal):
    """A system and flow whose evidence ends with a contract's option period."""
    minimal["agreements.yaml"][0]["evidence_until"] = "2022-02"
    minimal["systems.yaml"][0]["evidence_until"] = "2022-02"
    return minimal


def test_status_lapses_after_the_evidence_ends(tmp_path, web_writer, minimal):
    web = load_dataweb(web_writer(tmp_path / "w", lexis_like(minimal)))
    system = web.get("sys.case")
    flow = web.get("flow.records_to_case")
    before = status_as_of(web, system, date(2022, 2, 28))
    after = status_as_of(web, system, date(2022, 3, 1))
    assert (before.status, before.lapsed) == ("active", False)
    assert (after.status, after.recorded_status, after.lapsed) == (
        "reported",
        "active",
        True,
    )
    assert after.lapses_on == "2022-03-01"
    assert "the evidence ends 2022-02" in after.note
    # the flow has no end of its own: it takes its agreement's
    flowed = status_as_of(web, flow, date(2022, 3, 1))
    assert flowed.status == "reported" and "from con.sub" in flowed.note


def test_a_later_event_keeps_the_status_past_the_end(tmp_path, web_writer, minimal):
    minimal = lexis_like(minimal)
    minimal["flows.yaml"][0]["history"].append(
        {"date": "2022-04", "status": "active", "event": "Option renewed"}
    )
    minimal["sources.yaml"][1]["date"] = "2022-05"
    web = load_dataweb(web_writer(tmp_path / "w", minimal))
    dated = status_as_of(web, web.get("flow.records_to_case"), date(2022, 6, 1))
    assert dated.status == "active"


def test_evidence_without_an_end_lapses_after_the_shelf_life(minimal_dir):
    web = load_dataweb(minimal_dir)
    system = web.get("sys.case")  # newest dated evidence: src.one, 2021-05-01
    assert SHELF_LIFE_YEARS == 3
    assert status_as_of(web, system, date(2024, 4, 30)).status == "active"
    lapsed = status_as_of(web, system, date(2024, 5, 1))
    assert lapsed.status == "reported" and lapsed.evidence_date == "2021-05-01"


def test_a_lapsed_plan_is_unknown_and_an_end_stays(tmp_path, web_writer, minimal):
    minimal["systems.yaml"][0]["status"] = "proposed"
    web = load_dataweb(web_writer(tmp_path / "w", minimal))
    assert status_as_of(web, web.get("sys.case"), date(2030, 1, 1)).status == (
        "unknown"
    )
    ended = status_as_of(web, web.get("flow.case_to_agency"), date(2030, 1, 1))
    assert (ended.status, ended.lapsed) == ("ended", False)


def test_status_before_any_evidence_is_unknown(minimal_dir):
    web = load_dataweb(minimal_dir)
    early = status_as_of(web, web.get("flow.records_to_case"), date(2019, 1, 1))
    assert early.status == "unknown"


def test_history_gives_the_status_of_its_day(minimal_dir):
    web = load_dataweb(minimal_dir)
    flow = web.get("flow.records_to_case")
    assert status_as_of(web, flow, date(2021, 6, 1)).status == "suspended"
    assert status_as_of(web, flow, date(2022, 6, 1)).status == "active"


def test_check_warns_about_lapsed_statuses_without_failing(
    tmp_path, web_writer, minimal, check
):
    folder = web_writer(tmp_path / "w", lexis_like(minimal))
    result = check(folder)
    assert result.exit_code == 0, result.output
    assert "status 'active' is shown as 'reported' from 2022-03-01" in result.output
    web = load_dataweb(folder)
    lapsed = {w.where.split(":")[1].split()[0] for w in warnings(web)}
    assert {"sys.case", "flow.records_to_case", "con.sub"} <= lapsed
    assert not warnings(web, date(2022, 1, 1))


def test_as_of_in_json_and_exports(tmp_path, web_writer, minimal):
    folder = web_writer(tmp_path / "w", lexis_like(minimal))
    shown = CliRunner().invoke(
        main,
        ["graph", "show", "sys.case", "--data", str(folder), "--json"],
    )
    data = json.loads(shown.output)
    assert data["as_of"] == date.today().isoformat()
    assert data["dated_status"]["status"] == "reported"
    assert data["dated_status"]["recorded_status"] == "active"
    then = CliRunner().invoke(
        main,
        ["graph", "show", "sys.case", "--data", str(folder), "--json"]
        + ["--as-of", "2022-01-15"],
    )
    assert json.loads(then.output)["dated_status"]["status"] == "active"
    exported = CliRunner().invoke(
        main,
        ["graph", "export", "--format", "json", "--data", str(folder)]
        + ["--as-of", "2022-03-01"],
    )
    graph = json.loads(exported.output)
    assert graph["as_of"] == "2022-03-01"
    node = next(n for n in graph["nodes"] if n["id"] == "sys.case")
    assert (node["status"], node["recorded_status"]) == ("reported", "active")
    bad = CliRunner().invoke(
        main, ["graph", "show", "sys.case", "--data", str(folder), "--as-of", "soon"]
    )
    assert bad.exit_code == 2 and "is not a date" in bad.output


def test_show_gives_hops_facilitators_and_dated_status(minimal_dir):
    result = show("flow.records_to_case", load_dataweb(minimal_dir), date(2022, 6, 1))
    assert result["hops"] == [{"id": "org.network", "label": "Records Network"}]
    assert [(f["id"], f["role_label"]) for f in result["facilitators"]] == [
        ("con.sub", "contract"),
        ("org.vendor", "contractor"),
    ]
    assert result["dated_status"]["status"] == "active"
    assert result["label"] == "Broker records → Case System"


# --- the shipped data after the fact-check ------------------------------------------


def test_shipped_data_after_the_fact_check():
    """The fixes the fact-check asked for, each found by the checks above."""
    web = load_dataweb()
    assert not validate(web)
    lexis = status_as_of(web, web.get("sys.leids_accurint"), date(2026, 3, 1))
    assert (lexis.status, lexis.recorded_status) == ("reported", "active")
    assert status_as_of(
        web, web.get("sys.leids_accurint"), date(2026, 1, 1)
    ).status == ("active")
    zignal = web.get("flow.social_media_to_ice_zignal").data
    assert zignal["hops"] == ["sys.zignal"]
    assert zignal["facilitators"] == [{"id": "org.carahsoft", "role": "reseller"}]
    assert web.get("flow.falcon_ingest").data["hops"] == []  # CLEAR is its own flow
    assert web.get("flow.clear_to_falcon").data["from"] == "sys.clear"
    assert web.get("fig.extreme_vetting_quota").data["stated_as"] == "planned"
    flows = web.of_kind("flow")
    assert all("via" not in f.data and "hops" in f.data for f in flows)
    sources = web.of_kind("source")
    assert all(s.data.get("kind") for s in sources)
    assert all(bool(s.data.get("url")) != bool(s.data.get("no_url")) for s in sources)
