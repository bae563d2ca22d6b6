"""One attribution of money to vendors: each transaction under its own vendor.

An award whose transactions went to two vendors (tests/fixtures/attribution/
novation.csv: NORTHWIND OPTICS INC was paid $1,250,000.00 over FY2021-22, then the
contract was novated to SOUTHWIND IMAGING LLC, paid $400,000.00 and deobligated
$50,000.00 in FY2023) gives each vendor its own transactions' money everywhere: the
vendor pages (HTML, .json, .csv), the dashboard's vendor table, `custodes analyse
totals --by vendor --json` and `custodes vendor show --json`. The totals over vendors
equal the scope's total. The web app used to put the whole award under the vendor of
its latest action (SOUTHWIND: $1,600,000.00; NORTHWIND: its other award only).

The feeds and the what's-new page name each action's own vendor, and a vendor's feed
lists what it was paid (the novated award in both vendors' feeds). A maker's channels
(tests/fixtures/attribution/channels.csv) count an award bought both ways, part from
the maker and part through a reseller, once in the total.

The store is real: the web app's fixture CSVs and the novation, ingested, resolved and
classified by the commands, and the derived tables built by `serve --prepare` and
`analyse prepare`.

The search finds an award that changed hands under each vendor paid on it (its
vendor facet and `?vendor=`), and a vendor page's coverage line counts that vendor's
own awards known only through later modifications (tests below; both counted every
award under the vendor of its latest action, or the whole store's, before).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from custodes.cli import main
from tests.figures.test_one_answer import Cells
from tests.serve.fixture_store import FIXTURE_CSVS

NOVATION = Path(__file__).resolve().parents[1] / "fixtures/attribution/novation.csv"
# Babel Street paid on an award later novated to a reseller (bought both ways), and an
# award naming Babel Street novated from one reseller to another
CHANNELS = Path(__file__).resolve().parents[1] / "fixtures/attribution/channels.csv"
BOTH_WAYS = "CONT_AWD_70CMSD21F00007777_7012_-NONE-_-NONE-"
TWO_RESELLERS = "CONT_AWD_70CMSD22F00006666_7012_-NONE-_-NONE-"
AWARD = "CONT_AWD_70CMSD21C00009999_7012_-NONE-_-NONE-"
# what each vendor was paid, by fiscal year, read off the CSV by hand
PAID = {
    "NORTHWIND OPTICS INC": {
        2021: Decimal("1000000.00"),
        2022: Decimal("250000.00") + Decimal("80000.00"),  # and its own award
    },
    "SOUTHWIND IMAGING LLC": {2023: Decimal("400000.00") - Decimal("50000.00")},
}
PART = {  # of the novated award alone
    "NORTHWIND OPTICS INC": (Decimal("1250000.00"), 2),
    "SOUTHWIND IMAGING LLC": (Decimal("350000.00"), 2),
}
# An award the store knows only through later modifications (no modification 0),
# novated too: EASTWIND was paid $120,000.00 in FY2022, WESTWIND $30,000.00 in FY2023
# (its latest action). Its descriptions alone hold the word KESTREL.
MOD_ONLY = "CONT_AWD_70CMSD20C00005555_7012_-NONE-_-NONE-"
MOD_ONLY_PAID = {
    "EASTWIND SENSORS LLC": Decimal("120000.00"),
    "WESTWIND ANALYTICS INC": Decimal("30000.00"),
}


def reader_rows(web, sql: str, params: list | None = None) -> list[dict]:
    """Rows from the store the web app holds open."""
    return web.app.state.reader.rows(sql, params or [], cache=False)


def cli(db: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def run(db: Path, *args: str) -> str:
    """`custodes ARGS` as its own process (the web app holds the store open here)."""
    done = subprocess.run(
        [sys.executable, "-m", "custodes", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("attribution") / "store.duckdb"
    cli(db, "ingest", *map(str, FIXTURE_CSVS), str(NOVATION), str(CHANNELS))
    cli(db, "resolve")
    cli(db, "classify")
    cli(db, "serve", "--prepare")
    cli(db, "analyse", "prepare")
    return db


@pytest.fixture(scope="module")
def vendors(web) -> dict[str, str]:
    """Recipient name -> vendor id, from the web app's vendor search."""
    out = {}
    for name in PAID:
        found = web.get("/search.json", params={"q": name}).json()["tables"]
        ids = [v["vendor_id"] for v in found["vendors"] if v["name"] == name]
        assert len(ids) == 1, (name, found["vendors"])
        out[name] = ids[0]
    return out


