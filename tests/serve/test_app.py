"""The web app in-process: pages, formats, exports, bounds, errors, headers,
escaping."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from custodes.serve.security import CSP
from custodes.store.reader import QueryTimeout

CLEARVIEW = "CONT_AWD_70CMSD21P00000127_7012_-NONE-_-NONE-"
XSS_AWARDS = [
    "CONT_AWD_70CMSD99XSS000001_7012_-NONE-_-NONE-",
    "CONT_AWD_70CMSD99XSS000002_7012_-NONE-_-NONE-",
    "CONT_AWD_70B03C99XSS000003_7014_-NONE-_-NONE-",
    "CONT_AWD_70B03C99XSS000004_7014_-NONE-_-NONE-",
]
PAGES = [
    "/",
    "/dashboard",
    "/search",
    "/search?q=clearview",
    "/categories",
    "/category/face_recognition",
    f"/award/{CLEARVIEW}",
    "/dataweb",
    "/reach",
    "/reach?category=address",
    "/methodology",
    "/api",
]


def scalar(client, sql, params=None):
    """Ask the store through the app's own read-only connection."""
    return client.app.state.reader.scalar(sql, params)


def test_every_page_renders_with_security_headers(client):
    for path in PAGES:
        r = client.get(path)
        assert r.status_code == 200, (path, r.text[:300])
        assert r.headers["content-type"].startswith("text/html")
        assert r.headers["content-security-policy"] == CSP
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert 'href="#main"' in r.text and 'id="main"' in r.text  # skip link target
        assert "<script>" not in r.text and " style=" not in r.text


def test_csp_forbids_inline_script_and_style():
    assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP
    assert "script-src 'self'" in CSP and "style-src 'self'" in CSP


def test_json_is_the_same_view_as_the_page(client):
    view = client.get("/search.json", params={"q": "clearview"}).json()
    keys = {a["award_key"] for a in view["tables"]["awards"]}
    assert CLEARVIEW in keys
    expected = scalar(
        client,
        'SELECT sum(obligation_usd) FROM "transaction" WHERE award_key = ?',
        [CLEARVIEW],
    )
    row = next(a for a in view["tables"]["awards"] if a["award_key"] == CLEARVIEW)
    assert Decimal(row["obligation_usd"]) == expected  # exact decimal string, not float
    page = client.get("/search", params={"q": "clearview"}).text
    assert "70CMSD21P00000127" in page


def test_dashboard_totals_match_the_store(client):
    view = client.get("/dashboard.json").json()
    expected = scalar(
        client,
        """SELECT sum(t.obligation_usd) FROM "transaction" t
        JOIN classification c USING (award_key) WHERE c.category <> 'none'""",
    )
    assert Decimal(view["data"]["total_usd"]) == expected
    by_year = sum(Decimal(r["obligation_usd"]) for r in view["tables"]["by_year"])
    assert by_year == expected


def test_pages_say_what_counts(client, bare_client):
    """The dashboard and category pages state the Definition they count under."""
    view = client.get("/dashboard.json").json()
    stated = view["data"]["definition"]
    assert stated["name"] == "surveillance" and "none" in stated["categories_excluded"]
    assert "--all-spending" in stated["change"]
    flags = {r["category"]: r["counted"] for r in view["tables"]["by_year_category"]}
    assert flags["none"] is False and flags["face_recognition"] is True
    page = client.get("/").text
    assert "What counts:" in page and stated["text"] in page.replace("&#39;", "'")
    listed = client.get("/categories.json").json()
    assert listed["data"]["definition"]["text"] == stated["text"]
    one = client.get("/category/none.json").json()
    assert one["data"]["counted"] is False
    lines = client.get("/dashboard.csv", params={"table": "by_category"}).text
    rows = list(csv.DictReader(io.StringIO(lines)))
    assert rows and {r["definition"] for r in rows} == {stated["short"]}
    bare = bare_client.get("/dashboard.json").json()["data"]["definition"]
    assert bare["classified"] is False and "not only surveillance" in bare["text"]


