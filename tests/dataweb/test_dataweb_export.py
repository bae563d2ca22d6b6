"""Exports (JSON, GraphML, FollowTheMoney) and rendered pictures of subgraphs."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import networkx as nx
import pytest
from click.testing import CliRunner
from followthemoney import model
from followthemoney.exc import InvalidData

from custodes.cli import main
from custodes.dataweb.export import graph_json, iter_ftm, neighbourhood_json
from custodes.dataweb.graph import build_graph
from custodes.dataweb.loader import load_dataweb


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_json_export_every_node_and_edge_has_resolvable_sources(minimal_dir):
    data = graph_json(load_dataweb(minimal_dir))
    ids = {n["id"] for n in data["nodes"]}
    assert {"org.comp", "sys.case", "ds.records", "con.sub", "fig.count"} <= ids
    for item in data["nodes"] + data["edges"]:
        assert item["sources"], item["id"]
        assert all(s in data["sources"] for s in item["sources"])
    flows = [e for e in data["edges"] if e["relation"] == "flow"]
    assert {(e["source"], e["target"]) for e in flows} == {
        ("ds.records", "sys.case"),
        ("sys.case", "org.agency"),
    }
    assert all(e["source"] in ids and e["target"] in ids for e in data["edges"])


def test_neighbourhood_json_is_the_subgraph_around_an_entry(minimal_dir):
    web = load_dataweb(minimal_dir)
    near = {n["id"] for n in neighbourhood_json(web, "ds.records", 1)["nodes"]}
    # the flow's hop (org.network) counts as a neighbour of both its ends
    assert near == {"ds.records", "org.broker", "sys.case", "org.network"}
    wider = {n["id"] for n in neighbourhood_json(web, "ds.records", 2)["nodes"]}
    assert {"org.comp", "con.sub", "org.agency"} <= wider


def test_json_export_cli_writes_file(tmp_path):
    out = tmp_path / "web.json"
    assert (
        invoke("graph", "export", "--format", "json", "--out", str(out)).exit_code == 0
    )
    data = json.loads(out.read_text())
    assert len(data["nodes"]) > 100 and len(data["edges"]) > 100


def test_export_to_standard_output():
    result = invoke("graph", "export", "--format", "ftm")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) > 300 and json.loads(lines[0])["schema"]
    result = invoke("graph", "export", "--format", "graphml")
    assert result.output.lstrip().startswith("<?xml")


def test_graphml_roundtrips_through_networkx(tmp_path):
    out = tmp_path / "web.graphml"
    assert (
        invoke("graph", "export", "--format", "graphml", "--out", str(out)).exit_code
        == 0
    )
    read = nx.read_graphml(out)
    built = build_graph(load_dataweb())
    assert read.number_of_nodes() == built.number_of_nodes()
    assert read.number_of_edges() == built.number_of_edges()
    for _, _, attrs in read.edges(data=True):
        assert json.loads(attrs["sources"]), attrs


def _ftm_entities(web) -> list[dict]:
    return list(iter_ftm(web))


@pytest.mark.parametrize("which", ["minimal", "shipped"])
def test_ftm_export_is_valid_followthemoney(which, minimal_dir):
    web = load_dataweb(minimal_dir if which == "minimal" else None)
    entities = _ftm_entities(web)
    ids = {e["id"] for e in entities}
    assert len(ids) == len(entities), "entity ids must be unique"
    for data in entities:
        schema = model.get(data["schema"])
        assert schema is not None and not schema.abstract, data["schema"]
        try:  # cleaned=False makes followthemoney check every property and value
            proxy = model.get_proxy(data, cleaned=False)
        except InvalidData as exc:  # pragma: no cover - the assertion message
            pytest.fail(f"{data['id']}: {exc}")
        for prop in schema.required:
            assert proxy.get(prop), f"{data['id']} lacks required {prop}"
        for prop, values in data["properties"].items():
            assert proxy.get(prop) == values, (data["id"], prop)
            if schema.get(prop).type.name == "entity":
                assert set(values) <= ids, (
                    f"{data['id']}.{prop} points outside the export"
                )
        assert data["schema"] != "Person"


def test_ftm_export_cli_and_schemas(tmp_path, minimal_dir):
    out = tmp_path / "web.ftm.json"
    result = invoke(
        "graph",
        "export",
        "--format",
        "ftm",
        "--data",
        str(minimal_dir),
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    entities = [json.loads(line) for line in out.read_text().splitlines()]
    by_id = {e["id"]: e for e in entities}
    assert by_id["org-agency"]["schema"] == "PublicBody"
    assert by_id["org-vendor"]["schema"] == "Company"
    assert by_id["sys-case"]["schema"] == "Project"
    assert by_id["ds-records"]["schema"] == "Asset"
    flow = by_id["flow-records-to-case"]
    assert flow["schema"] == "UnknownLink"
    assert flow["properties"]["subject"] == ["ds-records"]
    assert flow["properties"]["sourceUrl"] == ["https://example.org/one"]
    assert by_id["con-sub-award"]["properties"]["supplier"] == ["org-broker"]


def test_render_svg_is_xml_with_the_neighbourhood(tmp_path, minimal_dir):
    out = tmp_path / "case.svg"
    result = invoke(
        "graph", "render", "sys.case", "--data", str(minimal_dir), "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    root = ET.fromstring(out.read_text())
    assert root.tag.endswith("svg")
    text = out.read_text()
    for label in ("Case System", "Broker records", "Example Department"):
        assert label in text
    # the flow's facilitators are one step away; the broker is two (holds ds.records)
    assert "<title>con.sub</title>" in text
    assert "<title>org.broker</title>" not in text
    # the colour key names the kinds drawn and no others
    legend = set(re.findall(r'class="legend">([a-z ]+)</text>', text))
    drawn = set(
        re.findall(r'<circle cx="[\d.]+" cy="[\d.]+" r="1[06]" fill="(#\w+)"', text)
    )
    keyed = set(re.findall(r'<circle cx="20" cy="\d+" r="6" fill="(#\w+)"/>', text))
    assert {"organisation", "system", "data source"} <= legend
    assert keyed == drawn
    deeper = tmp_path / "deeper.svg"
    invoke(
        "graph",
        "render",
        "sys.case",
        "--depth",
        "2",
        "--data",
        str(minimal_dir),
        "--out",
        str(deeper),
    )
    assert "<title>org.broker</title>" in deeper.read_text()


def test_render_png(tmp_path):
    pytest.importorskip("vl_convert")
    out = tmp_path / "icm.png"
    result = invoke("graph", "render", "sys.icm", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_render_rejects_other_formats_and_unknown_ids(tmp_path):
    result = invoke("graph", "render", "sys.icm", "--out", str(tmp_path / "x.gif"))
    assert result.exit_code == 1 and ".svg or .png" in result.output
    result = invoke("graph", "render", "sys.nothing", "--out", str(tmp_path / "x.svg"))
    assert result.exit_code == 1 and "No entry" in result.output


def test_package_level_functions_for_the_web_app():
    import custodes.dataweb as dataweb

    graph = dataweb.graph()
    assert graph["nodes"] and graph["edges"]
    for item in graph["nodes"] + graph["edges"]:
        assert item["sources"] and all(s.get("publisher") for s in item["sources"])
    assert "face_image" in dataweb.data_categories()
    assert dataweb.reach("tax") and dataweb.show("org.ice")["kind"] == "organisation"


def test_reach_csv_has_every_step_with_its_sources(minimal_dir, tmp_path):
    """`graph reach CATEGORY --csv FILE`: the data web's answer in a spreadsheet, one
    row per step of each path, each with its status and its sources, agreeing with
    --json; a sidecar says what the file holds."""
    import csv

    out = tmp_path / "reach.csv"
    result = invoke(
        "graph", "reach", "address", "--data", str(minimal_dir), "--csv", str(out),
        "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    paths = json.loads(result.stdout)
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    steps = [(p, n, s) for p in paths for n, s in enumerate(p["steps"], start=1)]
    assert len(rows) == len(steps) > 0
    for row, (path, n, step) in zip(rows, steps, strict=True):
        assert (row["reaches"], row["step"], row["flow"]) == (
            path["reaches"], str(n), step["flow"],
        )  # fmt: skip
        assert row["path"] == " → ".join(path["path"])
        assert row["status"] == step["status"]
        assert row["sources"].split("; ") == [s["id"] for s in step["sources"]]
        assert row["citations"]
    meta = json.loads((tmp_path / "reach.csv-metadata.json").read_text())
    assert "'address'" in meta["title"] and meta["as_of"]
    bad = invoke(
        "graph", "reach", "address", "--data", str(minimal_dir), "--csv",
        str(tmp_path / "no" / "such" / "dir.csv"),
    )  # fmt: skip
    assert bad.exit_code == 1 and "No such file or directory" in bad.output


def test_render_legend_keys_only_the_kinds_drawn(tmp_path, minimal_dir):
    """The picture's colour key lists the kinds of entry it draws, not all six: a
    picture of an organisation and its system keyed agreements, awards and figures
    it did not show."""
    out = tmp_path / "agency.svg"
    result = invoke(
        "graph", "render", "org.agency", "--data", str(minimal_dir), "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    legend = set(re.findall(r'class="legend">([a-z ]+)</text>', out.read_text()))
    assert legend == {"organisation", "system"}