def test_the_award_went_to_two_vendors(web):
    """The fixture means something: its latest action is SOUTHWIND's, and the
    award is classified as surveillance, so that every table below counts it."""
    award = web.get(f"/award/{AWARD}.json").json()["data"]["award"]
    assert award["vendor_name"] == "SOUTHWIND IMAGING LLC"
    assert Decimal(award["obligation_usd"]) == Decimal("1600000.00")
    assert award["category"] == "license_plate_readers"


def test_every_place_gives_each_vendor_its_own_transactions(store, web, vendors):
    for name, years in PAID.items():
        vendor_id = vendors[name]
        total = sum(years.values(), Decimal(0))
        # the vendor page as JSON: totals, and each year
        view = web.get(f"/vendor/{vendor_id}.json", params={"size": 100}).json()
        head = view["data"]["vendor"]
        assert Decimal(head["obligation_usd"]) == total, name
        assert Decimal(head["surveillance_usd"]) == total, name
        assert {
            r["fiscal_year"]: Decimal(r["obligation_usd"])
            for r in view["tables"]["by_year"]
        } == years
        assert {
            r["fiscal_year"]: Decimal(r["surveillance_usd"])
            for r in view["tables"]["by_year"]
        } == years
        # its awards: the novated one is listed with the vendor's part of it
        awards = {a["award_key"]: a for a in view["tables"]["awards"]}
        mine = awards[AWARD]
        assert (
            Decimal(mine["vendor_obligation_usd"]),
            mine["vendor_transactions"],
        ) == PART[name]
        assert Decimal(mine["obligation_usd"]) == Decimal("1600000.00")
        assert mine["vendor_part"].startswith("part: 2 of 4 transactions")
        assert (
            sum(
                (Decimal(a["vendor_obligation_usd"]) for a in awards.values()),
                Decimal(0),
            )
            == total
        )
        # as CSV
        text = web.get(f"/vendor/{vendor_id}.csv", params={"size": 100}).text
        rows = list(csv.DictReader(io.StringIO(text)))
        assert {r["award_key"]: Decimal(r["vendor_obligation_usd"]) for r in rows} == {
            k: Decimal(a["vendor_obligation_usd"]) for k, a in awards.items()
        }
        # as HTML: the awards table says what part was the vendor's
        cells = Cells("table-awards")
        cells.feed(web.get(f"/vendor/{vendor_id}", params={"size": 100}).text)
        shown = {r["Award"]: r for r in cells.records()}
        paid = shown[AWARD]["Paid to this vendor"]
        assert Decimal(paid.replace("$", "").replace(",", "")) == PART[name][0]
        assert "another vendor" in shown[AWARD]["This vendor's part"]
        # custodes vendor show
        detail = json.loads(run(store, "vendor", "show", vendor_id, "--json"))
        assert Decimal(detail["totals"]["obligation_usd"]) == total, name
        assert Decimal(detail["totals"]["surveillance_usd"]) == total, name
        assert detail["totals"]["transactions"] == head["transactions"]
        assert detail["totals"]["awards"] == head["awards"] == len(awards)
        listed = {a["award_key"]: a for a in detail["awards"]}
        assert (
            Decimal(listed[AWARD]["vendor_obligation_usd"]),
            listed[AWARD]["vendor_transactions"],
        ) == PART[name]