def test_every_table_exports_as_csv(client):
    view = client.get(f"/award/{CLEARVIEW}.json").json()
    assert view["tables"]["transactions"], "the award has transactions"
    for name in view["tables"]:
        r = client.get(f"/award/{CLEARVIEW}.csv", params={"table": name})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert len(rows) == len(view["tables"][name])
    r = client.get(f"/award/{CLEARVIEW}.csv", params={"table": "nope"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request"


def test_csv_neutralises_spreadsheet_formulas(client):
    r = client.get("/search.csv", params={"q": "payloadmarker formula"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows and rows[0]["description"].startswith("'=HYPERLINK")


def test_award_page_links_usaspending_and_shows_evidence(client):
    r = client.get(f"/award/{CLEARVIEW}")
    assert f'href="https://www.usaspending.gov/award/{CLEARVIEW}"' in r.text
    view = client.get(f"/award/{CLEARVIEW}.json").json()
    assert view["data"]["classification"]["category"] == "face_recognition"
    assert "CLEARVIEW" in view["tables"]["evidence"][0]["text"]
    dates = [t["action_date"] for t in view["tables"]["transactions"]]
    assert dates == sorted(dates) and len(dates) == 6


def test_vendor_page_family_resellers_and_aliases(client):
    from tests.serve.fixture_store import vendor_id

    lexis = client.get(
        f"/vendor/{vendor_id('LEXISNEXIS RISK SOLUTIONS INC')}.json"
    ).json()
    assert lexis["data"]["parent"]["name"] == "RELX INC."
    assert (
        lexis["tables"]["aliases"][0]["recipient_name"]
        == "LEXISNEXIS RISK SOLUTIONS INC"
    )
    cellebrite = client.get(f"/vendor/{vendor_id('Cellebrite')}.json").json()
    resellers = {r["vendor_name"] for r in cellebrite["tables"]["resellers"]}
    assert {"CARAHSOFT TECHNOLOGY CORP", "AVAIL FORENSICS LLC"} <= resellers
    carahsoft = client.get(
        f"/vendor/{vendor_id('CARAHSOFT TECHNOLOGY CORP')}.json"
    ).json()
    assert [r["maker"] for r in carahsoft["tables"]["resold"]] == ["Cellebrite"]


def test_search_facets_and_filters(client):
    everything = client.get("/search.json").json()["data"]
    agencies = {f["value"]: f["awards"] for f in everything["facets"]["agency"]}
    assert sum(agencies.values()) == everything["total"]
    ice = client.get("/search.json", params={"agency": "ICE"}).json()
    assert ice["data"]["total"] == agencies["7012"]
    assert {a["agency_code"] for a in ice["tables"]["awards"]} == {"7012"}
    fy = client.get("/search.json", params={"fy": "2022", "size": "100"}).json()
    assert fy["data"]["total"] > 0
    cats = {f["value"] for f in everything["facets"]["category"]}
    assert "face_recognition" in cats
    maker = client.get("/search.json", params={"maker": "Cellebrite"}).json()
    assert maker["data"]["total"] == 2


def test_individual_recipients_are_never_named(client):
    people = [
        r["recipient_name"]
        for r in client.app.state.reader.rows(
            'SELECT DISTINCT recipient_name FROM "transaction" '
            "WHERE recipient_is_individual"
        )
    ]
    # The fixture store holds an invented sole proprietor (fixtures/xss_api_search.csv):
    # if the detector stops flagging it, this fails instead of passing on no one.
    assert "PLACEHOLDER, NOBODY Q" in people, people
    texts = [
        client.get("/search.json", params={"q": "payloadmarker person"}).text,
        client.get("/search", params={"q": "payloadmarker person"}).text,
        client.get("/award/CONT_AWD_70CMSD99XSS000005_7012_-NONE-_-NONE-").text,
        client.get("/search.json", params={"q": "placeholder"}).text,
    ]
    assert "name withheld" in texts[0]
    for text in texts:
        for name in people:
            assert name not in text
    assert (
        client.get("/search.json", params={"q": "placeholder"}).json()["data"]["total"]
        == 0
    )


@pytest.mark.parametrize(
    "path",
    [
        "/search.json?size=101",
        "/search.json?page=0",
        "/search.json?fy=1e9",
        "/search.json?q=" + "x" * 201,
        "/search.json?agency=DROP%20TABLE",
        "/search.json?vendor=a%27b",
        "/vendor/x%27y.json",
        "/search.json?q=a+b+c+d+e+f+g+h+i",
    ],
)
def test_out_of_bounds_parameters_are_400_with_the_error_shape(client, path):
    r = client.get(path)
    assert r.status_code == 400, r.text
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {
        "status",
        "code",
        "message",
    }


def test_unknown_records_and_methods(client):
    assert client.get("/award/CONT_AWD_NOPE.json").json()["error"]["status"] == 404
    assert client.get("/award/CONT_AWD_NOPE").status_code == 404
    r = client.post("/search.json")
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"
    assert client.get("/nothing-here").status_code == 404
    assert client.delete("/award/" + CLEARVIEW).status_code == 405


def test_html_escaping_of_payloads_server_side(client):
    for key in XSS_AWARDS:
        html = client.get(f"/award/{key}").text
        assert "PAYLOADMARKER" in html
        assert "<script>window" not in html and "<img src" not in html
        assert "<svg onload" not in html and "<b>BOLD</b>" not in html
        assert "</textarea></title><style>" not in html
    html = client.get("/search", params={"q": "payloadmarker"}).text
    assert "&lt;script&gt;" in html and "<script>window" not in html


def test_notices_when_stages_are_missing(bare_client):
    view = bare_client.get("/dashboard.json").json()
    assert any("custodes classify" in n for n in view["notices"])
    assert any("custodes resolve" in n for n in view["notices"])
    assert "run `custodes classify`" in bare_client.get("/").text.replace("&#96;", "`")
    found = bare_client.get("/search.json", params={"q": "clearview"}).json()
    assert CLEARVIEW in {a["award_key"] for a in found["tables"]["awards"]}
    assert {a["category"] for a in found["tables"]["awards"]} == {"unclassified"}


def test_openapi_lists_every_page_in_json_and_csv(client):
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    for path in (
        "/dashboard.json",
        "/search.csv",
        "/award/{ident}.json",
        "/vendor/{ident}.csv",
        "/reach.json",
        "/methodology.json",
    ):
        assert path in spec["paths"]


def test_static_files_and_vendored_library(client):
    r = client.get("/static/vendor/cytoscape.min.js")
    assert r.status_code == 200 and len(r.content) > 100_000
    assert r.headers["content-security-policy"] == CSP


def test_query_time_limit_stops_a_long_query(client):
    reader = client.app.state.reader
    old, reader.time_limit = reader.time_limit, 0.2
    try:
        with pytest.raises(QueryTimeout):
            reader.rows("SELECT count(*) FROM range(100000000000) a WHERE random() < 2")
    finally:
        reader.time_limit = old
    assert reader.scalar("SELECT 1") == 1  # the connection still works afterwards


def test_reach_shows_paths_with_citations(dataweb_client):
    """Guards the "who can reach" page: every path hop by hop, facilitators beside
    the hops, every step cited strongest first, an unknown category a 404. The
    fixture data web has the paths (tests/serve/dataweb_fixture.py): no skip."""
    view = dataweb_client.get("/reach.json", params={"category": "address"}).json()
    assert "address" in view["data"]["options"]
    paths = {p["summary"]: p for p in view["data"]["paths"]}
    through = paths[
        "Broker records → Broker Search → Case System → Example Enforcement Office"
    ]
    assert [(s["source"], s["target"]) for s in through["segments"]] == [
        ("ds.records", "sys.search"),
        ("sys.search", "sys.case"),
        ("sys.case", "org.comp"),
    ]
    # the reseller and the contract are beside the last hop of the flow, not on it
    assert through["segments"][0]["facilitators"] == []
    assert [(f["id"], f["role"]) for f in through["segments"][1]["facilitators"]] == [
        ("con.sub", "contract"),
        ("org.reseller", "reseller"),
    ]
    assert all(step["sources"] for p in paths.values() for step in p["steps"])
    kinds = [s["kind"] for s in through["segments"][0]["sources"]]
    assert kinds == ["primary_document", "reporting", "mirror"]
    assert through["segments"][0]["status"] == "reported"  # as of 2026-06-01
    assert view["data"]["as_of"] == "2026-06-01"
    html = dataweb_client.get("/reach", params={"category": "address"}).text
    assert "Facilitated by (not a hop): contract" in html
    assert "/dataweb#path=address/" in html
    assert (
        dataweb_client.get("/reach.json", params={"category": "nope_x"}).status_code
        == 404
    )


def test_dataweb_node_page_shows_sources(dataweb_client):
    """Guards the node page: the same ranked sources as the graph, each citation a
    link to its source page, the status as of the day."""
    graph = dataweb_client.get("/dataweb/graph.json").json()["data"]
    node = next(n for n in graph["nodes"] if n["id"] == "sys.case")
    assert [s["kind"] for s in node["sources"]] == [
        "primary_document",
        "official_statement",
        "reporting",
        "mirror",
    ]
    view = dataweb_client.get("/dataweb/node/sys.case.json").json()
    assert view["tables"]["sources"] == node["sources"]
    assert json.dumps(node["sources"][0]["title"])[1:-1] in json.dumps(view)
    html = dataweb_client.get("/dataweb/node/sys.case").text
    assert html.index("Order on the records subscription") < html.index(
        "How the office searches records"
    )
    assert 'href="/dataweb/node/src.order"' in html
    assert "<strong>reported</strong> as of 2026-06-01" in html
    assert "the evidence ends 2026-02" in html


def test_dataweb_graph_has_unique_ids_and_award_nodes_link_to_the_store(
    dataweb_client,
):
    """Guards the explorer's graph: unique element ids, every edge between nodes,
    flows hop by hop, and an award node linking to its page in the store."""
    graph = dataweb_client.get("/dataweb/graph.json").json()["data"]
    ids = [n["id"] for n in graph["nodes"]] + [e["id"] for e in graph["edges"]]
    assert len(ids) == len(set(ids))  # the explorer needs unique element ids
    described = [e for e in graph["edges"] if e["relation"] == "describes"]
    assert len(described) == 2  # one figure, two targets: two distinct ids
    node_ids = {n["id"] for n in graph["nodes"]}
    assert all(
        e["source"] in node_ids and e["target"] in node_ids for e in graph["edges"]
    )
    hops = [e for e in graph["edges"] if e.get("flow") == "flow.records_to_case"]
    assert {(e["source"], e["target"], e["relation"]) for e in hops} == {
        ("ds.records", "sys.search", "flow"),
        ("sys.search", "sys.case", "flow"),
        ("con.sub", "sys.case", "facilitates"),
        ("org.reseller", "sys.case", "facilitates"),
    }
    awards = [n["id"] for n in graph["nodes"] if n["id"].startswith("award:")]
    assert awards == [f"award:{CLEARVIEW}"]
    html = dataweb_client.get(f"/dataweb/node/{awards[0]}").text
    assert "This contract in the store" in html
    assert f'href="/award/{CLEARVIEW}"' in html


def test_default_app_serves_the_shipped_data_web(client):
    """The app without a fixture loads the shipped data web (or fails here)."""
    from custodes.dataweb.loader import load_dataweb

    web = load_dataweb()
    graph = client.get("/dataweb/graph.json").json()["data"]
    curated = {
        e.id
        for e in web.entries.values()
        if e.kind not in ("flow", "source", "funding")
    }
    assert curated <= {n["id"] for n in graph["nodes"]}
    flows = {e["flow"] for e in graph["edges"] if e["relation"] == "flow"}
    assert flows == {f.id for f in web.of_kind("flow")}


def test_methodology_lists_rules_overrides_and_freshness(client):
    view = client.get("/methodology.json").json()
    files = {r["file"] for r in view["tables"]["rules"]}
    assert "custodes/data/taxonomy/taxonomy.yaml" in files
    assert view["data"]["transactions"] > 0 and view["tables"]["ingest_runs"]
    overrides = view["tables"]["overrides"]
    if overrides:
        assert set(overrides[0]) == {"award", "label", "reason"}
