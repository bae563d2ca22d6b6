"""The reporter's workbench figures (issue 17 items 2-4) on a store built by the real
commands: ingest of the fixture CSVs and of real Babel Street rows (paid directly as
BABEL STREET, INC., and bought through the resellers PanAmerica and ThunderCat),
`custodes resolve`, `custodes classify`, `custodes serve --prepare`.

- A maker's total across channels is one query: `custodes vendor show --json` and
  /vendor/ID.json give the same numbers, and they add up to the rows of the file.
- Watches and feeds on a maker or vendor include the awards bought through resellers
  (the Babel Street watch that missed the order placed through a reseller).
- Digests leave $0 administrative actions out unless --include-zero.
- Contract details come from the bulk rows as the file has them; API-search awards say
  which details their source lacks.
"""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from custodes.figures import contracts
from custodes.figures.news import kind_sql
from custodes.ingest.rawrow import raw_values_are_json
from custodes.settings import Settings
from custodes.store import open_store
from tests.conftest import FIXTURES
from tests.figures.test_one_answer import cli, run
from tests.serve.fixture_store import FIXTURE_CSVS
from tests.sync.atom_rules import atom_problems

feedparser = pytest.importorskip("feedparser")

BABEL = FIXTURES / "usaspending" / "babel_street_channels.csv"
BULK = FIXTURES / "usaspending" / "bulk_fy18_small.csv"
DIRECT_PIID = "70CMSD19FC0000052"  # paid to BABEL STREET, INC.
RESELLERS = {"PANAMERICA COMPUTERS, INC.", "THUNDERCAT TECHNOLOGY, LLC"}


def file_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def usd(text: str) -> Decimal:
    return Decimal(text).quantize(Decimal("0.01"))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("workbench") / "store.duckdb"
    assert BABEL in FIXTURE_CSVS
    cli(db, "ingest", *map(str, FIXTURE_CSVS))
    cli(db, "resolve")
    cli(db, "classify")
    cli(db, "serve", "--prepare")
    return db


def reader_rows(web: TestClient, sql: str, params: list | None = None) -> list[dict]:
    """Rows from the store the web app holds open (a second connection to the same
    file from this process would need the same configuration)."""
    return web.app.state.reader.rows(sql, params or [], cache=False)  # type: ignore[attr-defined]


def babel_vendor(web: TestClient) -> str:
    found = reader_rows(
        web, "SELECT vendor_id FROM vendor WHERE name = 'BABEL STREET, INC.'"
    )
    assert len(found) == 1, found
    return found[0]["vendor_id"]


def test_a_makers_total_across_channels_is_one_answer(store, web, tmp_path):
    vendor_id = babel_vendor(web)
    page = web.get(f"/vendor/{vendor_id}.json").json()["data"]["channels"]
    shown = json.loads(run(shutil.copy(store, tmp_path / "c.duckdb"), "vendor",
                           "show", vendor_id, "--json"))["channels"]  # fmt: skip
    assert page == json.loads(json.dumps(shown))  # the same numbers, to the cent
    # ... and they add up to the rows of the files
    rows = [r for p in FIXTURE_CSVS for r in file_rows(p) if "Award ID" in r]
    direct = sum(
        usd(r["Federal Action Obligation"])
        for r in rows
        if r["Award ID"] == DIRECT_PIID
    )
    resold: dict[str, Decimal] = {}
    for r in rows:
        if "BABEL STREET" in r["Transaction Description"] and r["Award ID"] != (
            DIRECT_PIID
        ):
            resold.setdefault(r["Award ID"], Decimal(0))
    for r in rows:
        if r["Award ID"] in resold:
            resold[r["Award ID"]] += usd(r["Federal Action Obligation"])
    assert Decimal(page["direct"]["obligation_usd"]) == direct
    assert page["direct"]["awards"] == 1
    assert Decimal(page["through_resellers"]["obligation_usd"]) == sum(resold.values())
    assert page["through_resellers"]["awards"] == len(resold) == 3
    assert Decimal(page["total"]["obligation_usd"]) == direct + sum(resold.values())
    assert {r["vendor_name"] for r in page["resellers"]} == RESELLERS
    # the page shows the one number with its breakdown
    html = web.get(f"/vendor/{vendor_id}").text
    assert 'id="channels-total"' in html and 'id="table-channels"' in html
    # ... and so does `vendor show` as text
    text = " ".join(
        run(
            shutil.copy(store, tmp_path / "t.duckdb"), "vendor", "show", vendor_id
        ).split()
    )
    total = Decimal(page["total"]["obligation_usd"])
    assert f"Across channels: ${total:,.2f} over 4 awards" in text
    assert f"directly ${direct:,.2f} (1 award) + through resellers" in text
    assert all(name in text for name in RESELLERS)


