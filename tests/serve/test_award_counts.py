"""A category's award count on the dashboard and /categories counts each award once,
as `custodes analyse totals --by category` does, on the store the real stages write
(tests/real_store.py). It summed serve_spending's per-year counts, so an award with
actions in three fiscal years was three awards (on the shared data, ICE's electronic
monitoring read 26 awards for 14)."""

from __future__ import annotations

from tests.serve.conftest import app_rows

# Straight from the stage tables, not from any table the figures layer writes.
DISTINCT_AWARDS = """
    SELECT c.category, count(DISTINCT t.award_key) AS awards,
           count(DISTINCT (t.award_key, t.fiscal_year)) AS award_years
    FROM "transaction" t JOIN classification c USING (award_key)
    WHERE t.awarding_sub_agency_code = '{code}' GROUP BY 1"""


def test_category_award_counts_count_each_award_once(real_web) -> None:
    spanning = 0
    for agency, code in (("ICE", "7012"), ("CBP", "7014")):
        stored = app_rows(real_web, DISTINCT_AWARDS.format(code=code))
        want = {r["category"]: r["awards"] for r in stored}
        spanning += sum(r["award_years"] > r["awards"] for r in stored)
        dash = real_web.get("/dashboard.json", params={"agency": agency}).json()
        shown = {r["category"]: r["awards"] for r in dash["tables"]["by_category"]}
        assert shown == {c: n for c, n in want.items() if c in shown}
        assert set(shown) == set(want) - {"none"}
        cats = real_web.get("/categories.json", params={"agency": agency}).json()
        listed = {r["category"]: r["awards"] for r in cats["tables"]["categories"]}
        assert {c: n for c, n in listed.items() if n} == want
        csv_head = real_web.get("/categories.csv", params={"agency": agency}).text
        assert "awards" in csv_head.splitlines()[0]
    # the fixture data have awards spanning fiscal years, or this test proves nothing
    assert spanning > 0
