"""Data-web pages in-process on the fixture data web (tests/serve/dataweb_fixture.py):
the explorer's graph in layers and hop by hop, entry and source pages, statuses as of
the day, citations ranked by kind, and markup in curated text shown as text."""

from __future__ import annotations

import csv
import io

from tests.serve.dataweb_fixture import TITLE_WITH_MARKUP


def test_explorer_graph_is_layered_with_a_meaning_on_every_edge(dataweb_client):
    view = dataweb_client.get("/dataweb/graph.json").json()["data"]
    assert view["as_of"] == "2026-06-01"
    layers = {n["id"]: n["layer"] for n in view["nodes"]}
    assert layers["ds.records"] == "data_source"
    assert layers["org.broker"] == layers["org.reseller"] == "company"
    assert layers["sys.case"] == layers["sys.search"] == "system"
    assert layers["org.comp"] == layers["org.agency"] == "agency"
    assert layers["con.sub"] == layers["fig.count"] == "record"
    assert set(view["layers"]) == {
        "data_source",
        "company",
        "system",
        "agency",
        "record",
    }
    assert "address" in view["categories"]
    for edge in view["edges"]:
        assert edge["meaning"] and edge["sources"], edge["id"]
    hop = next(e for e in view["edges"] if e["id"] == "flow.records_to_case:hop1")
    assert hop["meaning"] == (
        "Address data passes from Broker records to Broker Search (hop 1 of 2 of this "
        "flow)."
    )
    assert (hop["status"], hop["recorded_status"]) == ("reported", "active")
    reseller = next(
        e
        for e in view["edges"]
        if e["relation"] == "facilitates" and e["role"] == "reseller"
    )
    assert "the data does not pass through it" in reseller["meaning"]


def test_explorer_page_names_the_day_and_lists_everything(dataweb_client):
    html = dataweb_client.get("/dataweb").text
    assert "status as of <strong>2026-06-01</strong>" in html
    assert 'id="focus-table"' in html and 'id="path-hops"' in html  # text views
    assert '<option value="address">address</option>' in html
    view = dataweb_client.get("/dataweb.json").json()
    edges = {r["id"]: r for r in view["tables"]["edges"]}
    assert edges["flow.records_to_case:hop2"]["meaning"].startswith(
        "Address data passes from"
    )


def test_flow_page_shows_hops_apart_from_facilitators(dataweb_client):
    html = dataweb_client.get("/dataweb/node/flow.records_to_case").text
    assert "Passes through" in html and "Broker Search" in html
    facilitated = html.split("Facilitated by</dt>")[1].split("</dd>")[0]
    assert "reseller" in facilitated and "Licence Reseller Inc." in facilitated
    assert "contract" in facilitated and "not hops" in facilitated
    assert "<strong>reported</strong> as of 2026-06-01" in html
    assert "the evidence ends 2026-02 (from con.sub)" in html
    view = dataweb_client.get("/dataweb/node/flow.records_to_case.json").json()
    item = view["data"]["item"]
    assert [h["id"] for h in item["hops"]] == ["sys.search"]
    assert item["label"] == "Broker records → Case System"


def test_source_page_says_why_there_is_no_address(dataweb_client):
    view = dataweb_client.get("/dataweb/node/src.copy.json").json()
    item = view["data"]["item"]
    assert item["url"] is None
    assert item["no_url"] == "the original's address was not captured"
    assert item["read_via"] == "https://example.org/copy"
    cited_by = {r["id"] for r in view["tables"]["cited_by"]}
    assert cited_by == {"sys.search", "sys.case", "flow.records_to_case"}
    html = dataweb_client.get("/dataweb/node/src.copy").text
    assert "none: the original&#39;s address was not captured" in html
    assert "source: mirror" in html


def test_curated_markup_is_shown_as_text(dataweb_client):
    html = dataweb_client.get("/dataweb/node/src.copy").text
    assert "<script>x</script>" not in html and "<b>of</b>" not in html
    assert "Audit &lt;b&gt;of&lt;/b&gt; the subscription &amp; its" in html
    graph = dataweb_client.get("/dataweb/graph.json").json()["data"]
    titles = [s["title"] for n in graph["nodes"] for s in n["sources"]]
    assert any(TITLE_WITH_MARKUP in t for t in titles)  # JSON keeps the text exactly


def test_reach_csv_lists_each_hop_with_its_facilitators(dataweb_client):
    text = dataweb_client.get(
        "/reach.csv", params={"category": "address", "table": "paths"}
    ).text
    rows = list(csv.DictReader(io.StringIO(text)))
    hops = [r for r in rows if r["source"] == "sys.search"]
    assert hops and hops[0]["facilitators"] == (
        "contract: Licence Reseller Inc.–Example Enforcement Office contract "
        "2024-01-15; reseller: Licence Reseller Inc."
    )
    assert {r["status"] for r in rows} >= {"reported"}


def test_unknown_entry_is_404_and_long_ids_are_refused(dataweb_client):
    assert dataweb_client.get("/dataweb/node/org.nobody").status_code == 404
    assert dataweb_client.get("/dataweb/node/" + "x" * 400).status_code == 404