def _dashboard(web, fy: int | None) -> tuple[dict[str, Decimal], Decimal]:
    params: dict[str, str | int] = {"agency": "ICE"}
    if fy is not None:
        params["fy"] = fy
    view = web.get("/dashboard.json", params=params).json()
    table = view["tables"]["by_vendor"]
    rows = {r["vendor_id"]: Decimal(r["obligation_usd"]) for r in table}
    if fy is None:
        scope = Decimal(view["data"]["total_usd"])
    else:
        scope = sum(
            (Decimal(r["obligation_usd"]) for r in view["tables"]["by_year"]
             if r["fiscal_year"] == fy),
            Decimal(0),
        )  # fmt: skip
    return rows, scope


def _command(store: Path, *extra: str) -> dict[str, Decimal]:
    rows = json.loads(
        run(store, "analyse", "totals", "--by", "vendor", "--agency", "ICE", "--json",
            *extra)
    )  # fmt: skip
    return {r["vendor_id"]: Decimal(r["obligation_usd"]) for r in rows}


def test_the_dashboard_and_the_command_agree_and_add_up(store, web, vendors):
    for fy in (None, 2021, 2022, 2023):
        table, scope = _dashboard(web, fy)
        command = _command(store, *(["--fy", str(fy)] if fy else []))
        assert table == command, fy
        # every dollar of the scope under exactly one vendor (or the withheld row)
        assert sum(table.values(), Decimal(0)) == scope, fy
        for name, years in PAID.items():
            want = sum(years.values(), Decimal(0)) if fy is None else years.get(fy)
            assert table.get(vendors[name]) == want, (name, fy)


def test_the_vendors_totals_are_the_stores_money(web):
    """Summed over every vendor, the vendor pages' totals are the store's money
    (natural persons' transactions aside: withheld, never a vendor)."""
    from tests.serve.conftest import app_rows

    (row,) = app_rows(
        web,
        "SELECT sum(obligation_usd) AS everything, coalesce(sum(obligation_usd) "
        'FILTER (WHERE recipient_is_individual), 0) AS persons FROM "transaction"',
    )
    (vendors,) = app_rows(web, "SELECT sum(obligation_usd) AS usd FROM serve_vendor")
    assert vendors["usd"] == row["everything"] - row["persons"]


def test_the_category_pages_largest_vendors_count_their_own_transactions(web, vendors):
    view = web.get("/category/license_plate_readers.json").json()
    largest = {
        r["vendor_id"]: (Decimal(r["obligation_usd"]), r["awards"])
        for r in view["tables"]["vendors"]
    }
    for name, years in PAID.items():
        awards = 2 if name.startswith("NORTHWIND") else 1
        assert largest[vendors[name]] == (sum(years.values(), Decimal(0)), awards)


# each action of the fixture's two ICE awards (award, modification) -> the vendor it
# was paid to, read off the CSV by hand
PAID_ACTIONS = {
    (AWARD, "0"): "NORTHWIND OPTICS INC",
    (AWARD, "P00001"): "NORTHWIND OPTICS INC",
    (AWARD, "P00002"): "SOUTHWIND IMAGING LLC",
    (AWARD, "P00003"): "SOUTHWIND IMAGING LLC",
    ("CONT_AWD_70CMSD22P00008888_7012_-NONE-_-NONE-", "0"): "NORTHWIND OPTICS INC",
}


def _fixture_actions(web) -> dict[str, dict]:
    """The what's-new rows of the fixture's actions, by transaction key."""
    rows, page = [], 1
    while True:
        got = web.get(
            "/new.json", params={"from": "2000-01-01", "size": 100, "page": page}
        ).json()
        rows += got["tables"]["actions"]
        if page >= got["data"]["pages"]:
            break
        page += 1
    mine = {
        r["transaction_key"]: r
        for r in rows
        if (r["award_key"], r["modification_number"] or "0") in PAID_ACTIONS
    }
    assert len(mine) == len(PAID_ACTIONS)
    return mine


