"""What the one attribution of money to vendors moves in the search and on the vendor
pages' coverage line of a store (issue 15 item 5):

    .venv/bin/python bench/vendor_search.py --db STORE [--json]

STORE: a store with the web app's tables (`custodes serve --prepare`), opened
read-only. For every vendor of serve_vendor, compared:

* the search without words: its vendor facet's award count for the vendor (this
  code: every award it was paid on; before: the awards whose LATEST action was paid
  to it), and `?vendor=V`'s awards and money (this code: its own part of each award;
  before: every award under its latest vendor, whole);
* its page's line on awards known only through later modifications (this code: its
  own awards and money; before: the whole store's line, on every vendor page).

The "before" figures are read from serve_award by the rule that was replaced; the
"after" ones through custodes.search.engine and custodes.serve.pages.coverage.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from custodes.search.engine import SearchEngine, SearchOptions  # noqa: E402
from custodes.search.payees import load_payees  # noqa: E402
from custodes.search.query import Query  # noqa: E402
from custodes.serve.pages.coverage import coverage_summary  # noqa: E402
from custodes.store.reader import Reader  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True, type=Path)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    reader = Reader(args.db)
    started, cpu = time.perf_counter(), time.process_time()
    engine = SearchEngine(reader, options=SearchOptions(index=False))
    vendors = [
        r["vendor_id"]
        for r in reader.rows("SELECT vendor_id FROM serve_vendor ORDER BY 1")
    ]
    before = {
        r["vendor_id"]: (int(r["awards"]), r["usd"])
        for r in reader.rows(
            "SELECT vendor_id, count(*) AS awards, sum(obligation_usd) AS usd "
            "FROM serve_award WHERE vendor_id IS NOT NULL GROUP BY 1"
        )
    }
    everything = engine.search(Query(size=1))
    # the facet shows 15 rows; every vendor's count comes from its own ?vendor= search
    payees = load_payees(reader)
    shared = {v for parts in payees.parts.values() for v, _ in parts if v}
    facet_moved, money_moved, usd_moved = 0, 0, Decimal(0)
    largest: list[dict[str, Any]] = []
    for vendor_id in vendors:
        old_n, old_usd = before.get(vendor_id, (0, None))
        if vendor_id not in shared:  # no award of more than one payee: nothing moves
            continue
        got = engine.search(Query(vendor=vendor_id, size=1))
        if got.total != old_n:
            facet_moved += 1
        if got.obligation_usd != old_usd:
            money_moved += 1
            delta = (got.obligation_usd or Decimal(0)) - (old_usd or Decimal(0))
            usd_moved += abs(delta)
            largest.append(
                {
                    "vendor_id": vendor_id,
                    "awards": (old_n, got.total),
                    "usd": (old_usd, got.obligation_usd),
                }
            )
    largest.sort(key=lambda r: -abs((r["usd"][1] or 0) - (r["usd"][0] or 0)))
    today = date.today()
    store_line = coverage_summary(reader, None, today)["modifications_only"]
    lines = {"with_line": 0, "without_line": 0, "awards": 0}
    for vendor_id in vendors:
        mods = coverage_summary(reader, None, today, vendor_id)["modifications_only"]
        lines["with_line" if mods["line"] else "without_line"] += 1
        lines["awards"] += int(mods["awards"])
    out = {
        "store": str(args.db),
        "vendors": len(vendors),
        "awards_of_more_than_one_payee": len(payees.parts),
        "vendors_paid_on_them": len(shared),
        "search_facet_counts_moved": facet_moved,
        "search_money_moved": money_moved,
        "search_money_moved_usd": usd_moved,
        "largest": largest[:5],
        "unfiltered_total": (everything.total, everything.obligation_usd),
        "store_line": {
            k: store_line[k]
            for k in ("awards", "obligation_usd", "of_awards", "of_obligation_usd")
        },
        "coverage_lines": lines,
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
    }
    if args.json:
        print(json.dumps(out, indent=2, default=str))
        return
    print(
        f"search: {out['awards_of_more_than_one_payee']:,} awards of more than one "
        f"payee, {len(shared):,} vendors paid on them; ?vendor= and the vendor facet "
        f"count other awards for {facet_moved:,} of {len(vendors):,} vendors; "
        f"?vendor='s money moves for {money_moved:,} "
        f"(${usd_moved:,.2f} in absolute value)"
    )
    for r in out["largest"]:
        print(f"  {r['vendor_id']}: awards {r['awards']}, money {r['usd']}")
    s = out["store_line"]
    print(
        f"coverage: every vendor page stated the store's line ({s['awards']:,} of "
        f"{s['of_awards']:,} awards, ${s['obligation_usd']:,.2f}); now "
        f"{lines['with_line']:,} vendors state their own "
        f"({lines['awards']:,} awards in all) and {lines['without_line']:,} none"
    )
    print(f"{out['seconds']} s, {out['cpu_seconds']} CPU s")


if __name__ == "__main__":
    main()
