"""A vendor page's spending by fiscal year says what it counts: every award's
obligations (surveillance or not), as the vendor's net obligations above it, and
beside them the part counted as surveillance. Its CSV carried the definition
"surveillance" on every row while its figures counted every award (shared data:
RELX's FY2021 read $3,272,429.02, of which $2,745,822.92 is surveillance). On the
store the real stages write (tests/real_store.py)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from tests.serve.conftest import app_rows

# From the stage tables: each transaction under its own vendor (resolve's link; a
# natural person's under none), by fiscal year; surveillance = a category other than
# none: an award novated from one vendor to another gives each its own years.
BY_YEAR = """
    SELECT tv.vendor_id, t.fiscal_year, sum(t.obligation_usd) AS usd,
           coalesce(sum(t.obligation_usd) FILTER (WHERE c.category <> 'none'), 0)
               AS surveillance
    FROM "transaction" t JOIN classification c USING (award_key)
    JOIN transaction_vendor tv USING (transaction_key)
    WHERE NOT coalesce(t.recipient_is_individual, FALSE)
    GROUP BY 1, 2"""


def test_vendor_years_show_all_obligations_and_the_surveillance_part(real_web):
    want: dict[str, dict[int, tuple[Decimal, Decimal]]] = {}
    for r in app_rows(real_web, BY_YEAR):
        want.setdefault(r["vendor_id"], {})[r["fiscal_year"]] = (
            Decimal(r["usd"]),
            Decimal(r["surveillance"]),
        )
    # vendors paid for surveillance, and vendors paid for other things only (where
    # all obligations and the surveillance part differ)
    paid = [v for v, years in want.items() if any(s for _, s in years.values())]
    other = [
        v for v, years in want.items() if not any(s for _, s in years.values())
        and any(u for u, _ in years.values())
    ][:5]  # fmt: skip
    assert paid and other, "the fixture store lacks one of the two kinds of vendor"
    for vendor_id in paid + other:
        body = real_web.get(f"/vendor/{vendor_id}.json").json()
        shown = {
            r["fiscal_year"]: (
                Decimal(r["obligation_usd"]),
                Decimal(r["surveillance_usd"]),
            )
            for r in body["tables"]["by_year"]
        }
        assert shown == want[vendor_id]
        head = body["data"]["vendor"]
        assert sum(s for _, s in shown.values()) == Decimal(head["surveillance_usd"])
        assert sum(u for u, _ in shown.values()) == Decimal(head["obligation_usd"])
        assert "surveillance or not" in body["data"]["chart"]["title"]
        text = real_web.get(f"/vendor/{vendor_id}.csv", params={"table": "by_year"})
        rows = list(csv.DictReader(io.StringIO(text.text)))
        assert {
            int(r["fiscal_year"]): Decimal(r["surveillance_usd"]) for r in rows
        } == {fy: s for fy, (_, s) in want[vendor_id].items()}
        html = real_web.get(f"/vendor/{vendor_id}").text
        assert "Counted as surveillance" in html and "All obligations" in html