def test_watches_on_a_maker_or_vendor_include_reseller_orders(store, tmp_path):
    db = shutil.copy(store, tmp_path / "w.duckdb")
    cli(db, "watch", "add", "maker", "Babel Street")
    cli(db, "watch", "add", "vendor", "babel street")
    digest = json.loads(cli(db, "digest", "--since", "0", "--json"))
    for watch in digest["watches"]:
        paid = {a["recipient_name"]: a["channel"] for a in watch["awards"]}
        assert paid["BABEL STREET, INC."] == "paid directly", watch
        assert paid["PANAMERICA COMPUTERS, INC."] == "through a reseller", watch
        assert "resellers" in watch["method"]


def test_digests_leave_zero_actions_out_unless_asked(store, tmp_path):
    db = shutil.copy(store, tmp_path / "z.duckdb")
    cli(db, "watch", "add", "maker", "Babel Street")
    zero = [r for r in file_rows(BABEL) if usd(r["Federal Action Obligation"]) == 0]
    assert zero  # the file has $0 administrative modifications
    quiet = json.loads(cli(db, "digest", "--since", "0", "--json"))
    loud = json.loads(cli(db, "digest", "--since", "0", "--include-zero", "--json"))
    assert not quiet["include_zero"] and loud["include_zero"]

    def actions(d: dict) -> dict[str, int]:
        return {
            a["award_key"].split("_")[2]: a["new_transactions"]
            for a in d["watches"][0]["awards"]
        }

    counted, every = actions(quiet), actions(loud)
    assert "70CMSD18FR0000226" not in counted  # ThunderCat: one $0 action only
    assert every["70CMSD18FR0000226"] == 1
    assert every[DIRECT_PIID] - counted[DIRECT_PIID] == sum(
        r["Award ID"] == DIRECT_PIID for r in zero
    )
    text = cli(db, "digest", "--since", "0")
    assert "--include-zero" in text and "through a reseller" in text


def test_a_maker_feed_holds_the_reseller_orders(web):
    xml = web.get("/feeds/maker/Babel%20Street.atom").text
    assert atom_problems(xml) == []
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.get("bozo_exception")
    titles = " ".join(e.title for e in parsed.entries)
    assert "PANAMERICA COMPUTERS, INC." in titles and "BABEL STREET, INC." in titles
    assert "THUNDERCAT" not in titles  # its one action is $0
    with_zero = feedparser.parse(
        web.get("/feeds/maker/Babel%20Street.atom?include_zero=1").text
    )
    assert len(with_zero.entries) > len(parsed.entries)
    assert any("THUNDERCAT" in e.title for e in with_zero.entries)
    updated = [e.updated for e in parsed.entries]
    assert updated == sorted(updated, reverse=True)  # newest action first
    assert "What counts:" in parsed.feed.subtitle


def test_contract_details_are_the_bulk_rows_values(web):
    raw = {(r["award_id_piid"], r["modification_number"]): r for r in file_rows(BULK)}
    rows = reader_rows(
        web,
        "SELECT a.piid, c.* FROM serve_contract_action c "
        "JOIN serve_award a USING (award_id)",
    )
    assert len(rows) == len(raw)
    for row in rows:
        r = raw[(row["piid"], row["modification_number"])]
        ceiling = r["potential_total_value_of_award"]
        assert row["ceiling_usd"] == (usd(ceiling) if ceiling else None)
        offers = r["number_of_offers_received"]
        assert row["offers_received"] == (int(offers) if offers else None)
        assert row["extent_competed"] == (r["extent_competed"] or None)
        start = r["period_of_performance_start_date"]
        if start:  # written dd/mm/yy hh:mm in this file
            d, m, y = start.split()[0].split("/")
            assert row["period_start_date"] == date(2000 + int(y), int(m), int(d))


def test_award_pages_show_the_contract_or_what_the_source_lacks(web):
    bulk_key, api_key = (
        reader_rows(
            web,
            'SELECT min(award_key) AS k FROM "transaction" WHERE source_format = ?',
            [fmt],
        )[0]["k"]
        for fmt in ("bulk_contracts", "api_search")
    )
    bulk = web.get(f"/award/{bulk_key}.json").json()["data"]["contract"]
    assert bulk["lacks"] == [] and bulk["details"]["ceiling_usd"] is not None
    api = web.get(f"/award/{api_key}.json").json()["data"]["contract"]
    assert api["formats"] == ["api_search"]
    assert set(api["lacks"]) == {
        contracts.label(d) for d in contracts.ASKED if d != contracts.VEHICLE
    }
    html = web.get(f"/award/{api_key}").text
    assert 'id="contract-lacks"' in html and "does not carry" in html


def test_contract_details_read_older_list_raw_rows(store, tmp_path):
    """Stores made before raw_values was JSON keep a VARCHAR[]: same details."""
    db = shutil.copy(store, tmp_path / "old.duckdb")
    with open_store(Settings(db=db), write=True, command="test") as st:
        new = st.rows("SELECT * FROM serve_contract_action ORDER BY transaction_key")
        st.execute(
            'ALTER TABLE "transaction" ALTER raw_values TYPE VARCHAR[] '
            "USING from_json(raw_values, '[\"VARCHAR\"]')"
        )
        assert not raw_values_are_json(st.con)
        st.execute(contracts.contract_action_sql(False, contracts.contract_formats()))
        old = st.rows("SELECT * FROM serve_contract_action ORDER BY transaction_key")
    assert old == new and old


