"""Watchlists, the digest of new and changed awards, the Atom feed and the webhook."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.etree import ElementTree as ET

import duckdb
import pytest

from custodes.settings import Settings
from custodes.store import open_store
from custodes.sync.atom import build_atom_feed
from custodes.sync.digest import build_digest, render_html, render_markdown
from tests.sync.atom_rules import atom_problems

FY = ["--fy", "2024"]


def row(
    piid: str,
    mod: str,
    amount: str,
    day: str,
    company: str,
    text: str,
    agency: str = "ICE",
) -> dict[str, str]:
    code = "7012" if agency == "ICE" else "7014"
    return {
        "Agency": agency,
        "Award ID": piid,
        "Recipient Name": company,
        "Federal Action Obligation": amount,
        "Action Date": day,
        "Modification": mod,
        "Product/Service Description": "IT AND TELECOM - OTHER",
        "NAICS Description": "SOFTWARE PUBLISHERS",
        "Transaction Description": text,
        "Generated Award ID": f"CONT_AWD_{piid}_{code}_-NONE-_-NONE-",
    }


BASE = [
    row(
        "70WATCH0001",
        "0",
        "100000.00",
        "2024-01-10",
        "REDWOOD FORENSIC TOOLS INC",
        "FORENSIC SOFTWARE LICENSES",
    ),
    row(
        "70WATCH0002",
        "0",
        "250000.00",
        "2024-02-11",
        "REDWOOD FORENSIC TOOLS INC",
        "MOBILE DEVICE EXTRACTION KITS",
    ),
    row(
        "70WATCH0003",
        "0",
        "75000.00",
        "2024-03-12",
        "CEDAR LABS LLC",
        "DATA ANALYTICS <PLATFORM> SUPPORT",
        agency="CBP",
    ),
    row(
        "70WATCH0004",
        "0",
        "5000.00",
        "2024-03-15",
        "GRANITE FURNITURE CO",
        "OFFICE CHAIRS",
    ),
]


@pytest.fixture
def two_syncs(fake_api, sync, db_path):
    """Sync BASE, then let the API change: a new mod, a new award, a revised amount,
    and a description-only edit; sync again. Returns the fake API."""
    api = fake_api([dict(r) for r in BASE])
    assert sync(api.url, *FY)[0] == 0
    api.add_rows(
        [
            row(
                "70WATCH0001",
                "P00001",
                "-20000.00",
                "2024-05-01",
                "REDWOOD FORENSIC TOOLS INC",
                "DEOBLIGATE UNUSED FUNDS",
            ),
            row(
                "70WATCH0005",
                "0",
                "600000.00",
                "2024-06-01",
                "REDWOOD FORENSIC TOOLS INC",
                "FORENSIC SOFTWARE ENTERPRISE LICENSE",
            ),
        ]
    )
    for rec in api.records:
        if rec["Award ID"] == "70WATCH0002":
            rec["Transaction Amount"] = "260000.00"
        if rec["Award ID"] == "70WATCH0004":
            rec["Transaction Description"] = "OFFICE CHAIRS AND DESKS"
    api.changed()
    code, s = sync(api.url, *FY)
    assert code == 0 and s["new"] == 2 and s["changed"] == 2
    return api


def settings_for(db_path) -> Settings:
    return Settings(db=db_path)


def test_watch_add_list_remove(cli):
    out = json.loads(cli("watch", "add", "keyword", "forensic", "--json").stdout)
    assert out["watch_id"] == 1 and not out["existing"]
    again = json.loads(cli("watch", "add", "KEYWORD", "FORENSIC", "--json").stdout)
    assert again["existing"] and again["watch_id"] == 1
    cli("watch", "add", "vendor", "redwood")
    listed = json.loads(cli("watch", "list", "--json").stdout)
    assert [(w["kind"], w["value"]) for w in listed] == [
        ("keyword", "forensic"),
        ("vendor", "redwood"),
    ]
    cli("watch", "remove", "1")
    assert len(json.loads(cli("watch", "list", "--json").stdout)) == 1
    assert "no watch with id 9" in cli("watch", "remove", "9", expect=1).output
    cli("watch", "add", "person", "x", expect=2)  # not a kind custodes offers


def test_category_watch_takes_an_id_or_label_and_refuses_a_typo(cli):
    """A category watch is matched on the exact taxonomy id, so a misspelt one
    (`face_recogniton`) used to be stored and silently never match; now it is refused
    with the ids, and a label or another case is stored as the id."""
    out = cli("watch", "add", "category", "face_recogniton", expect=1).output
    assert "unknown category 'face_recogniton'" in out
    assert "face_recognition" in out
    assert json.loads(cli("watch", "list", "--json").stdout) == []
    label = json.loads(
        cli("watch", "add", "category", "Licence plate readers", "--json").stdout
    )
    assert label["value"] == "license_plate_readers"
    upper = json.loads(
        cli("watch", "add", "category", "FACE_RECOGNITION", "--json").stdout
    )
    assert upper["value"] == "face_recognition"


def test_digest_flags_a_category_watch_that_can_never_match(two_syncs, cli, db_path):
    """A misspelt category watch stored before `watch add` checked the name says in
    the digest that it matches nothing, and what to do."""
    con = duckdb.connect(str(db_path))
    con.execute(
        "CREATE TABLE classification AS SELECT award_key, 'face_recognition' AS "
        'category FROM "transaction"'
    )
    con.close()
    cli("watch", "add", "category", "face_recognition")
    with open_store(settings_for(db_path), write=True) as store:
        store.execute(
            "INSERT INTO watch VALUES (2, 'category', 'face_recogniton', now())"
        )
    d = json.loads(cli("digest", "--since", "0", "--json").stdout)
    good, typo = d["watches"]
    assert good["note"] is None and good["awards"]
    assert "matches nothing" in typo["note"] and typo["awards"] == []


def test_digest_reports_new_and_changed_awards(two_syncs, cli, db_path):
    cli("watch", "add", "vendor", "redwood")
    cli("watch", "add", "keyword", "office chairs")
    d = json.loads(cli("digest", "--json").stdout)
    redwood, chairs = d["watches"]
    by_key = {a["award_key"].split("_")[2]: a for a in redwood["awards"]}
    assert set(by_key) == {"70WATCH0001", "70WATCH0002", "70WATCH0005"}
    assert by_key["70WATCH0005"]["change"] == "new"
    assert by_key["70WATCH0005"]["new_obligation_usd"] == "600000.00"
    assert by_key["70WATCH0001"]["change"] == "changed"
    assert by_key["70WATCH0001"]["new_transactions"] == 1
    assert by_key["70WATCH0001"]["award_total_usd"] == "80000.00"
    assert by_key["70WATCH0002"]["revised_transactions"] == 1
    assert by_key["70WATCH0002"]["revision_delta_usd"] == "10000.00"
    assert (
        redwood["method"] == "recipient name text"
        and "custodes resolve" in redwood["note"]
    )
    assert chairs["awards"] == []  # a description-only edit is not news
    first = json.loads(cli("digest", "--since", "0", "--json").stdout)  # both runs
    assert {a["change"] for a in first["watches"][0]["awards"]} == {"new"}


def test_resolved_vendor_families_and_categories_are_used(two_syncs, cli, db_path):
    con = duckdb.connect(str(db_path))
    con.execute(
        "CREATE TABLE vendor AS SELECT * FROM (VALUES ('v1', 'REDWOOD FORENSIC', "
        "NULL, 'v1', 'company'), ('v2', 'CEDAR LABS', 'v1', 'v1', 'company')) "
        "t(vendor_id, name, parent_id, family_id, kind)"
    )
    con.execute(
        "CREATE TABLE transaction_vendor AS SELECT transaction_key, CASE WHEN "
        "recipient_name LIKE 'CEDAR%' THEN 'v2' WHEN recipient_name LIKE 'REDWOOD%' "
        "THEN 'v1' ELSE 'v9' END AS vendor_id FROM \"transaction\""
    )
    con.execute(
        "CREATE TABLE classification AS SELECT award_key, 'digital_forensics' AS "
        "category FROM \"transaction\" WHERE piid IN ('70WATCH0005', '70WATCH0003')"
    )
    con.close()
    cli("watch", "add", "vendor", "redwood")
    cli("watch", "add", "category", "digital_forensics")
    d = json.loads(cli("digest", "--since", "0", "--json").stdout)
    family, category = d["watches"]
    assert family["method"] == "resolved vendor family" and family["note"] is None
    assert {a["recipient_name"] for a in family["awards"]} == {
        "REDWOOD FORENSIC TOOLS INC",
        "CEDAR LABS LLC",
    }  # the subsidiary comes along
    assert sorted(a["award_key"].split("_")[2] for a in category["awards"]) == [
        "70WATCH0003",
        "70WATCH0005",
    ]


def test_markdown_html_and_atom(two_syncs, cli, db_path):
    cli("watch", "add", "vendor", "cedar")
    cli("watch", "add", "vendor", "redwood")
    with open_store(settings_for(db_path)) as store:
        d = build_digest(store, since="0")
        feed = build_atom_feed(store, since="0", base_url="https://example.org")
    md, page = render_markdown(d), render_html(d)
    assert "## vendor: cedar (watch 1)" in md
    assert (
        "(https://www.usaspending.gov/award/CONT_AWD_70WATCH0003_7014_-NONE-_-NONE-)"
        in md
    )
    assert "&lt;PLATFORM&gt;" in page and "<PLATFORM>" not in page
    # the HTML says what the Markdown says about each award, its total too
    for a in (a for w in d["watches"] for a in w["awards"]):
        usd = Decimal(a["award_total_usd"])
        total = f"award total {'-' if usd < 0 else ''}${abs(usd):,.2f}"
        assert total in md and total in page, total
    # the digest says what counts as surveillance, and for each award whether it does
    stated = d["definition"]
    assert f"What counts: {stated['text']}" in md and stated["name"].startswith("all")
    awards = [a for w in d["watches"] for a in w["awards"]]
    assert all(a["counted"] for a in awards)  # no classification: everything counts
    assert "(not classified yet)" in md
    root = ET.fromstring(feed.split("\n", 1)[1])
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = root.findall("a:entry", ns)
    assert len(entries) == d["matches"] == 1 + 3
    ids = [e.find("a:id", ns).text for e in entries]
    assert len(set(ids)) == len(ids) and all(
        i.startswith("https://example.org/watch/") for i in ids
    )
    assert all(e.find("a:updated", ns).text for e in entries)
    cli_feed = cli("digest", "--since", "0", "--format", "atom").stdout
    assert cli_feed.count("<entry>") == 4
    assert atom_problems(feed) == atom_problems(cli_feed) == []  # RFC 4287


class Receiver:
    """A webhook receiver on 127.0.0.1 that answers from a script of status codes."""

    def __init__(self, statuses: list[int]):
        self.statuses, self.bodies = list(statuses), []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.bodies.append(json.loads(body))
                status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                if status == 503:
                    self.send_header("Retry-After", "0.2")
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_webhook_retries_then_delivers(two_syncs, cli):
    cli("watch", "add", "vendor", "redwood")
    with Receiver([503, 500]) as hook:
        result = cli("digest", "--webhook", hook.url, "--json")
    assert "after 3 attempt(s)" in result.output
    assert len(hook.bodies) == 3
    assert hook.bodies[-1]["matches"] == json.loads(result.stdout)["matches"] == 3


def test_webhook_refusal_exits_5(two_syncs, cli):
    cli("watch", "add", "vendor", "redwood")
    with Receiver([400]) as hook:
        result = cli("digest", "--webhook", hook.url, expect=5)
    assert len(hook.bodies) == 1 and "did not accept" in result.output


def test_sync_posts_the_digest_of_its_run(fake_api, sync, cli):
    api = fake_api([dict(r) for r in BASE])
    cli("watch", "add", "keyword", "forensic")
    with Receiver([]) as hook:
        code, s = sync(api.url, *FY, "--digest-webhook", hook.url)
        assert code == 0 and s["watch"]["matches"] == 2  # name or description
        assert s["watch"]["webhook"]["status"] == 200
        assert hook.bodies[0]["runs"] == [s["ingest_run_id"]]
        code, s = sync(api.url, *FY, "--digest-webhook", hook.url)  # nothing new
    assert s["watch"]["matches"] == 0 and len(hook.bodies) == 1


def test_individual_recipients_are_never_matched(fake_api, sync, cli):
    person = row(
        "70WATCH0009",
        "0",
        "9000.00",
        "2024-04-04",
        "DOE, JANE Q",
        "FORENSIC SOFTWARE TRAINING",
    )  # a placeholder sole proprietor
    api = fake_api([dict(r) for r in BASE] + [person])
    assert sync(api.url, *FY)[0] == 0
    cli("watch", "add", "keyword", "forensic software")
    cli("watch", "add", "vendor", "doe")
    d = json.loads(cli("digest", "--json").stdout)
    keyword, vendor = d["watches"]
    assert [a["award_key"].split("_")[2] for a in keyword["awards"]] == ["70WATCH0001"]
    assert vendor["awards"] == []
