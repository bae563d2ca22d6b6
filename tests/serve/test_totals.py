"""The serve_spending rows read once per reader (custodes/serve/pages/totals.py) are
the rows the queries give, for every agency and category, and stay the reader's own:
a caller changing its copy changes nobody else's."""

from __future__ import annotations

from custodes.figures import spending
from custodes.serve.pages.totals import by_agency_rows, has_category, spending_rows
from custodes.store.reader import Reader

CATEGORIES = (
    "SELECT DISTINCT category FROM serve_spending WHERE category IS NOT NULL UNION "
    "SELECT DISTINCT component_category FROM serve_spending "
    "WHERE component_category IS NOT NULL"
)


def test_rows_read_once_are_the_queries_rows(store_path):
    reader = Reader(store_path, cache_size=0)
    try:
        agencies = [
            r["agency_code"]
            for r in reader.rows("SELECT DISTINCT agency_code FROM serve_spending")
        ]
        assert len(agencies) >= 2
        for agency in [None, *agencies, "9999", "0000"]:
            sql, params = spending.spending_sql(agency)
            want = reader.rows(sql, params, cache=False)
            assert spending_rows(reader, agency) == want
            assert spending_rows(reader, agency) == want  # read from the reader now
        assert spending_rows(reader, "9999") == []
        assert by_agency_rows(reader) == reader.rows(spending.BY_AGENCY_SQL)
        held = [r["category"] for r in reader.rows(CATEGORIES)]
        assert held
        for category in [*held, "spyware", "nothing", ""]:
            count = reader.scalar(
                "SELECT count(*) FROM serve_spending WHERE category = ? "
                "OR component_category = ?",
                [category, category],
            )
            assert has_category(reader, category) == bool(count)
    finally:
        reader.close()


def test_each_caller_gets_its_own_copies(store_path):
    reader = Reader(store_path, cache_size=0)
    try:
        first = spending_rows(reader, None)
        first[0]["obligation_usd"] = "changed"
        first.clear()
        again = spending_rows(reader, None)
        assert again and again[0]["obligation_usd"] != "changed"
        rows = by_agency_rows(reader)
        rows[0]["agency_name"] = "changed"
        assert by_agency_rows(reader)[0]["agency_name"] != "changed"
    finally:
        reader.close()
