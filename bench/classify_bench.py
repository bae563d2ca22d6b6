"""Benchmark: `custodes classify` on 1,000,000 awards made by scaling the real awards.

    .venv/bin/python bench/classify_bench.py [AWARDS] [--source STORE.duckdb]

1. Builds (or reuses) a store of the shared data (../shared/data/usaspending).
2. Makes a bench store whose "transaction" table holds copies of every real transaction
   under new award keys (`<award_key>#<copy>`), until there are AWARDS awards (default
   1,000,000, about 2 million transactions). Each copy's descriptions get a suffix
   ` [COPY n]`, so no two awards share a text; the suffix matches no rule.
3. Times `classify_store` (award texts, RE2 matching, decisions, atomic table rewrite)
   on it, in this process, with the default DuckDB memory limit (1500MB).
4. Baseline, same run: the naive approach, one Python `re.search` per rule pattern per
   award, timed on 5,000 awards and extrapolated to AWARDS. Prints the ratio.
Target: 1,000,000 awards in <= 60 s.
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from custodes.classify.pipeline import classify_store  # noqa: E402
from custodes.classify.rules import load_rules  # noqa: E402
from custodes.classify.taxonomy import load_taxonomy  # noqa: E402
from custodes.settings import Settings  # noqa: E402
from custodes.store import open_store  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "usaspending"


def real_store(path: Path | None) -> Path:
    if path:
        return path
    db = OUT / "classify_real.duckdb"
    if not db.exists():
        from custodes.ingest.load import ingest

        with open_store(Settings(db=db), write=True) as store:
            ingest(store, [SHARED])
    return db


def bench_store(source: Path, awards: int) -> Path:
    db = OUT / f"classify_{awards}.duckdb"
    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    with open_store(Settings(db=db), write=True) as store:
        con = store.con
        con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
        real = con.execute(
            'SELECT count(DISTINCT award_key) FROM src."transaction"'
        ).fetchone()[0]
        copies = -(-awards // real)
        con.execute(f"""
            INSERT INTO "transaction" BY NAME
            WITH keys AS (
              SELECT award_key, row_number() OVER (ORDER BY award_key) - 1 AS n
              FROM (SELECT DISTINCT award_key FROM src."transaction"))
            SELECT t.* REPLACE (
                     t.award_key || '#' || c.i AS award_key,
                     t.transaction_key || '#' || c.i AS transaction_key,
                     t.description || ' [COPY ' || c.i || ']' AS description)
            FROM src."transaction" t JOIN keys k USING (award_key)
            CROSS JOIN range({copies}) c(i)
            WHERE c.i * {real} + k.n < {awards}""")
        con.execute("DETACH src")
    return db


def naive_seconds_per_award(db: Path, sample: int = 5000) -> float:
    tax = load_taxonomy()
    rules = load_rules(tax)
    compiled = [
        (r, [re.compile(p) for p in r.patterns], [re.compile(p) for p in r.unless])
        for r in rules.rules
    ]
    with open_store(Settings(db=db)) as store:
        rows = store.rows(f"""SELECT award_key,
                upper(string_agg(description, ' | ')) AS text,
                '|' || upper(string_agg(DISTINCT recipient_name, '|')) || '|'
                    AS recipient,
                upper(string_agg(DISTINCT psc_description, ' | ')) AS psc,
                upper(string_agg(DISTINCT naics_description, ' | ')) AS naics
            FROM "transaction" GROUP BY award_key LIMIT {sample}""")
    t0 = time.perf_counter()
    for row in rows:
        fired = []
        for rule, pats, unless in compiled:
            text = row[rule.field] or ""
            hit = any(p.search(text) for p in pats)
            if hit and not any(u.search(text) for u in unless):
                fired.append(rule.id)
    return (time.perf_counter() - t0) / len(rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("awards", nargs="?", type=int, default=1_000_000)
    ap.add_argument("--source", type=Path, default=None)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    db = bench_store(real_store(args.source), args.awards)
    print(f"bench store built in {time.perf_counter() - t0:.1f} s: {db}")
    tax = load_taxonomy()
    rules = load_rules(tax)
    with open_store(Settings(db=db), write=True) as store:
        n_tx = store.scalar('SELECT count(*) FROM "transaction"')
        t0 = time.perf_counter()
        summary = classify_store(store, tax, rules, [])
        seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    naive = naive_seconds_per_award(db) * summary.awards
    print(
        f"awards {summary.awards:,}  transactions {n_tx:,}  "
        f"signatures {summary.signatures:,}"
    )
    rate = summary.awards / seconds
    print(
        f"custodes classify: {seconds:.1f} s  ({rate:,.0f} awards/s), "
        f"peak RSS {peak_mb:,.0f} MB"
    )
    print(f"naive per-award Python regex (from 5,000 awards): {naive:.1f} s")
    print(
        f"speed-up over naive: {naive / seconds:.1f}x   target <= 60 s: "
        f"{'met' if seconds <= 60 else 'NOT met'}"
    )
    surveillance = sum(v for k, v in summary.by_category.items() if k != "none")
    print(f"awards in a surveillance category: {surveillance:,}")


if __name__ == "__main__":
    main()