def test_whats_new_names_the_vendor_each_action_was_paid_to(web, vendors):
    """/new lists each action under its own vendor (it named the award's latest
    vendor: SOUTHWIND on NORTHWIND's 2021 and 2022 actions)."""
    rows = {
        (r["award_key"], r["modification_number"] or "0"): r
        for r in _fixture_actions(web).values()
    }
    assert {k: (r["vendor_name"], r["vendor_id"]) for k, r in rows.items()} == {
        k: (name, vendors[name]) for k, name in PAID_ACTIONS.items()
    }
    # the award's latest vendor stays in the row, named as such
    assert {k: r["award_vendor_name"] for k, r in rows.items()} == {
        k: "SOUTHWIND IMAGING LLC" if k[0] == AWARD else name
        for k, name in PAID_ACTIONS.items()
    }
    # and the page's "Paid to" column
    cells = Cells("table-actions")
    cells.feed(web.get("/new", params={"from": "2000-01-01", "size": 100}).text)
    shown = {
        (r["Award"], r["Modification"]): r["Paid to"]
        for r in cells.records()
        if r["Award"] == "70CMSD21C00009999"
    }
    assert shown == {
        ("70CMSD21C00009999", mod): name
        for (award, mod), name in PAID_ACTIONS.items()
        if award == AWARD
    }


@pytest.mark.parametrize("listed", [True, False])
def test_a_vendors_feed_lists_what_that_vendor_was_paid(
    web, vendors, monkeypatch, listed
):
    """/feeds/vendor/ID.atom: the actions paid to the vendor, on any award; the
    novated award is in both vendors' feeds, each with its own actions and money
    (NORTHWIND's feed lacked its $1,250,000.00 on it, SOUTHWIND's carried them).
    The same with the followed awards listed and past MAX_LISTED (a subquery)."""
    import xml.etree.ElementTree as ET
    from urllib.parse import unquote

    from custodes.figures import news

    if not listed:
        monkeypatch.setattr(news, "MAX_LISTED", 0)

    ns = {"a": "http://www.w3.org/2005/Atom"}
    actions = _fixture_actions(web)
    for name, vendor_id in vendors.items():
        response = web.get(f"/feeds/vendor/{vendor_id}.atom")
        assert response.status_code == 200, response.text[:500]
        entries = ET.fromstring(response.text).findall("a:entry", ns)
        keys = [
            unquote(e.findtext("a:id", namespaces=ns).rsplit("#action-", 1)[1])
            for e in entries
        ]
        want = {
            k
            for k, r in actions.items()
            if PAID_ACTIONS[(r["award_key"], r["modification_number"] or "0")] == name
        }
        assert set(keys) == want, name
        assert all(name in e.findtext("a:title", namespaces=ns) for e in entries)
        # each vendor's own money on the novated award
        paid = sum(
            (Decimal(actions[k]["obligation_usd"]) for k in keys
             if actions[k]["award_key"] == AWARD),
            Decimal(0),
        )  # fmt: skip
        assert paid == PART[name][0], name
        assert all("through reseller" not in (e.findtext("a:summary", namespaces=ns)
                                              or "") for e in entries)  # fmt: skip


