"""Where the money is: the largest awards of each category, and what a change moved.

    .venv/bin/python bench/classify_top.py STORE.duckdb [--n 10] [--save SNAP.json]
    .venv/bin/python bench/classify_top.py STORE.duckdb --diff SNAP.json [--min-usd 1e6]

Reads the `classification` table of a store (run `custodes classify` first) and each
award's net obligation (the sum of its transactions).

* Without --diff: the N largest awards by net obligation in every category, and the N
  largest awards tagged with a surveillance component inside a larger purchase, each
  with its recipient and its first descriptions, so that a person reads what the
  biggest decisions rest on.
* --save SNAP.json: also writes every award's category and component tag.
* --diff SNAP.json: the awards whose category or component tag differs from the
  snapshot, largest first, down to --min-usd, with what they buy: every one of them is
  to be read before a rule change lands.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import duckdb

AWARDS_SQL = """
WITH n AS (SELECT award_key, sum(obligation_usd)::DOUBLE AS net_usd,
                  string_agg(DISTINCT description, ' | ') AS texts
           FROM "transaction" GROUP BY award_key)
SELECT c.award_key, c.category, c.component_category, c.recipient, n.net_usd, n.texts
FROM classification c JOIN n USING (award_key)"""


def _money(v: float) -> str:
    return f"${v / 1e6:,.1f}M"


def _line(r: tuple, width: int = 160) -> str:
    key, cat, comp, recipient, net, texts = r
    tag = f" [component {comp}]" if comp else ""
    return (
        f"  {_money(net):>10}  {key}  {recipient}{tag}\n"
        f"              {(texts or '')[:width]}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--save", type=Path, default=None)
    ap.add_argument("--diff", type=Path, default=None)
    ap.add_argument("--min-usd", type=float, default=1_000_000)
    args = ap.parse_args()
    with duckdb.connect(str(args.store), read_only=True) as con:
        has_comp = bool(
            con.execute(
                "SELECT count(*) FROM information_schema.columns WHERE "
                "table_name = 'classification' AND column_name = 'component_category'"
            ).fetchone()[0]
        )
        sql = AWARDS_SQL
        if not has_comp:
            sql = sql.replace("c.component_category", "NULL AS component_category")
        rows = con.execute(sql).fetchall()
    if args.diff:
        before = json.loads(args.diff.read_text())
        changed = [
            r
            for r in rows
            if r[0] in before
            and (before[r[0]][0], before[r[0]][1]) != (r[1], r[2])
            and r[4] >= args.min_usd
        ]
        changed.sort(key=lambda r: -r[4])
        print(f"{len(changed)} awards of at least {_money(args.min_usd)} changed:")
        for r in changed:
            was = before[r[0]]
            print(f"{was[0]}{'/' + was[1] if was[1] else ''} -> {r[1]}")
            print(_line(r))
        return
    by_cat: dict[str, list[tuple]] = {}
    for r in rows:
        by_cat.setdefault(r[1], []).append(r)
    for cat in sorted(by_cat, key=lambda c: (c == "none", c)):
        if cat == "none":
            continue
        awards = sorted(by_cat[cat], key=lambda r: -r[4])
        total = sum(max(r[4], 0) for r in awards)
        print(f"== {cat}: {len(awards):,} awards, {_money(total)}")
        for r in awards[: args.n]:
            print(_line(r))
    comps = sorted((r for r in rows if r[2]), key=lambda r: -r[4])
    total = sum(max(r[4], 0) for r in comps)
    print(
        f"== not counted, surveillance component inside a larger purchase: "
        f"{len(comps):,} awards, {_money(total)}"
    )
    for r in comps[: args.n]:
        print(_line(r))
    if args.save:
        args.save.write_text(json.dumps({r[0]: [r[1], r[2]] for r in rows}))
        print(f"saved {len(rows):,} awards to {args.save}")


if __name__ == "__main__":
    main()
