"""`custodes check`: the shipped data passes, and each kind of mistake fails by name."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from custodes.cli import main
from custodes.dataweb.loader import default_data_dir, load_dataweb
from custodes.dataweb.validate import validate


def run_check(folder: Path | None = None):
    args = ["check"] + (["--data", str(folder)] if folder else [])
    return CliRunner().invoke(main, args, catch_exceptions=False)


def test_shipped_data_web_passes_check():
    """CI runs `custodes check` on the curated data through this test."""
    result = run_check()
    assert result.exit_code == 0, result.output
    assert "Data web OK" in result.output


def test_shipped_data_covers_every_kind_and_cites_everything():
    web = load_dataweb()
    kinds = {e.kind for e in web.entries.values()}
    assert kinds == {
        "organisation",
        "system",
        "data_source",
        "flow",
        "agreement",
        "figure",
        "funding",
        "source",
    }
    for entry in web.entries.values():
        if entry.kind != "source":
            assert entry.data["sources"], entry.id


def test_minimal_fixture_passes(minimal_dir):
    result = run_check(minimal_dir)
    assert result.exit_code == 0, result.output


def test_claim_without_a_source(fails, minimal):
    minimal["flows.yaml"][1]["sources"] = []
    fails(minimal, "flows.yaml: flow.case_to_agency", "claim without a source")


def test_claim_with_missing_sources_field(fails, minimal):
    del minimal["systems.yaml"][0]["sources"]
    fails(minimal, "systems.yaml: sys.case", "claim without a source")


def test_dangling_source_reference(fails, minimal):
    minimal["organisations.yaml"][2]["sources"] = ["src.nowhere"]
    fails(
        minimal, "organisations.yaml: org.vendor", "src.nowhere", "dangling reference"
    )


def test_dangling_node_reference(fails, minimal):
    minimal["flows.yaml"][0]["to"] = "sys.missing"
    fails(
        minimal, "flows.yaml: flow.records_to_case", "dangling reference", "sys.missing"
    )


def test_reference_to_wrong_kind(fails, minimal):
    minimal["systems.yaml"][0]["operator"] = "ds.records"
    fails(minimal, "systems.yaml: sys.case", "operator 'ds.records' must point")


def test_unknown_data_category(fails, minimal):
    minimal["data_sources.yaml"][0]["data_categories"] = ["address", "shoe_size"]
    fails(minimal, "data_sources.yaml: ds.records", "unknown category", "shoe_size")


def test_unknown_system_category(fails, minimal):
    minimal["systems.yaml"][0]["category"] = "mind_reading"
    fails(minimal, "systems.yaml: sys.case", "mind_reading")


def test_unknown_status(fails, minimal):
    minimal["flows.yaml"][1]["status"] = "paused-ish"
    fails(minimal, "flows.yaml: flow.case_to_agency", "unknown status", "paused-ish")


def test_unknown_status_in_history(fails, minimal):
    minimal["flows.yaml"][0]["history"][1]["status"] = "frozen"
    fails(minimal, "flow.records_to_case", "unknown status 'frozen'")


def test_duplicate_id_across_files(fails, minimal):
    minimal["systems.yaml"].append(dict(minimal["systems.yaml"][0]))
    output = fails(minimal, "systems.yaml: sys.case", "duplicate id")
    assert "first defined in systems.yaml" in output


@pytest.mark.parametrize("bad", ["2021-02-30", "2021-13", "20210", "last spring"])
def test_impossible_date(fails, minimal, bad):
    minimal["agreements.yaml"][0]["date"] = bad
    fails(minimal, "agreements.yaml: con.sub", "impossible date")


def test_future_date(fails, minimal):
    minimal["figures.yaml"][0]["as_of"] = "2999-01-01"
    fails(minimal, "figures.yaml: fig.count", "in the future")


def test_until_before_since(fails, minimal):
    minimal["flows.yaml"][1]["since"] = "2022-06"
    fails(minimal, "flow.case_to_agency", "until 2021 is before since 2022-06")


def test_history_out_of_order(fails, minimal):
    events = minimal["flows.yaml"][0]["history"]
    events[0], events[1] = events[1], events[0]
    fails(minimal, "flow.records_to_case", "history out of order")


def test_status_must_match_last_history_event(fails, minimal):
    minimal["flows.yaml"][0]["status"] = "ended"
    fails(minimal, "flow.records_to_case", "disagrees with the last history")


def test_error_names_the_line(fails, minimal, tmp_path):
    minimal["flows.yaml"][1]["status"] = "nope"
    output = fails(minimal, "flow.case_to_agency (line ")
    folder = tmp_path / "bad"
    lines = (folder / "flows.yaml").read_text().splitlines()
    line = int(output.split("flow.case_to_agency (line ")[1].split(")")[0])
    assert lines[line - 1] == "- id: flow.case_to_agency"


def test_unknown_field_is_rejected(fails, minimal):
    minimal["systems.yaml"][0]["colour"] = "blue"
    fails(minimal, "sys.case", "unknown field 'colour'")


def test_unexpected_file_is_rejected(web_writer, minimal, tmp_path):
    folder = web_writer(tmp_path / "bad", minimal)
    (folder / "people.yaml").write_text(yaml.safe_dump([{"id": "x"}]))
    result = run_check(folder)
    assert result.exit_code == 1
    assert "people.yaml: unexpected file" in result.output


def test_source_url_must_be_http(fails, minimal):
    minimal["sources.yaml"][0]["url"] = "javascript:alert(1)"
    fails(minimal, "sources.yaml: src.one", "not an http(s) address")


def test_funding_agency_must_be_known(fails, minimal):
    minimal["funding.yaml"][0]["agency"] = "XYZ"
    fails(minimal, "funding.yaml: fund.case_a", "unknown agency 'XYZ'")


def test_check_json_lists_problems(web_writer, minimal, tmp_path):
    minimal["flows.yaml"][1]["sources"] = []
    folder = web_writer(tmp_path / "bad", minimal)
    result = CliRunner().invoke(main, ["check", "--data", str(folder), "--json"])
    assert result.exit_code == 1
    assert '"where": "flows.yaml: flow.case_to_agency' in result.output


def test_validate_reports_every_problem_not_just_the_first(
    web_writer, minimal, tmp_path
):
    minimal["flows.yaml"][1]["sources"] = []
    minimal["systems.yaml"][0]["category"] = "nope"
    problems = validate(load_dataweb(web_writer(tmp_path / "bad", minimal)))
    assert {p.where.split(":")[1].split()[0] for p in problems} == {
        "flow.case_to_agency",
        "sys.case",
    }


def test_default_data_dir_is_the_packaged_data():
    assert (default_data_dir() / "flows.yaml").is_file()


def test_unreadable_yaml_is_one_clear_line(minimal_dir, check):
    """A data-web file that is not UTF-8 used to end `custodes check` in a Python
    traceback (UnicodeDecodeError); one that is not YAML named only the file's
    base name. Both are one line: the full path, the line, what to do."""
    orgs = minimal_dir / "organisations.yaml"
    orgs.write_bytes(b"- id: org.x\n  name: Caf\xe9 Office\n")
    result = check(minimal_dir)
    assert result.exit_code == 1
    assert f"{orgs}:2: not UTF-8 text" in result.output
    assert "Re-save the file as UTF-8" in result.output
    assert "Traceback" not in result.output
    orgs.write_text("- id: org.x\n  name: [unclosed\n")
    result = check(minimal_dir)
    assert result.exit_code == 1
    assert f"{orgs}:3:1: not valid YAML" in result.output