def test_kind_sql_is_the_frames_kind(store, tmp_path):
    """What's new names an action's kind by the same rule as the analyses."""
    from custodes.analyse.engines import open_source
    from custodes.figures.definition import ALL_SPENDING
    from custodes.figures.frame import Filters, build_frame

    db = Path(shutil.copy(store, tmp_path / "k.duckdb"))
    with open_source(Settings(db=db), "duckdb") as src:
        t = build_frame(src, Filters(definition=ALL_SPENDING))
        rows = t.select("transaction_key", "kind").to_pyarrow().to_pylist()
    frame = {r["transaction_key"]: r["kind"] for r in rows}
    with open_store(Settings(db=db)) as st:
        ours = dict(
            st.execute(f'SELECT transaction_key, {kind_sql("t")} FROM "transaction" t')
        )
    assert ours == frame and len(set(ours.values())) == 3


@pytest.mark.shared
@pytest.mark.slow
def test_babel_street_across_channels_on_the_real_data(tmp_path):
    """The pattern of issue 17 on ../shared: the API-search files ingested, real
    `custodes resolve` (its gazetteer names Babel Street as the maker of what resellers
    sold). A maker watch sees every award naming it, paid to it or to a reseller, and
    `vendor show` totals both channels; the expected awards come from the files."""
    from tests.conftest import API_SEARCH, need_shared

    need_shared()
    db = tmp_path / "shared.duckdb"
    cli(db, "ingest", str(API_SEARCH))
    cli(db, "resolve")
    rows = [r for p in sorted(API_SEARCH.glob("*.csv")) for r in file_rows(p)]
    direct = {
        r["Award ID"] for r in rows if r["Recipient Name"] == "BABEL STREET, INC."
    }
    resold = {
        r["Award ID"]
        for r in rows
        if "BABEL STREET" in r["Transaction Description"].upper()
        and r["Award ID"] not in direct
    }
    assert direct and len(resold) >= 3  # PanAmerica's orders and ThunderCat's
    cli(db, "watch", "add", "maker", "Babel Street")
    digest = json.loads(cli(db, "digest", "--since", "0", "--include-zero", "--json"))
    seen = {a["award_key"].split("_")[2]: a for a in digest["watches"][0]["awards"]}
    assert resold <= set(seen) and direct <= set(seen)
    assert {seen[p]["channel"] for p in resold} == {"through a reseller"}
    channels = json.loads(cli(db, "vendor", "show", "BABEL STREET, INC.", "--json"))[
        "channels"
    ]
    sums = {
        piid: sum(
            usd(r["Federal Action Obligation"]) for r in rows if r["Award ID"] == piid
        )
        for piid in direct | resold
    }
    assert Decimal(channels["direct"]["obligation_usd"]) == sum(sums[p] for p in direct)
    assert Decimal(channels["through_resellers"]["obligation_usd"]) == sum(
        sums[p] for p in resold
    )
    assert {r["vendor_name"] for r in channels["resellers"]} >= {
        "PANAMERICA COMPUTERS, INC."
    }


@pytest.mark.parametrize(
    "scope",
    [
        {"counted_only": False},
        {"counted_only": False, "include_zero": True},
        {"counted_only": True},
        {"counted_only": False, "min_usd": Decimal("100000")},
        {"counted_only": False, "kind": "modification"},
    ],
)
def test_a_followed_vendors_actions_are_the_same_by_listed_ids_or_subquery(
    web, monkeypatch, scope
):
    """A vendor or maker feed looks its awards up first and reads their actions from
    serve_transaction; past MAX_LISTED awards it keeps the subquery on serve_action.
    Both ways give the same actions, count and sum."""
    from custodes.figures import news
    from custodes.figures.definition import Definition

    def rows(sql: str, params: list) -> list[dict]:
        return reader_rows(web, sql, params)

    vendor_id = babel_vendor(web)
    followed = news.NewsScope(vendor_ids=(vendor_id,), **scope)
    listed = news.latest_actions(rows, followed, Definition(), limit=500)
    assert news.followed_award_ids(rows, (vendor_id,))  # the listed path was taken
    monkeypatch.setattr(news, "MAX_LISTED", 0)
    assert news.followed_award_ids(rows, (vendor_id,)) is None
    subquery = news.latest_actions(rows, followed, Definition(), limit=500)
    assert listed.actions == subquery.actions
    assert (listed.total, listed.obligation_usd) == (
        subquery.total,
        subquery.obligation_usd,
    )
    if scope == {"counted_only": False}:
        assert {a["channel"] for a in listed.actions} == {"direct", "reseller"}