def test_each_transaction_carries_the_vendor_it_was_paid_to(web, vendors):
    """serve_transaction's vendor_id and vendor_name are each transaction's own
    vendor: those of the stage tables by the one rule (serve_tables.
    transaction_vendor_sql), for every fixture transaction; summed by award, fiscal
    year and vendor they are serve_vendor_award; serve_action's own_vendor_id is the
    same vendor. On the novated award each vendor's own actions carry it (the award's
    latest vendor stays serve_action.vendor_id)."""
    from custodes.figures.serve_tables import transaction_vendor_sql

    have = {
        n: bool(
            reader_rows(
                web,
                "SELECT count(*) AS n FROM information_schema.tables "
                "WHERE table_name = ?",
                [n],
            )[0]["n"]
        )
        for n in ("vendor", "transaction_vendor")
    }
    staged = {
        r["transaction_key"]: (r["vendor_id"], r["vendor_name"])
        for r in reader_rows(web, transaction_vendor_sql(have))
    }
    served = {
        r["transaction_key"]: (r["vendor_id"], r["vendor_name"])
        for r in reader_rows(
            web, "SELECT transaction_key, vendor_id, vendor_name FROM serve_transaction"
        )
    }
    assert len(served) > 100 and served == staged
    summed = reader_rows(
        web,
        """SELECT award_id, fiscal_year, vendor_id, sum(obligation_usd) AS usd,
                  count(*) AS n
           FROM serve_transaction GROUP BY ALL
           EXCEPT SELECT award_id, fiscal_year, vendor_id, obligation_usd,
                         transactions FROM serve_vendor_award""",
    )
    assert summed == []
    actions = reader_rows(
        web,
        """SELECT count(*) AS n FROM serve_action s JOIN serve_transaction t
               USING (award_id, transaction_key)
           WHERE s.own_vendor_id IS DISTINCT FROM t.vendor_id""",
    )
    assert actions[0]["n"] == 0
    novated = reader_rows(
        web,
        """SELECT t.modification_number AS m, t.vendor_id, t.vendor_name,
                  s.vendor_id AS award_vendor_id
           FROM serve_transaction t JOIN serve_award a USING (award_id)
           JOIN serve_action s USING (award_id, transaction_key)
           WHERE a.award_key = ?""",
        [AWARD],
    )
    assert {(r["m"] or "0"): (r["vendor_name"], r["vendor_id"]) for r in novated} == {
        mod: (name, vendors[name])
        for (award, mod), name in PAID_ACTIONS.items()
        if award == AWARD
    }
    assert {r["award_vendor_id"] for r in novated} == {vendors["SOUTHWIND IMAGING LLC"]}


def test_a_makers_channels_count_an_award_bought_both_ways_once(store, web):
    """Babel Street's channels: BOTH_WAYS was paid to it ($500,000.00) and then to a
    reseller ($300,000.00); it is one award in the total and one in each channel (the
    total counted it twice). TWO_RESELLERS is one award through resellers, listed
    under each of its two resellers. Counted by hand from the stage tables."""

    found = web.get("/search.json", params={"q": "BABEL STREET"}).json()["tables"]
    (babel,) = [
        v["vendor_id"] for v in found["vendors"] if v["name"] == "BABEL STREET, INC."
    ]
    payees = {}
    for r in reader_rows(
        web,
        'SELECT t.award_key, tv.vendor_id FROM "transaction" t '
        "JOIN transaction_vendor tv USING (transaction_key)",
    ):
        payees.setdefault(r["award_key"], set()).add(r["vendor_id"])
    named = {
        r["award_key"]
        for r in reader_rows(
            web, "SELECT award_key FROM award_maker WHERE maker_vendor_id = ?", [babel]
        )
    }
    direct = {k for k, paid in payees.items() if babel in paid}
    resold = {k for k in named if payees[k] - {babel}}
    assert BOTH_WAYS in direct & resold and TWO_RESELLERS in resold - direct
    view = web.get(f"/vendor/{babel}.json").json()
    shown = view["data"]["channels"]
    detail = json.loads(run(store, "vendor", "show", babel, "--json"))["channels"]
    for c in (shown, detail):
        assert c["total"]["awards"] == len(direct | resold)
        assert c["direct"]["awards"] == len(direct)
        assert c["through_resellers"]["awards"] == len(resold)
        assert c["both"]["awards"] == len(direct & resold) == 1
        assert Decimal(c["both"]["obligation_usd"]) == Decimal("800000.00")
        assert sum(r["awards"] for r in c["resellers"]) == len(resold) + 1
        # the money adds up: each transaction in one channel
        assert Decimal(c["total"]["obligation_usd"]) == Decimal(
            c["direct"]["obligation_usd"]
        ) + Decimal(c["through_resellers"]["obligation_usd"])
    assert shown == json.loads(json.dumps(detail, default=str))
    page = web.get(f"/vendor/{babel}").text
    assert 'id="channels-both">1 award ($800,000.00)' in page
    printed = " ".join(run(store, "vendor", "show", babel).split())
    assert "1 award ($800,000.00) bought both ways" in printed


