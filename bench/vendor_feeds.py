"""What the one attribution of money to vendors moves in the feeds, the what's-new
page and the makers' channels of a store (issue 15 item 5):

    .venv/bin/python bench/vendor_feeds.py --db STORE [--json]

STORE: a store with the web app's tables (`custodes serve --prepare`), opened
read-only. Compared, for every vendor of serve_vendor:

* the actions its feed follows (the feed's default scope: every award, $0 actions
  left out, no date window) by this code (`custodes.figures.news.latest_actions`:
  its own actions, on any award, and the awards naming it as maker) against the
  rule before: every action of the awards whose LATEST action was paid to it, and
  of the awards naming it as maker; and its feed's 50 entries;
* every action's "Paid to" on /new: its own vendor against its award's latest;
* every maker's channel award counts (serve_maker_channel through
  `custodes.figures.makers.summarise`) against the per-vendor rows summed, as before.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb  # noqa: E402

from custodes.figures import makers, news  # noqa: E402
from custodes.figures.definition import Definition  # noqa: E402

ENTRIES = 50  # custodes/serve/pages/feeds.py


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True, type=Path)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    con = duckdb.connect(str(args.db), read_only=True)

    def rows(sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    started, cpu = time.perf_counter(), time.process_time()
    out: dict[str, Any] = {"store": str(args.db)}
    out["feeds"] = feeds(rows)
    out["whats_new"] = whats_new(rows)
    out["channels"] = channels(rows)
    out["seconds"] = round(time.perf_counter() - started, 1)
    out["cpu_seconds"] = round(time.process_time() - cpu, 1)
    if args.json:
        print(json.dumps(out, indent=2, default=str))
        return
    f, w, c = out["feeds"], out["whats_new"], out["channels"]
    print(
        f"feeds: {f['vendors']:,} vendors ({f['candidates']:,} paid on an award with "
        f"another payee); {f['moved']:,} follow other actions "
        f"({f['entries_moved']:,} of them show other entries among their "
        f"{ENTRIES}): {f['added']:,} actions added (${f['added_usd']:,.2f} net), "
        f"{f['removed']:,} removed (${f['removed_usd']:,.2f} net)"
    )
    for r in f["largest"]:
        print(
            f"  {r['vendor_id']} {r['name']}: +{r['added']} "
            f"(${r['added_usd']:,.2f}) -{r['removed']} (${r['removed_usd']:,.2f})"
        )
    print(
        f"what's new: {w['actions']:,} actions; {w['renamed']:,} named with another "
        f"vendor than their award's latest (${w['renamed_usd']:,.2f} net) on "
        f"{w['awards']:,} awards"
    )
    print(
        f"channels: {c['owners']:,} makers; {c['moved']:,} with other award counts "
        f"({c['both_awards']:,} awards bought both ways; total awards "
        f"{c['total_before']:,} -> {c['total_after']:,})"
    )
    print(f"{out['seconds']} s, {out['cpu_seconds']} CPU s")


def feeds(rows: Any) -> dict[str, Any]:
    vendors = rows("SELECT vendor_id, name FROM serve_vendor ORDER BY vendor_id")
    # Only a vendor paid on an award with more than one payee can follow other
    # actions than before (an award of one vendor is that vendor's latest's too).
    candidates = {
        r["vendor_id"]
        for r in rows(
            """SELECT DISTINCT vendor_id FROM serve_vendor_award
               WHERE award_id IN (
                   SELECT award_id FROM serve_vendor_award GROUP BY 1
                   HAVING count(DISTINCT coalesce(vendor_id, '')) > 1)
               UNION SELECT vendor_id FROM serve_award WHERE award_id IN (
                   SELECT award_id FROM serve_vendor_award GROUP BY 1
                   HAVING count(DISTINCT coalesce(vendor_id, '')) > 1)"""
        )
    }
    old_sql = """
        SELECT s.transaction_key, s.obligation_usd, s.action_date
        FROM serve_action s
        WHERE s.obligation_usd <> 0 AND s.award_id IN (
            SELECT award_id FROM serve_award WHERE vendor_id = ?
            UNION SELECT a.award_id FROM serve_award a
            JOIN serve_award_maker USING (award_key) WHERE maker_vendor_id = ?)
        ORDER BY s.action_date DESC NULLS LAST, abs(s.obligation_usd) DESC,
                 s.transaction_key"""
    scope_of = {"counted_only": False}
    moved: list[dict[str, Any]] = []
    entries_moved = 0
    for v in vendors:
        vid = v["vendor_id"]
        if vid not in candidates:
            continue
        old = rows(old_sql, [vid, vid])
        new = news.latest_actions(
            rows,
            news.NewsScope(vendor_ids=(vid,), **scope_of),
            Definition(),
            limit=10_000_000,
        ).actions
        old_usd = {r["transaction_key"]: r["obligation_usd"] for r in old}
        new_usd = {r["transaction_key"]: r["obligation_usd"] for r in new}
        if old_usd.keys() == new_usd.keys():
            continue
        added = new_usd.keys() - old_usd.keys()
        removed = old_usd.keys() - new_usd.keys()
        shown_old = [r["transaction_key"] for r in old[:ENTRIES]]
        shown_new = [r["transaction_key"] for r in new[:ENTRIES]]
        entries_moved += shown_old != shown_new
        moved.append(
            {
                "vendor_id": vid,
                "name": v["name"],
                "added": len(added),
                "added_usd": sum((new_usd[k] for k in added), Decimal(0)),
                "removed": len(removed),
                "removed_usd": sum((old_usd[k] for k in removed), Decimal(0)),
            }
        )
    moved.sort(key=lambda r: -(abs(r["added_usd"]) + abs(r["removed_usd"])))
    return {
        "vendors": len(vendors),
        "candidates": len(candidates),
        "moved": len(moved),
        "entries_moved": entries_moved,
        "added": sum(r["added"] for r in moved),
        "added_usd": sum((r["added_usd"] for r in moved), Decimal(0)),
        "removed": sum(r["removed"] for r in moved),
        "removed_usd": sum((r["removed_usd"] for r in moved), Decimal(0)),
        "largest": moved[:5],
    }


def whats_new(rows: Any) -> dict[str, Any]:
    actions = rows(
        """SELECT s.award_id, s.transaction_key, s.obligation_usd,
                  s.own_vendor_id AS vendor_id, s.vendor_id AS award_vendor_id
           FROM serve_action s"""
    )
    renamed = [a for a in actions if a["vendor_id"] != a["award_vendor_id"]]
    return {
        "actions": len(actions),
        "renamed": len(renamed),
        "renamed_usd": sum((a["obligation_usd"] for a in renamed), Decimal(0)),
        "awards": len({a["award_id"] for a in renamed}),
    }


def channels(rows: Any) -> dict[str, Any]:
    by_owner: dict[str, list[dict[str, Any]]] = {}
    for r in rows("SELECT * FROM serve_maker_channel"):
        by_owner.setdefault(r["owner"], []).append(r)
    moved, both, before, after = 0, 0, 0, 0
    for part in by_owner.values():
        new = makers.summarise(part)
        old = makers.summarise(
            [r for r in part if r["channel"] in ("direct", "reseller")]
        )
        counts = lambda s: tuple(  # noqa: E731
            s[k]["awards"] for k in ("total", "direct", "through_resellers")
        )
        moved += counts(new) != counts(old)
        both += new["both"]["awards"]
        before += old["total"]["awards"]
        after += new["total"]["awards"]
    return {
        "owners": len(by_owner),
        "moved": moved,
        "both_awards": both,
        "total_before": before,
        "total_after": after,
    }


if __name__ == "__main__":
    main()
