"""DuckDB's full-text search extension (`fts`) on the award texts that
bench/search_compare.py exports; run by that script, in a separate environment.

DuckDB extensions are built for one DuckDB version. `INSTALL fts` downloads the
extension from DuckDB's extension site, which this machine cannot reach, and the
extension packaged on PyPI (`duckdb-extension-fts`) is built for DuckDB 1.5.5, not
custodes' 2.0.1. So this script runs in its own environment and reads only a Parquet
file and a JSON file (it imports nothing from custodes):

    python3 -m venv /tmp/venv_fts
    /tmp/venv_fts/bin/pip install duckdb-extension-fts==1.5.5   # brings duckdb 1.5.5
    /tmp/venv_fts/bin/python bench/search_fts.py AWARDS.parquet ASKED.json [--speed]

AWARDS.parquet: one row per award (award_id, award_key, text, the facet columns,
cents, fiscal_years, first_day, last_day). ASKED.json: {"quality": [{"q", "words"}],
"speed": [{"q", "sort", "min_cents"}]}. Prints one JSON object: the index build,
for each quality variant the first 20 award keys of every query, and with --speed
the time of a whole answer (total, obligations, the four facets and the years, a
page of 25 in the asked order) for every speed item, after one warm-up pass.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

FACETS = ("agency_code", "category", "vendor_id", "maker")
# The extension's defaults, except that digits are kept (its default `ignore` drops
# every character but a-z, so no contract number could be found).
INDEX = (
    "PRAGMA create_fts_index('awards', 'award_id', 'text', stemmer = 'porter', "
    "stopwords = 'english', ignore = '(\\.|[^a-z0-9])+', strip_accents = 1, "
    "lower = 1, overwrite = 1)"
)


def connect(parquet: Path) -> tuple[duckdb.DuckDBPyConnection, dict[str, float]]:
    import duckdb_extension_fts

    ext = (
        Path(duckdb_extension_fts.__file__).parent
        / "extensions"
        / f"v{duckdb.__version__}"
        / "fts.duckdb_extension"
    )
    con = duckdb.connect()
    con.execute(f"LOAD '{ext}'")
    start = time.perf_counter()
    con.execute(f"CREATE TABLE awards AS SELECT * FROM read_parquet('{parquet}')")
    loaded = time.perf_counter() - start
    con.execute(INDEX)
    built = time.perf_counter() - start - loaded
    docs = con.execute("SELECT count(*) FROM awards").fetchone()[0]
    return con, {"docs": docs, "load_s": loaded, "build_s": built}


def clean(text: str) -> str:
    """The query as the extension's tokenizer would read it (quotes would end it)."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def ranked(
    con: duckdb.DuckDBPyConnection, text: str, conjunctive: bool, n: int = 20
) -> list[str]:
    text = clean(text)
    if not text:
        return []
    rows = con.execute(
        f"""SELECT award_key FROM (
              SELECT award_key, fts_main_awards.match_bm25(award_id, ?,
                     conjunctive := {int(conjunctive)}) AS score FROM awards)
            WHERE score IS NOT NULL ORDER BY score DESC, award_key LIMIT {n}""",
        [text],
    ).fetchall()
    return [r[0] for r in rows]


def answer(con: duckdb.DuckDBPyConnection, item: dict[str, Any]) -> int:
    """The whole answer of custodes' search page: hits (every typed word required),
    their total and obligations, facets, years and a page of 25."""
    text = clean(item["q"])
    where = "score IS NOT NULL"
    if item.get("min_cents") is not None:
        where += f" AND cents >= {int(item['min_cents'])}"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE hits AS SELECT * FROM (
              SELECT *, fts_main_awards.match_bm25(award_id, ?, conjunctive := 1)
                     AS score FROM awards) WHERE {where}""",
        [text],
    )
    facets = con.execute(
        "SELECT agency_code, category, vendor_id, maker, count(*), sum(cents) "
        "FROM hits GROUP BY GROUPING SETS "
        "((agency_code), (category), (vendor_id), (maker), ())"
    ).fetchall()
    con.execute(
        "SELECT y, count(*) FROM (SELECT unnest(fiscal_years) AS y FROM hits) "
        "GROUP BY y"
    ).fetchall()
    order = "first_day DESC" if item.get("sort") == "newest" else "cents DESC"
    page = con.execute(
        f"SELECT award_id FROM hits ORDER BY {order} NULLS LAST, award_id LIMIT 25"
    ).fetchall()
    return len(facets) + len(page)


def timings(fn: Any, items: list[Any]) -> dict[str, float]:
    for item in items:  # warm-up
        fn(item)
    spent = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        spent.append((time.perf_counter() - start) * 1000)
    spent.sort()
    return {
        "searches": len(spent),
        "median_ms": statistics.median(spent),
        "p95_ms": spent[int(len(spent) * 0.95) - 1],
        "max_ms": spent[-1],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("parquet", type=Path)
    ap.add_argument("asked", type=Path)
    ap.add_argument("--speed", action="store_true")
    args = ap.parse_args()
    asked = json.loads(args.asked.read_text())
    con, built = connect(args.parquet)
    print("fts index:", json.dumps(built), file=sys.stderr, flush=True)
    out: dict[str, Any] = {"built": built, "duckdb": duckdb.__version__, "ranked": {}}
    variants = {
        "fts out of the box (all words, BM25)": lambda e: ranked(con, e["q"], True),
        "fts out of the box (any word, BM25)": lambda e: ranked(con, e["q"], False),
        "fts with custodes' words (any, BM25)": lambda e: ranked(
            con, " ".join(e["words"]), False
        ),
    }
    for name, fn in variants.items():
        out["ranked"][name] = {e["q"]: fn(e) for e in asked["quality"]}
    if args.speed:
        out["speed"] = timings(lambda item: answer(con, item), asked["speed"])
        print("fts speed:", json.dumps(out["speed"]), file=sys.stderr, flush=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
