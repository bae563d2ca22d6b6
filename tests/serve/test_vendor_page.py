"""The vendor page's prepared lists (serve_vendor_page) hold what a query per list
over the summary tables returns: every vendor of the fixture store, every list, in
the page's order and length; withheld names stay out."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import duckdb
import pytest

from custodes.sources import record_url

REFERENCE = {
    "by_year": """
        SELECT fiscal_year, sum(obligation_usd) AS obligation_usd,
               sum(awards) AS awards
        FROM serve_vendor_year WHERE vendor_id = $v GROUP BY 1 ORDER BY 1""",
    "family": """
        SELECT vendor_id, name, obligation_usd FROM serve_vendor
        WHERE parent_id = $v OR (family_id = (SELECT family_id FROM serve_vendor
                                              WHERE vendor_id = $v)
                                 AND vendor_id <> $v)
        ORDER BY obligation_usd DESC, vendor_id LIMIT 100""",
    "aliases": """
        SELECT recipient_name, recipient_uei, recipient_duns, method, score, reason
        FROM vendor_alias WHERE vendor_id = $v
          AND recipient_name NOT IN (SELECT recipient_name FROM serve_withheld_name)
        ORDER BY recipient_name, recipient_uei, recipient_duns, method LIMIT 500""",
    "resellers": """
        SELECT vendor_id, any_value(vendor_name) AS vendor_name, count(*) AS awards,
               sum(obligation_usd) AS obligation_usd
        FROM serve_award_maker
        WHERE maker_vendor_id = $v AND vendor_id IS DISTINCT FROM maker_vendor_id
        GROUP BY 1 ORDER BY obligation_usd DESC, vendor_id LIMIT 100""",
    "resold": """
        SELECT maker, min(maker_vendor_id) AS maker_vendor_id,
               count(*) AS awards, sum(obligation_usd) AS obligation_usd
        FROM serve_award_maker
        WHERE vendor_id = $v AND maker_vendor_id IS DISTINCT FROM vendor_id
        GROUP BY 1 ORDER BY obligation_usd DESC, maker LIMIT 100""",
}


def _plain(value: Any) -> Any:
    """As the JSON answer writes it: money as text, other values as they are."""
    if isinstance(value, Decimal):
        return str(value)
    return value


def _reference(con: duckdb.DuckDBPyConnection, sql: str, vendor_id: str) -> list:
    cur = con.execute(sql, {"v": vendor_id})
    names = [d[0] for d in cur.description]
    return [
        {k: _plain(v) for k, v in zip(names, row, strict=True)}
        for row in cur.fetchall()
    ]


def _key(rows: list[dict]) -> list:
    """Rows compared as sets where the page's order leaves ties (alias names)."""
    return sorted(rows, key=lambda r: [str(v) for v in r.values()])


def test_every_vendor_page_lists_what_the_tables_hold(client):
    con = client.app.state.reader.con.cursor()  # the store is open read-only
    try:
        vendors = [
            r[0] for r in con.execute("SELECT vendor_id FROM serve_vendor").fetchall()
        ]
        withheld = {
            r[0] for r in con.execute("SELECT * FROM serve_withheld_name").fetchall()
        }
        assert len(vendors) >= 10
        seen = dict.fromkeys(REFERENCE, 0)
        for vendor_id in vendors:
            got = client.get(f"/vendor/{vendor_id}.json")
            assert got.status_code == 200, got.text
            tables = got.json()["tables"]
            for name, sql in REFERENCE.items():
                want = _reference(con, sql, vendor_id)
                have = tables[name]
                if name == "aliases":
                    assert _key(have) == _key(want), (vendor_id, name)
                    assert not {r["recipient_name"] for r in have} & withheld
                else:
                    if name == "by_year":  # and the surveillance part of each year
                        have = [
                            {k: v for k, v in r.items() if k != "surveillance_usd"}
                            for r in have
                        ]
                    assert have == want, (vendor_id, name)
                seen[name] += bool(want)
    finally:
        con.close()
    # the fixture store exercises every list, so that the comparison means something
    assert all(seen.values()), seen


# Every award the vendor was paid on (each transaction under its own vendor), its
# largest part first, with the award's own totals and the vendor's part of them.
AWARDS_BY_RANK = """
    WITH p AS (SELECT award_id, sum(obligation_usd) AS part,
                      sum(transactions) AS n
               FROM serve_vendor_award WHERE vendor_id = ? GROUP BY 1)
    SELECT award_key, piid, agency_name, category, maker, description,
           first_action_date, last_action_date, obligation_usd, transactions,
           p.part AS vendor_obligation_usd, p.n AS vendor_transactions
    FROM p JOIN serve_award USING (award_id)
    ORDER BY p.part DESC NULLS LAST, award_id LIMIT ? OFFSET ?"""


