"""What's new (/new and its feed) and the Atom feeds of a vendor, a maker, a category
and a saved search, on the serve fixture store; every feed read back by a real parser
(feedparser)."""

from __future__ import annotations

import html
import json
from datetime import date
from decimal import Decimal

import pytest

from custodes.figures.recipients import WITHHELD
from tests.serve.fixture_store import vendor_id
from tests.sync.atom_rules import atom_problems

feedparser = pytest.importorskip("feedparser")


def parse(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("application/atom+xml")
    assert atom_problems(response.text) == []  # RFC 4287 beyond what parsers check
    parsed = feedparser.parse(response.text)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def all_actions(client, query: str = "") -> list[dict]:
    """Every action /new.json lists for QUERY, page by page."""
    rows, page = [], 1
    while True:
        got = client.get(f"/new.json?size=100&page={page}{query}").json()
        rows += got["tables"]["actions"]
        if page >= got["data"]["pages"]:
            return rows
        page += 1


def test_whats_new_is_by_action_date_with_a_threshold(client):
    every = all_actions(client, "&from=1990-01-01&include_zero=1")
    assert every, "the fixture store has surveillance actions"
    dates = [r["action_date"] for r in every]
    assert dates == sorted(dates, reverse=True)  # newest signed first
    big = all_actions(client, "&from=1990-01-01&min=1000000")
    assert big and len(big) < len(every)
    assert all(abs(Decimal(r["obligation_usd"])) >= 1_000_000 for r in big)
    expected = {
        r["transaction_key"]
        for r in every
        if abs(Decimal(r["obligation_usd"])) >= 1_000_000
    }
    assert {r["transaction_key"] for r in big} == expected
    data = client.get("/new.json?from=1990-01-01").json()["data"]
    assert data["definition"]["name"] == "surveillance" and data["definition"]["text"]
    assert data["scope"]["counted_only"] is True
    assert not any(Decimal(r["obligation_usd"]) == 0 for r in all_actions(
        client, "&from=1990-01-01"))  # fmt: skip
    # the default window: the 90 days before the newest action in the store
    default = client.get("/new.json").json()["data"]
    newest = date.fromisoformat(default["newest_action_date"])
    assert (newest - date.fromisoformat(default["scope"]["since"])).days == 90


def test_whats_new_page_offers_its_feed_and_states_the_definition(client):
    html = client.get("/new?min=100000&agency=CBP").text
    assert 'rel="alternate" type="application/atom+xml"' in html
    assert "/feeds/new.atom?min=100000&amp;agency=CBP" in html
    assert 'id="definition"' in html and "What counts" in html
    parsed = parse(client, "/feeds/new.atom?min=100000&agency=CBP")
    assert parsed.entries
    assert all(
        "U.S. Customs and Border Protection" in e.summary for e in parsed.entries
    )
    assert "of at least $100,000.00 either way" in parsed.feed.subtitle
    assert "What counts:" in parsed.feed.subtitle


def test_vendor_maker_category_and_search_feeds(client):
    babel = vendor_id("BABEL STREET, INC.")
    vendor = parse(client, f"/feeds/vendor/{babel}.atom")
    maker = parse(client, "/feeds/maker/Babel%20Street.atom")
    assert [e.id for e in vendor.entries] == [e.id for e in maker.entries]
    resold = [e for e in vendor.entries if "through reseller" in e.summary]
    direct = [e for e in vendor.entries if "BABEL STREET, INC." in e.title]
    assert resold and direct  # both channels
    assert len({e.id for e in vendor.entries}) == len(vendor.entries)
    category = parse(client, "/feeds/category/face_recognition.atom")
    assert category.entries and all(
        e.tags[0].term == "face_recognition" for e in category.entries
    )
    search = parse(client, "/feeds/search.atom?q=cellebrite")
    assert search.entries
    assert all("CELLEBRITE" in e.summary.upper() for e in search.entries)
    assert "Search: q=cellebrite" in search.feed.title
    for url in ("/feeds/vendor/no-such.atom", "/feeds/maker/Nobody.atom",
                "/feeds/category/no_such.atom"):  # fmt: skip
        assert client.get(url).status_code == 404


PERSON_CSV = (
    "Agency,Award ID,Recipient Name,Federal Action Obligation,Action Date,"
    "Modification,Product/Service Description,NAICS Description,"
    "Transaction Description,Generated Award ID\n"
    'ICE,70CMSD24P00000901,"DOE, JANE Q",9000.00,2024-04-04,0,SUPPORT,'
    "INTERPRETERS,INTERPRETING SERVICES,CONT_AWD_70CMSD24P00000901_7012_-NONE-_-NONE-\n"
    "ICE,70CMSD24P00000902,REDWOOD FORENSIC TOOLS INC,5000.00,2024-04-05,0,SUPPORT,"
    "SOFTWARE,FORENSIC LICENSES,CONT_AWD_70CMSD24P00000902_7012_-NONE-_-NONE-\n"
)


def test_feeds_follow_institutions_never_a_person(tmp_path):
    """A natural person is never a vendor, so there is no feed of one; their award in
    another feed keeps the withheld name (custodes/figures/recipients.py)."""
    from click.testing import CliRunner
    from starlette.testclient import TestClient

    from custodes.cli import main
    from custodes.serve.app import build_app
    from custodes.settings import Settings

    source = tmp_path / "people.csv"
    source.write_text(PERSON_CSV)
    db = tmp_path / "people.duckdb"
    outputs = []
    for args in (
        ["ingest", str(source)],
        ["watch", "add", "vendor", "DOE, JANE Q"],
        ["watch", "add", "keyword", "interpreting"],
        ["digest", "--since", "0", "--include-zero", "--json"],
        ["serve", "--prepare"],
    ):
        done = CliRunner().invoke(main, ["--db", str(db), *args])
        assert done.exit_code == 0, done.output
        outputs.append(done.stdout)
    # a watch typed with a person's name, or words of their award, finds nothing
    digest = json.loads(outputs[3])
    assert [w["awards"] for w in digest["watches"]] == [[], []]
    with TestClient(build_app(Settings(db=db))) as web:
        feed = parse(web, "/feeds/new.atom")
        text = web.get("/feeds/new.atom").text
        assert len(feed.entries) == 2
        assert "DOE" not in text.upper() and "JANE" not in text.upper()
        assert any(WITHHELD in e.title for e in feed.entries)
        rows = web.get("/new.json").json()["tables"]["actions"]
        person = [r for r in rows if r["recipient_name"] == WITHHELD]
        assert len(person) == 1 and person[0]["vendor_id"] is None
        # a saved search of the person's name follows nothing
        assert parse(web, "/feeds/search.atom?q=jane%20doe").entries == []
        vendors = {r["vendor_id"] for r in rows if r["vendor_id"]}
        assert len(vendors) == 1  # the company only: no feed can follow the person


def test_whats_new_and_its_feed_keep_the_definition_asked_for(client):
    """components=include (the web app's one choice of Definition) reaches /new, its
    filters form, its feed link and the feed's statement of what counts."""
    default = client.get("/new.json?from=1990-01-01").json()["data"]["definition"]
    chosen = client.get("/new.json?from=1990-01-01&components=include").json()
    assert default["include_components"] is False
    assert chosen["data"]["definition"]["include_components"] is True
    assert chosen["data"]["definition"]["text"] != default["text"]
    html = client.get("/new?components=include").text
    assert 'name="components" value="include"' in html
    assert "/feeds/new.atom?components=include" in html
    feed = parse(client, "/feeds/new.atom?components=include")
    assert chosen["data"]["definition"]["text"] in feed.feed.subtitle


def test_category_and_search_pages_offer_their_feeds(client):
    """A reporter subscribes from the page they are reading: the category page and any
    search link their feeds, in the page and for feed readers in its head."""
    from html import unescape

    html = client.get("/category/face_recognition?components=include").text
    feed_url = "/feeds/category/face_recognition.atom?components=include"
    assert f'id="category-feed" href="{feed_url}"' in html
    assert html.count(feed_url) == 2  # the page and its head
    category = parse(client, feed_url)
    assert category.entries
    html = client.get("/search?q=cellebrite&agency=CBP&page=2").text
    links = {
        unescape(part.split('"')[0])
        for part in html.split('href="')[1:]
        if part.startswith("/feeds/search.atom")
    }
    assert links == {"/feeds/search.atom?q=cellebrite&agency=CBP"}  # head and page
    search = parse(client, links.pop())
    assert search.entries and "q=cellebrite, agency=CBP (" in search.feed.title


def test_the_api_document_lists_every_feed(client):
    """An API user finds the feeds in /openapi.json, each answering Atom as documented
    (schemathesis fuzzes them with every endpoint: tests/serve/test_api_schema.py)."""
    spec = client.get("/openapi.json").json()
    feeds = {p: v["get"] for p, v in spec["paths"].items() if p.startswith("/feeds/")}
    babel = vendor_id("BABEL STREET, INC.")
    examples = {
        "/feeds/new.atom": "/feeds/new.atom?min=100000",
        "/feeds/vendor/{ident}.atom": f"/feeds/vendor/{babel}.atom",
        "/feeds/maker/{ident}.atom": f"/feeds/maker/{babel}.atom",
        "/feeds/category/{ident}.atom": "/feeds/category/face_recognition.atom",
        "/feeds/search.atom": "/feeds/search.atom?q=cellebrite",
        "/feeds/watch.atom": "/feeds/watch.atom",
    }
    assert set(feeds) == set(examples)
    for path, url in examples.items():
        assert "application/atom+xml" in feeds[path]["responses"]["200"]["content"]
        named = {q["name"] for q in feeds[path]["parameters"]}
        assert ("ident" in named) == ("{ident}" in path)
        assert atom_problems(client.get(url).text) == [], url
    assert {"min", "include_zero", "components"} <= {
        q["name"] for q in feeds["/feeds/vendor/{ident}.atom"]["parameters"]
    }
    answer = client.get("/feeds/vendor/no-such.atom")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")


def test_whats_new_with_from_after_to_says_swap_them(client):
    """A date range the wrong way round is a clear 400 naming both parameters, as on
    /search, on the page, its JSON and its feed; it was an empty list, as if nothing
    had been signed."""
    params = {"from": "2024-01-01", "to": "2023-01-01"}
    for path in ("/new.json", "/new", "/feeds/new.atom"):
        got = client.get(path, params=params)
        assert got.status_code == 400, (path, got.text[:200])
        text = html.unescape(got.text)
        assert "Parameter 'from' is after 'to'. Swap them." in text, path
    assert client.get("/new.json", params={**params, "to": "2024-01-01"}).is_success


def test_whats_new_says_what_it_lists_and_what_it_leaves_out(client):
    """The page says its actions are on surveillance awards only (each action's
    award counts under the definition) and that $0 administrative actions are left
    out, which read as "$0 actions left out" (as if no dollars were left out); its
    total is named as the actions' net obligations."""
    body = client.get("/new.json?from=1990-01-01").json()
    assert body["tables"]["actions"]
    assert all(r["counted"] for r in body["tables"]["actions"])
    text = html.unescape(client.get("/new?from=1990-01-01").text)
    assert "on awards that count as surveillance under the definition above" in text
    assert "administrative actions of $0 left out" in text
    assert "$0 actions left out" not in text
    net = f"their net obligations: ${Decimal(body['data']['obligation_usd']):,.2f}."
    assert net in text
    text = html.unescape(client.get("/new?from=1990-01-01&include_zero=1").text)
    assert "administrative actions of $0 left out" not in text
