"""The analyses on the hand-written store; expected figures are re-added from the
rows."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest

from custodes.analyse.engines import open_source
from custodes.errors import InputError, NotFound
from custodes.figures import analyses
from custodes.figures.definition import ALL_SPENDING, Definition
from custodes.figures.frame import NO_MAKER, UNCLASSIFIED, Filters
from custodes.settings import Settings
from tests.analyse.conftest import (
    CLASSIFICATION,
    MAKERS,
    REVISION,
    TRANSACTION_VENDOR,
    VENDORS,
    build_fixture_store,
    fixture_rows,
)

ROWS = fixture_rows()


def stand_in(name: str) -> str:
    """The vendor id of a recipient resolve linked to no vendor (figures/recipients)."""
    return "recipient-" + hashlib.md5(name.upper().encode()).hexdigest()[:12]


def vendor_of(r: dict) -> str:
    return TRANSACTION_VENDOR.get(r["transaction_key"]) or stand_in(r["recipient_name"])


ALL = Filters(definition=ALL_SPENDING)  # every contract, as the rows below are


@pytest.fixture
def src(fixture_db):
    with open_source(Settings(db=fixture_db)) as s:
        yield s


def expected(key, rows=ROWS) -> dict:
    sums: dict = defaultdict(lambda: Decimal("0.00"))
    for r in rows:
        for k in key(r):
            sums[k] += r["obligation_usd"]
    return dict(sums)


def as_map(rows, key) -> dict:
    return {r[key]: r["obligation_usd"] for r in rows}


def kind(r) -> str:
    if r["obligation_usd"] < 0:
        return "deobligation"
    return "new award" if r["modification_number"] == "0" else "modification"


FAMILY = {v: f for v, _, _, f in VENDORS}


@pytest.mark.parametrize(
    "by,key,rowkey",
    [
        ("fiscal_year", "fiscal_year", lambda r: [r["fiscal_year"]]),
        (
            "month",
            "month",
            lambda r: [r["action_date"].year * 100 + r["action_date"].month],
        ),
        (
            "sub_agency",
            "awarding_sub_agency_code",
            lambda r: [r["awarding_sub_agency_code"]],
        ),
        ("recipient", "recipient_name", lambda r: [r["recipient_name"]]),
        ("kind", "kind", lambda r: [kind(r)]),
        (
            "category",
            "category",
            lambda r: [CLASSIFICATION.get(r["award_key"], UNCLASSIFIED)],
        ),
        (
            "vendor",
            "vendor_id",
            lambda r: [vendor_of(r)],
        ),
        (
            "family",
            "family_id",
            lambda r: [FAMILY.get(vendor_of(r), vendor_of(r))],
        ),
        (
            "maker",
            "maker",
            lambda r: [m for a, m in MAKERS if a == r["award_key"]] or [NO_MAKER],
        ),
    ],
)
def test_totals_match_the_rows(src, by, key, rowkey):
    got = analyses.totals(src, by, ALL)
    assert as_map(got, key) == expected(rowkey)
    counts = defaultdict(int)
    for r in ROWS:
        for k in rowkey(r):
            counts[k] += 1
    assert {r[key]: r["transactions"] for r in got} == dict(counts)


def test_money_stays_decimal_to_the_cent(src):
    rows = analyses.totals(src, "fiscal_year", ALL)
    assert all(isinstance(r["obligation_usd"], Decimal) for r in rows)
    assert sum(r["obligation_usd"] for r in rows) == sum(
        r["obligation_usd"] for r in ROWS
    )


def test_family_groups_two_vendors_and_names_the_parent(src):
    rows = {r["family_id"]: r for r in analyses.totals(src, "family", ALL)}
    assert rows["v-holding"]["family_label"] == "Acme Holdings"
    assert rows["v-holding"]["awards"] == 3  # A1 and A4 (Acme), A2 (Beta)


def test_filters_agency_years_and_categories(src):
    f = Filters(sub_agencies=("7012",), fy_from=2021, fy_to=2022)  # surveillance
    got = as_map(analyses.totals(src, "fiscal_year", f), "fiscal_year")
    keep = [
        r
        for r in ROWS
        if r["awarding_sub_agency_code"] == "7012"
        and 2021 <= r["fiscal_year"] <= 2022
        and CLASSIFICATION.get(r["award_key"], UNCLASSIFIED)
        not in ("none", UNCLASSIFIED)
    ]
    assert got == expected(lambda r: [r["fiscal_year"]], keep)
    only = as_map(
        analyses.totals(
            src, "category", Filters(definition=Definition(categories=("biometrics",)))
        ),
        "category",
    )
    assert list(only) == ["biometrics"]


def test_two_dimensions(src):
    got = {
        (r["fiscal_year"], r["kind"]): r["obligation_usd"]
        for r in analyses.totals(src, "fiscal_year,kind", ALL)
    }
    assert got == expected(lambda r: [(r["fiscal_year"], kind(r))])


def test_year_over_year(src):
    rows = {r["fiscal_year"]: r for r in analyses.year_over_year(src, ALL)}
    by_year = expected(lambda r: [r["fiscal_year"]])
    assert rows[2021]["previous_usd"] is None
    assert rows[2022]["change_usd"] == by_year[2022] - by_year[2021]
    pct = (by_year[2023] - by_year[2022]) * 100 / by_year[2022]
    assert rows[2023]["change_pct"] == pct.quantize(Decimal("0.1"))


def test_top_awards_ordered_by_net_amount(src):
    top = analyses.top_awards(src, ALL, n=2)
    per_award = expected(lambda r: [r["award_key"]])
    best = sorted(per_award.items(), key=lambda kv: -kv[1])[:2]
    assert [(r["award_key"], r["obligation_usd"]) for r in top] == best


def test_award_timeline_has_every_modification_and_running_total(src):
    rows = analyses.award_timeline(src, "A1")
    assert [r["modification_number"] for r in rows] == ["0", "P00001", "P00002"]
    assert [r["kind"] for r in rows] == ["new award", "modification", "deobligation"]
    assert rows[-1]["running_total_usd"] == expected(lambda r: [r["award_key"]])["A1"]
    with pytest.raises(NotFound):
        analyses.award_timeline(src, "NO-SUCH-AWARD")


def test_changed_since_separates_new_and_revised(src):
    result = analyses.changed_since(src, date(2025, 1, 1), ALL, by="ingest")
    summary = {r["change"]: r for r in result["summary"]}
    assert summary["new"]["transactions"] == 1  # t5
    assert summary["revised"]["transactions"] == 1  # t7
    t7 = next(r for r in ROWS if r["transaction_key"] == REVISION[0])
    assert summary["revised"]["net_change_usd"] == t7["obligation_usd"] - REVISION[2]
    later = analyses.changed_since(src, date(2026, 1, 1), ALL, by="ingest")
    assert later["summary"] == []
    # A limit shortens the listing, never the summary.
    one = analyses.changed_since(src, date(2025, 1, 1), ALL, limit=1, by="ingest")
    assert one["summary"] == result["summary"]
    assert one["transactions_total"] == 2 and len(one["transactions"]) == 1
    assert one["transactions"][0] == result["transactions"][0]


def test_changed_since_reads_action_dates_by_default(src):
    """What was signed on or after the day, by kind, whatever run loaded it: the
    answer a reporter means by "what's new" (after a first load, every row is new by
    ingest date)."""
    since = date(2022, 1, 1)
    result = analyses.changed_since(src, since, ALL)
    assert result["by"] == "action"
    acted = [r for r in ROWS if r["action_date"] >= since]
    assert acted  # the fixture has actions on both sides of the day
    assert result["transactions_total"] == len(acted) < len(ROWS)
    by_kind = {r["change"]: r for r in result["summary"]}
    for kind, row in by_kind.items():
        mine = [r for r in result["transactions"] if r["kind"] == kind]
        assert row["transactions"] == len(mine)
        assert row["obligation_usd"] == sum(r["obligation_usd"] for r in mine)
    assert {r["transaction_key"] for r in result["transactions"]} == {
        r["transaction_key"] for r in acted
    }
    dates = [r["action_date"] for r in result["transactions"]]
    assert dates == sorted(dates, reverse=True)  # newest first
    with pytest.raises(InputError):
        analyses.changed_since(src, since, ALL, by="loaded")


@pytest.mark.parametrize(
    "by,values",
    [
        ("category", ["biometrics"]),
        ("fiscal_year,kind", ["2021", "new award"]),
        ("month", ["2021-03"]),
        ("maker", ["VisionCam"]),
    ],
)
def test_explain_adds_up_to_the_figure(src, by, values):
    figures = analyses.totals(src, by, ALL)
    dims = by.split(",")
    keys = {
        "category": "category",
        "fiscal_year": "fiscal_year",
        "kind": "kind",
        "month": "month",
        "maker": "maker",
    }
    want = [
        v if d != "fiscal_year" else int(v) for d, v in zip(dims, values, strict=True)
    ]
    if by == "month":
        want = [202103]
    figure = next(r for r in figures if [r[keys[d]] for d in dims] == want)
    rows = analyses.explain(src, by, values, ALL)
    assert len(rows) == figure["transactions"]
    assert sum(r["obligation_usd"] for r in rows) == figure["obligation_usd"]


def test_explain_needs_one_value_per_dimension(src):
    with pytest.raises(InputError):
        analyses.explain(src, "fiscal_year,kind", ["2021"], ALL)


def test_missing_stage_tables_name_the_command(tmp_path):
    db = build_fixture_store(tmp_path / "bare.duckdb", classified=False, resolved=False)
    with open_source(Settings(db=db)) as s:
        assert analyses.totals(s, "fiscal_year", Filters())  # works without them
        with pytest.raises(NotFound, match="custodes classify"):
            analyses.totals(s, "category", Filters())
        with pytest.raises(NotFound, match="custodes resolve"):
            analyses.totals(s, "maker", Filters())
        # Before resolve, each recipient name stands in for a vendor, as on the web.
        vendors = as_map(analyses.totals(s, "vendor", Filters()), "vendor_id")
        assert vendors == expected(lambda r: [stand_in(r["recipient_name"])])


def test_natural_persons_are_withheld_and_never_vendors(tmp_path):
    """The web app's rule, in analyses too: a person's name is never shown, and a
    person is never a vendor; an organisation is never withheld."""
    from custodes.figures.recipients import WITHHELD
    from custodes.store import open_store

    db = build_fixture_store(tmp_path / "person.duckdb")
    with open_store(Settings(db=db), write=True, command="test") as store:
        store.execute(
            "UPDATE \"transaction\" SET recipient_name = 'JANE Q DOE', "
            "recipient_is_individual = TRUE WHERE award_key = 'A5'"
        )
    with open_source(Settings(db=db)) as s:
        for by, key in (("recipient", "recipient_name"), ("vendor", "vendor_label")):
            rows = analyses.totals(s, by, ALL)
            shown = {str(r.get(key)) for r in rows} | {str(r.get(by)) for r in rows}
            assert not any("DOE" in v for v in shown), rows
            assert WITHHELD in {r.get(key) or r.get("recipient_name") for r in rows}
        vendors = {r["vendor_id"] for r in analyses.totals(s, "vendor", ALL)}
        assert None in vendors and "v-acme" in vendors
        top = analyses.top_awards(s, ALL, n=10)
        assert {r["recipient_name"] for r in top if r["award_key"] == "A5"} == {
            WITHHELD
        }
        rows = analyses.explain(s, "fiscal_year", ["2021"], ALL)
        assert {r["recipient_name"] for r in rows if r["award_key"] == "A5"} == {
            WITHHELD
        }
        assert "ACME SENSORS LLC" in {r["recipient_name"] for r in rows}


def test_unknown_dimension_is_an_input_error(src):
    with pytest.raises(InputError, match="Cannot group by"):
        analyses.totals(src, "colour", Filters())


def test_the_default_counts_surveillance_only(src):
    """Same default as reports and the web app: every category but none and
    unclassified; --all-spending counts every contract."""
    default = as_map(analyses.totals(src, "category", Filters()), "category")
    assert set(default) == {"biometrics", "data-analytics"}
    everything = as_map(analyses.totals(src, "category", ALL), "category")
    assert set(everything) == {"biometrics", "data-analytics", "none", UNCLASSIFIED}
    assert all(default[c] == everything[c] for c in default)
    surveillance = [
        r
        for r in ROWS
        if CLASSIFICATION.get(r["award_key"], UNCLASSIFIED)
        not in ("none", UNCLASSIFIED)
    ]
    by_year = as_map(analyses.totals(src, "fiscal_year", Filters()), "fiscal_year")
    assert by_year == expected(lambda r: [r["fiscal_year"]], surveillance)
    top = analyses.top_awards(src, Filters(), n=10)
    assert {r["award_key"] for r in top} == {"A1", "A2", "A4"}


def test_an_award_timeline_is_not_a_figure(src):
    """A 'none' award still has its timeline under the default definition."""
    assert [r["transaction_key"] for r in analyses.award_timeline(src, "A3")] == [
        "t6",
        "t7",
    ]


@pytest.fixture
def component_src(tmp_path):
    """The fixture store with classify's component columns: A3 (category none)
    buys a biometrics component inside a larger purchase."""
    from custodes.store import open_store

    db = build_fixture_store(tmp_path / "components.duckdb")
    with open_store(Settings(db=db), write=True, command="test") as store:
        store.execute(
            "ALTER TABLE classification ADD COLUMN component_category VARCHAR"
        )
        store.execute(
            "UPDATE classification SET component_category = 'biometrics' "
            "WHERE award_key = 'A3'"
        )
    with open_source(Settings(db=db)) as s:
        yield s


def test_components_count_only_when_asked(component_src):
    a3 = sum(r["obligation_usd"] for r in ROWS if r["award_key"] == "A3")
    plain = as_map(analyses.totals(component_src, "category", Filters()), "category")
    assert plain == as_map(
        analyses.totals(component_src, "category", Filters(definition=Definition())),
        "category",
    )
    with_parts = Filters(definition=Definition(include_components=True))
    counted = as_map(analyses.totals(component_src, "category", with_parts), "category")
    assert counted["biometrics"] == plain["biometrics"] + a3
    assert set(counted) == set(plain)
    rows = analyses.explain(component_src, "category", ["biometrics"], with_parts)
    assert {r["award_key"] for r in rows} == {"A1", "A3", "A4"}
    assert sum(r["obligation_usd"] for r in rows) == counted["biometrics"]