def test_the_award_page_says_who_was_paid(web, vendors):
    """The novated award's page lists each vendor paid with its own part, and each
    transaction of its timeline with the vendor it was paid to (it named the latest
    vendor alone)."""
    view = web.get(f"/award/{AWARD}.json").json()
    payees = {
        r["vendor_id"]: (Decimal(r["obligation_usd"]), r["transactions"])
        for r in view["tables"]["payees"]
    }
    assert payees == {vendors[name]: part for name, part in PART.items()}
    paid = {
        t["modification_number"] or "0": t["vendor_name"]
        for t in view["tables"]["transactions"]
    }
    assert paid == {m: name for (k, m), name in PAID_ACTIONS.items() if k == AWARD}
    page = web.get(f"/award/{AWARD}").text
    assert "Paid to more than one vendor" in page and "(latest action)" in page
    cells = Cells("table-payees")
    cells.feed(page)
    assert {r["Vendor"] for r in cells.records()} == set(PART)
    # an award of one vendor says nothing more
    (one,) = [k for k, _ in PAID_ACTIONS if k != AWARD]
    page = web.get(f"/award/{one}").text
    assert "Paid to more than one vendor" not in page
    assert len(web.get(f"/award/{one}.json").json()["tables"]["payees"]) == 1


def _vendor_id(web, name: str) -> str:
    found = web.get("/search.json", params={"q": name}).json()["tables"]
    ids = [v["vendor_id"] for v in found["vendors"] if v["name"] == name]
    assert len(ids) == 1, (name, found["vendors"])
    return ids[0]


def _search(web, **params) -> dict:
    return web.get("/search.json", params={"size": 100, **params}).json()


def test_a_search_finds_an_award_under_each_vendor_paid_on_it(web, vendors):
    """The vendor facet counts an award that changed hands under each vendor paid on
    it, and `?vendor=` finds it under each, with that vendor's own money as the
    search's total (it was found under the vendor of its latest action alone:
    SOUTHWIND, WESTWIND). The same whichever way the search is answered (the index,
    Python or SQL)."""
    from custodes.search.engine import SearchEngine, SearchOptions
    from custodes.search.query import Query

    ids = {**vendors, **{n: _vendor_id(web, n) for n in MOD_ONLY_PAID}}
    cases = [  # search words, its award, what each of its vendors was paid on it
        ("KESTREL", MOD_ONLY, MOD_ONLY_PAID),
        ("NOVATION LICENSE PLATE", AWARD, {n: p[0] for n, p in PART.items()}),
    ]
    for words, award, paid in cases:
        found = _search(web, q=words)
        assert award in {a["award_key"] for a in found["tables"]["awards"]}
        facet = {f["value"]: f["awards"] for f in found["data"]["facets"]["vendor"]}
        for name in paid:
            assert facet.get(ids[name]) == 1, (words, name, facet)
        for name, usd in paid.items():
            mine = _search(web, q=words, vendor=ids[name])
            assert [a["award_key"] for a in mine["tables"]["awards"]] == [award]
            assert mine["data"]["total"] == 1
            assert Decimal(mine["data"]["obligation_usd"]) == usd, (words, name)
    # without words: every award the vendor was paid on, its own money in all
    for name, years in PAID.items():
        mine = _search(web, vendor=ids[name])
        keys = {a["award_key"] for a in mine["tables"]["awards"]}
        assert AWARD in keys, name
        assert Decimal(mine["data"]["obligation_usd"]) == sum(
            years.values(), Decimal(0)
        )
    # every way of answering gives the same facets and totals
    reader = web.app.state.reader
    for words, _award, paid in cases:
        for name in (None, *paid):
            answers = []
            for options in (
                SearchOptions(),
                SearchOptions(index=False, common=False, prepared=False),
                SearchOptions(index=False, common=False, prepared=False, small=0),
            ):
                engine = SearchEngine(reader, options=options)
                engine.start().wait(60)
                got = engine.search(
                    Query(text=words, vendor=ids[name] if name else None)
                )
                answers.append((got.total, got.obligation_usd, got.facets))
            assert answers[0] == answers[1] == answers[2], (words, name)