def test_every_page_of_a_vendors_awards_is_its_awards_by_rank(client):
    """The page reads a range of award ids from memory; the reference reads the
    vendor's awards by their rank within the vendor."""
    con = client.app.state.reader.con.cursor()
    try:
        vendors = con.execute("SELECT vendor_id, awards FROM serve_vendor").fetchall()
        compared = 0
        for vendor_id, awards in vendors:
            for size in (3, 25):
                for page in range(1, -(-awards // size) + 2):  # one page past the end
                    got = client.get(
                        f"/vendor/{vendor_id}.json", params={"page": page, "size": size}
                    )
                    assert got.status_code == 200, got.text
                    have = got.json()["tables"]["awards"]
                    for row in have:
                        assert row.pop("category_label")
                        # every award row links to its source record (7e71638)
                        url = row.pop("usaspending_url")
                        assert url == record_url(row["award_key"]), row
                    for row in have:
                        # in words: all of the award, or the vendor's part of it
                        part = row.pop("vendor_part")
                        shared = row["vendor_transactions"] < row["transactions"]
                        assert (part == "all") is not shared, row
                    cur = con.execute(
                        AWARDS_BY_RANK, [vendor_id, size, (page - 1) * size]
                    )
                    names = [d[0] for d in cur.description]
                    want = [
                        {k: _json(v) for k, v in zip(names, r, strict=True)}
                        for r in cur.fetchall()
                    ]
                    assert have == want, (vendor_id, page, size)
                    compared += len(want)
    finally:
        con.close()
    assert compared >= 2 * sum(n for _, n in vendors)


def _json(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else _plain(value)


def test_a_vendor_page_with_its_awards_in_memory_runs_no_query(client):
    reader = client.app.state.reader
    con = reader.con.cursor()
    try:
        vendor_id = con.execute(
            "SELECT vendor_id FROM serve_vendor ORDER BY awards DESC LIMIT 1"
        ).fetchone()[0]
    finally:
        con.close()
    first = client.get(f"/vendor/{vendor_id}.json", params={"size": 7})
    assert first.status_code == 200
    calls: list[int] = []
    run = reader._run_batch

    def counted(statements):  # type: ignore[no-untyped-def]
        calls.append(len(statements))
        return run(statements)

    reader._run_batch = counted
    try:
        reader.cache.clear()
        got = client.get(f"/vendor/{vendor_id}.json", params={"size": 5})
    finally:
        reader._run_batch = run
    assert got.status_code == 200
    assert got.json()["tables"]["awards"], "the vendor has awards"
    assert calls == [], calls


@pytest.mark.parametrize("missing", ["no-such-vendor"])
def test_an_unknown_vendor_is_not_found(client, missing):
    got = client.get(f"/vendor/{missing}.json")
    assert got.status_code == 404
    assert "No vendor" in got.text


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    columns = list(zip(*rows, strict=True))
    selects = ", ".join(f"unnest(${i + 1})" for i in range(len(columns)))
    con.execute(f"INSERT INTO {table} SELECT {selects}", [list(c) for c in columns])


def _random_tables(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    """Summary tables with long lists, ties and withheld names, made at random."""
    import random

    rng = random.Random(seed)
    vendors = [f"v{i:03d}" for i in range(240)]
    families = ["v000", "v001"]
    con.execute(
        "CREATE TABLE serve_vendor (vendor_id VARCHAR, name VARCHAR, "
        "parent_id VARCHAR, family_id VARCHAR, obligation_usd DECIMAL(18, 2), "
        "search_text VARCHAR)"
    )
    rows = []
    for v in vendors:
        family = rng.choice(families)
        parent = family if v != family and rng.random() < 0.5 else None
        money = Decimal(rng.choice([0, 5, 5, 17, 250])) + Decimal(rng.randint(0, 3))
        rows.append((v, f"NAME {v}", parent, family, money, f"NAME {v}"))
    _insert(con, "serve_vendor", rows)
    con.execute(
        "CREATE TABLE serve_vendor_year (vendor_id VARCHAR, fiscal_year INTEGER, "
        "category VARCHAR, obligation_usd DECIMAL(38, 2), awards BIGINT)"
    )
    con.execute(
        "CREATE TABLE serve_withheld_name AS SELECT 'WITHHELD ' || i AS recipient_name "
        "FROM range(5) t(i)"
    )
    con.execute(
        "CREATE TABLE vendor_alias (vendor_id VARCHAR, recipient_name VARCHAR, "
        "recipient_uei VARCHAR, recipient_duns VARCHAR, method VARCHAR, "
        "score DOUBLE, reason VARCHAR)"
    )
    con.execute(
        "CREATE TABLE serve_award_maker (award_key VARCHAR, maker VARCHAR, "
        "maker_vendor_id VARCHAR, vendor_id VARCHAR, vendor_name VARCHAR, "
        "obligation_usd DECIMAL(18, 2))"
    )
    years, aliases, makers = [], [], []
    for v in vendors[:40]:
        for year in rng.sample(range(2013, 2025), rng.randint(1, 6)):
            for category in rng.sample(["a", "b", "none"], rng.randint(1, 3)):
                years.append(
                    (v, year, category, rng.randint(-50, 900), rng.randint(1, 9))
                )
        for i in range(rng.choice([1, 3, 620])):
            name = f"WITHHELD {i % 5}" if i % 7 == 0 else f"ALIAS {i % 300:03d}"
            aliases.append((v, name, f"U{i}", None, "rule", 0.5, "r"))
        for i in range(rng.choice([2, 260])):
            other = rng.choice(vendors + [None])
            makers.append((f"A{v}{i}", f"MAKER {i % 110}", v, other, f"N {other}",
                           rng.choice([1, 1, 2, 40])))  # fmt: skip
            makers.append((f"B{v}{i}", f"MAKER {i % 120}", rng.choice(vendors + [None]),
                           v, f"N {v}", rng.choice([3, 3, 8])))  # fmt: skip
    _insert(con, "serve_vendor_year", years)
    _insert(con, "vendor_alias", aliases)
    _insert(con, "serve_award_maker", makers)
    # the makers' channels (tests/figures/test_workbench.py tests that list)
    con.execute(
        "CREATE TABLE serve_maker_channel (owner VARCHAR, channel VARCHAR, "
        "vendor_id VARCHAR, vendor_name VARCHAR, awards BIGINT, "
        "obligation_usd DECIMAL(38, 2), surveillance_usd DECIMAL(38, 2))"
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_prepared_lists_match_a_query_per_list_on_long_lists(seed):
    from custodes.figures.serve_tables import serve_vendor_page_sql

    con = duckdb.connect()
    _random_tables(con, seed)
    con.execute(serve_vendor_page_sql({"vendor_alias": True}))
    lists = {"by_year": "years", "family": "family", "aliases": "aliases",
             "resellers": "resellers", "resold": "resold"}  # fmt: skip
    longest = dict.fromkeys(lists, 0)
    for (vendor_id,) in con.execute("SELECT vendor_id FROM serve_vendor").fetchall():
        cur = con.execute(
            "SELECT * FROM serve_vendor_page WHERE vendor_id = ?", [vendor_id]
        )
        row = dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))
        for name, column in lists.items():
            have = [{k: _plain(v) for k, v in r.items()} for r in row[column] or []]
            want = _reference(con, REFERENCE[name], vendor_id)
            if name == "aliases":
                assert _key(have) == _key(want), (vendor_id, name)
            else:
                assert have == want, (vendor_id, name)
            longest[name] = max(longest[name], len(want))
    # long enough to reach the page's limits, so that order and cut-off are tested
    assert longest["aliases"] == 500 and longest["family"] == 100, longest
    assert longest["resellers"] == 100 and longest["resold"] == 100, longest


def test_vendors_whose_name_matches_come_from_memory_as_from_the_table(client):
    """The search page's vendor list (custodes/search/directory.py) against SQL."""
    con = client.app.state.reader.con.cursor()
    try:
        names = [r[0] for r in con.execute("SELECT name FROM serve_vendor").fetchall()]
        words = sorted({w for n in names for w in n.upper().split() if len(w) > 1})
        words = words[:: max(1, len(words) // 40)] + ["A", "INC", "ZZZNOTHING"]
        words += [" ".join(n.upper().split()[1::-1]) for n in names if " " in n][:8]
        matched = 0
        for word in words:
            terms = word.split()
            cur = con.execute(
                "SELECT vendor_id, name, awards, obligation_usd FROM serve_vendor "
                f"WHERE {' AND '.join(['contains(search_text, ?)'] * len(terms))} "
                "ORDER BY obligation_usd DESC, vendor_id LIMIT 20",
                terms,
            )
            want = [
                {k: _plain(v) for k, v in zip(["vendor_id", "name", "awards",
                 "obligation_usd"], row, strict=True)}
                for row in cur.fetchall()
            ]  # fmt: skip
            got = client.get("/search.json", params={"q": word.lower()})
            assert got.status_code == 200, got.text
            assert got.json()["tables"]["vendors"] == want, word
            matched += len(want) > 1
    finally:
        con.close()
    assert matched >= 3


def test_a_vendors_award_ids_are_read_as_the_rows_give_them(store_path):
    """Reader.integers (no Python object per row) gives the ids the rows give, in
    order, and keeps to the time limit."""
    from custodes.serve.pages.vendor import VENDOR_AWARD_IDS_SQL
    from custodes.store.reader import QueryTimeout, Reader

    reader = Reader(store_path, cache_size=0)
    try:
        vendors = [
            r["vendor_id"]
            for r in reader.rows(
                "SELECT vendor_id FROM serve_award WHERE vendor_id IS NOT NULL "
                "GROUP BY 1 ORDER BY count(*) DESC LIMIT 20"
            )
        ]
        assert vendors
        for vendor_id in [*vendors, "nobody-at-all"]:
            want = [
                r["award_id"] for r in reader.rows(VENDOR_AWARD_IDS_SQL, [vendor_id])
            ]
            assert list(reader.integers(VENDOR_AWARD_IDS_SQL, [vendor_id])) == want
        assert len(reader.integers(VENDOR_AWARD_IDS_SQL, [vendors[0]])) > 1
        reader.time_limit = 0.2
        with pytest.raises(QueryTimeout):
            reader.integers(
                "SELECT count(*) FROM range(100000000000) a WHERE a.range % 7 = 3"
            )
    finally:
        reader.close()
