"""The prepared analysis frame gives exactly the figures of the raw-table joins.

Each analysis runs twice on the same store, once reading analyse_frame and once joining
the raw tables, and the two answers must be equal row for row. The real data is the
hard case: recipient names (and so vendors) change inside awards, awards span fiscal
years, and some modifications are deobligations.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from custodes.analyse.engines import Source, connect_duckdb
from custodes.figures import analyses
from custodes.figures.analyse_tables import build_analysis_frame, frame_stale_reason
from custodes.figures.definition import Definition
from custodes.figures.frame import Filters, prepared_frame
from custodes.settings import Settings
from custodes.store import open_store

DIMS = [
    "fiscal_year",
    "month",
    "category",
    "vendor",
    "family",
    "maker",
    "sub_agency",
    "recipient",
    "kind",
    "award",
    "category,fiscal_year",
    "vendor,fiscal_year",
    "fiscal_year,kind",
    "month,category",
    "vendor,category",
    "kind,vendor",
    "family,maker",
]
ALL = Definition(all_spending=True)
FILTERS = [
    Filters(),  # the default: surveillance only
    Filters(fy_from=2022, fy_to=2023, definition=ALL),
    Filters(fy_from=2022),
    Filters(fy_to=2021, definition=ALL),
    Filters(sub_agencies=("7012",), definition=ALL),
    Filters(sub_agencies=("7012",), fy_from=2016),
    Filters(sub_agencies=("7014",), fy_from=2023, definition=ALL),
    Filters(
        fy_from=2021,
        fy_to=2024,
        definition=Definition(categories=("services", "it-data")),
    ),
    Filters(fy_from=2021, definition=Definition(include_components=True)),
]


def _prepare(src_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "prepared.duckdb"
    shutil.copy(src_db, path)
    with open_store(Settings(db=path), write=True, command="test") as store:
        build_analysis_frame(store)
        assert frame_stale_reason(store) is None
    return path


def _sources(path: Path) -> tuple[Source, Source]:
    fast = Source("duckdb", connect_duckdb(path))
    slow = Source("duckdb", connect_duckdb(path), use_prepared=False)
    assert prepared_frame(fast) is not None
    assert prepared_frame(slow) is None
    return fast, slow


def _key(rows: list[dict]) -> list[tuple]:
    return sorted(tuple(sorted((k, str(v)) for k, v in r.items())) for r in rows)


@pytest.fixture(scope="module")
def shared_pair(shared_db, tmp_path_factory):
    return _sources(_prepare(shared_db, tmp_path_factory.mktemp("prepared")))


@pytest.mark.shared
@pytest.mark.parametrize("by", DIMS)
def test_totals_equal_on_the_real_data(shared_pair, by):
    fast, slow = shared_pair
    for filters in FILTERS:
        want = analyses.totals(slow, by, filters)
        got = analyses.totals(fast, by, filters)
        assert want, (by, filters)
        assert _key(got) == _key(want), (by, filters)


@pytest.mark.shared
def test_other_analyses_equal_on_the_real_data(shared_pair):
    fast, slow = shared_pair
    for filters in FILTERS:
        for n in (1, 25, 3000):  # 3000: more awards than positive sums in some scopes
            assert analyses.top_awards(fast, filters, n) == analyses.top_awards(
                slow, filters, n
            ), (filters, n)
    for filters in FILTERS[:3]:
        assert analyses.year_over_year(fast, filters) == analyses.year_over_year(
            slow, filters
        )
        assert _key(
            analyses.explain(
                fast, "category,fiscal_year", ["services", "2023"], filters
            )
        ) == _key(
            analyses.explain(
                slow, "category,fiscal_year", ["services", "2023"], filters
            )
        )
    key = analyses.top_awards(slow, Filters(), 1)[0]["award_key"]
    assert analyses.award_timeline(fast, key) == analyses.award_timeline(slow, key)
    since = date(2000, 1, 1)
    assert analyses.changed_since(fast, since, Filters()) == analyses.changed_since(
        slow, since, Filters()
    )


@pytest.mark.shared
def test_award_counts_use_flags_not_distinct(shared_pair):
    """The fast path really counts with the flags (a distinct count would also pass
    the equality tests above, so check the compiled query)."""
    fast, _ = shared_pair
    from custodes.figures.frame import build_frame, parse_dimensions

    dims = parse_dimensions("vendor")
    filters = Filters(fy_from=2022)
    sql = str(analyses.totals_expr(fast, dims, filters).compile())
    assert "first_vendor" in sql and "prev_vendor" in sql
    assert "DISTINCT" not in sql.upper()
    assert build_frame(fast, filters, dims) is not None


def test_fixture_store_equal_and_staleness(fixture_db, tmp_path):
    path = _prepare(fixture_db, tmp_path)
    fast, slow = _sources(path)
    for by in DIMS:
        for filters in (Filters(), Filters(fy_from=2022)):
            assert _key(analyses.totals(fast, by, filters)) == _key(
                analyses.totals(slow, by, filters)
            ), (by, filters)
    fast.con.con.close()
    slow.con.con.close()
    # A later classify run makes the frame stale: analyses fall back to the joins.
    with open_store(Settings(db=path), write=True, command="test") as store:
        store.execute(
            "INSERT INTO classification_run VALUES (now()::TIMESTAMP, 't', 'r', 0, 4)"
        )
        assert "classify" in frame_stale_reason(store)
    again = Source("duckdb", connect_duckdb(path))
    assert prepared_frame(again) is None
    assert analyses.totals(again, "category", Filters())


def test_prepare_command(fixture_db, tmp_path, run_cli):
    import json

    path = tmp_path / "cli.duckdb"
    shutil.copy(fixture_db, path)
    first = json.loads(
        run_cli("--db", str(path), "analyse", "prepare", "--json").output
    )
    assert first["built"] and first["reason"] == "it has not been built"
    assert first["transactions"] > 0 and first["awards"] > 0
    second = json.loads(
        run_cli("--db", str(path), "analyse", "prepare", "--json").output
    )
    assert second == {"built": False, "reason": "already current"}


def _changed_copy(fixture_db, path, change: str):
    """A copy of the fixture store at PATH with CHANGE applied and the frame built:
    (path, the build row, the total obligations)."""
    shutil.copy(fixture_db, path)
    with open_store(Settings(db=path), write=True, command="test") as store:
        store.execute(change)
        built = build_analysis_frame(store)
        total = store.scalar('SELECT sum(obligation_usd) FROM "transaction"')
    return path, built, total


def test_awards_spanning_sub_agencies(fixture_db, tmp_path):
    """When an award was awarded by two sub-agencies, sub-agency groupings and filters
    count distinct award numbers, and still agree with the joins."""
    path, built, _ = _changed_copy(
        fixture_db,
        tmp_path / "span.duckdb",
        "UPDATE \"transaction\" SET awarding_sub_agency_code = '7014' "
        'WHERE transaction_key = (SELECT max(transaction_key) FROM "transaction" '
        "WHERE award_key = 'A1')",
    )
    assert built["awards_in_several_sub_agencies"] == 1
    fast, slow = _sources(path)
    for by in (
        "sub_agency",
        "category",
        "sub_agency,fiscal_year",
        "vendor",
        "month",
        "fiscal_year",
        "category,fiscal_year",
    ):
        for filters in (
            Filters(),
            Filters(sub_agencies=("7012",)),
            Filters(sub_agencies=("7014",), fy_from=2022),
            Filters(sub_agencies=("7012", "7014")),
            Filters(fy_from=2022),
        ):
            assert _key(analyses.totals(fast, by, filters)) == _key(
                analyses.totals(slow, by, filters)
            ), (by, filters)
    from custodes.figures.frame import parse_dimensions

    one = Filters(sub_agencies=("7012",))
    sql = str(analyses.totals_expr(fast, parse_dimensions("category"), one).compile())
    assert "first_agency" in sql and "DISTINCT" not in sql.upper()


def test_a_repeated_vendor_id_never_repeats_a_transaction(fixture_db, tmp_path):
    """The resolve contract says one row per vendor id; if a vendor table breaks it,
    neither path counts a transaction twice (found on the 10M benchmark data)."""
    path, _, total = _changed_copy(
        fixture_db,
        tmp_path / "dup.duckdb",
        "INSERT INTO vendor SELECT vendor_id, name || ' (again)', parent_id, "
        "family_id, kind FROM vendor",
    )
    fast, slow = _sources(path)
    for src in (fast, slow):
        for by in ("vendor", "family", "fiscal_year"):
            rows = analyses.totals(src, by, Filters(definition=ALL))
            assert sum(r["obligation_usd"] for r in rows) == total, (src, by)
    assert _key(analyses.totals(fast, "vendor", Filters())) == _key(
        analyses.totals(slow, "vendor", Filters())
    )