def test_a_vendor_pages_coverage_counts_its_own_awards(web, vendors):
    """A vendor page's line on awards known only through later modifications counts
    the awards that vendor was paid on, with its own part of their money (it stated
    the whole store's: every award under the vendor of its latest action)."""
    everywhere = web.get("/methodology.json").json()["data"]["coverage"]
    assert everywhere["modifications_only"]["of_awards"] > 10
    for name, usd in MOD_ONLY_PAID.items():
        vendor_id = _vendor_id(web, name)
        view = web.get(f"/vendor/{vendor_id}.json").json()["data"]["coverage"]
        mods = view["modifications_only"]
        assert (mods["awards"], mods["of_awards"]) == (1, 1), name
        assert (
            Decimal(mods["obligation_usd"]) == usd == Decimal(mods["of_obligation_usd"])
        )
        line = f"1 of 1 awards (${usd:,.0f} of ${usd:,.0f} net)"
        assert mods["line"].startswith(line), mods["line"]
        assert line in web.get(f"/vendor/{vendor_id}").text
    # NORTHWIND: two awards, both with their first transaction; no line
    view = web.get(f"/vendor/{vendors['NORTHWIND OPTICS INC']}.json").json()
    mods = view["data"]["coverage"]["modifications_only"]
    assert (mods["awards"], mods["of_awards"], mods["line"]) == (0, 2, "")
    assert Decimal(mods["of_obligation_usd"]) == sum(
        PAID["NORTHWIND OPTICS INC"].values(), Decimal(0)
    )


def test_a_category_pages_coverage_counts_its_own_awards(web):
    """A category page's line on awards known only through later modifications counts
    the awards of that category (it stated the whole store's on every category page).
    Each award counts under one category, so the pages' counts add up to the store's;
    the category of MOD_ONLY (an award known only through modifications) counts it,
    with its money, and a category without such an award states no line."""
    everywhere = web.get("/methodology.json").json()["data"]["coverage"]
    total = everywhere["modifications_only"]
    ids = [
        r["id"]
        for r in reader_rows(
            web,
            """SELECT DISTINCT coalesce(category, 'unclassified') AS id FROM serve_award
               UNION SELECT DISTINCT component_category FROM serve_award
               WHERE component_category IS NOT NULL""",
        )
    ]
    pages = {
        i: web.get(f"/category/{i}.json").json()["data"]["coverage"][
            "modifications_only"
        ]
        for i in ids
    }
    for key in ("awards", "of_awards"):
        assert sum(p[key] for p in pages.values()) == total[key], key
    assert sum(Decimal(str(p["obligation_usd"])) for p in pages.values()) == Decimal(
        str(total["obligation_usd"])
    )
    assert len(pages) > 2 and all(
        p["of_awards"] < total["of_awards"] for p in pages.values()
    )
    [own] = reader_rows(
        web, "SELECT category FROM serve_award WHERE award_key = ?", [MOD_ONLY]
    )
    mine = pages[own["category"] or "unclassified"]
    assert mine["awards"] >= 1
    assert Decimal(str(mine["obligation_usd"])) >= sum(MOD_ONLY_PAID.values())
    quiet = [i for i, p in pages.items() if p["awards"] == 0 and p["of_awards"] > 0]
    assert quiet, pages
    assert pages[quiet[0]]["line"] == ""
    assert "later modifications" not in web.get(f"/category/{quiet[0]}").text
