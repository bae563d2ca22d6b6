"""Search libraries against custodes' own search, on the reporter query set and on
speed: tantivy (`pip install tantivy`, not a custodes dependency) and DuckDB's `fts`
extension (run by bench/search_fts.py in an environment of its own, since the
extension cannot be installed for custodes' DuckDB here: see that script).

    .venv/bin/pip install tantivy
    .venv/bin/python bench/search_compare.py --store STORE.duckdb [--speed] \
        [--fts-python /tmp/venv_fts/bin/python] [--speed-only]

STORE is a store prepared by `custodes serve --prepare`. The script indexes the same
text per award that custodes' word table holds (search/tables.py) into tantivy
(bench/out/search/), then
- quality: recall@20 and MRR on tests/search/queries.yaml for
  (a) custodes (largest obligations first),
  (b) tantivy with custodes' reading of the query (the same plan: spellings,
      synonyms, joins), largest obligations first: the same matches, so the same
      scores (a check that the two index the same text),
  (c) tantivy with custodes' reading, ranked by BM25 relevance,
  (d) tantivy out of the box: its query parser on the typed text, every word
      required, prefix and fuzzy (one edit) matching, ranked by BM25;
- with --speed: the time of a whole search answer (total, obligations, the
  agency/category/vendor/maker and fiscal-year facets, a page of 25) for every query,
  alone, with sort=newest and with min=100000, custodes' in-memory index against
  tantivy (aggregations for the facets), one thread, after one warm-up pass;
- with --fts-python, the same for DuckDB's fts (BM25 on the typed text, every word
  or any word, and on every word of custodes' reading; speed: every typed word).
--speed-only skips the quality part (for a generated store, whose replicated awards
tie with the expected ones).
Prints JSON; the figures go to docs/benchmarks.md and docs/search.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from search_fts import timings  # noqa: E402  (the same measure for every engine)

from custodes.search.engine import SearchEngine, order_plan  # noqa: E402
from custodes.search.query import Query  # noqa: E402
from custodes.search.tables import (  # noqa: E402
    category_words_sql,
    funding_words_sql,
    search_text_select,
)
from custodes.search.terms import Plan, Word, read_query  # noqa: E402
from custodes.search.tokens import load_token_counts  # noqa: E402
from custodes.store.reader import Reader  # noqa: E402
from tests.search.queryset import load_queries, score, summary  # noqa: E402

OUT = ROOT / "bench" / "out" / "search"
FACETS = ("agency_code", "category", "vendor_id", "maker")
EPOCH_SQL = "DATE '1970-01-01'"


AWARDS_SQL = f"""
    SELECT a.award_id, string_agg(t.text, ' | ') AS text, a.agency_code,
           a.category, a.vendor_id, a.maker,
           (a.obligation_usd * 100)::BIGINT AS cents, a.fiscal_years,
           datediff('day', {EPOCH_SQL}, a.first_action_date) AS first_day,
           datediff('day', {EPOCH_SQL}, a.last_action_date) AS last_day,
           a.award_key
    FROM serve_award a JOIN search_text t USING (award_id)
    GROUP BY ALL ORDER BY a.award_id"""


def award_texts(store: Path) -> duckdb.DuckDBPyConnection:
    """A connection to STORE with the view `search_text`: every text custodes' word
    table is made from (search/tables.py). AWARDS_SQL reads it per award, with the
    award's facet values, cents, fiscal years and action days."""
    con = duckdb.connect(str(store), read_only=True)
    con.execute(category_words_sql())
    con.execute(funding_words_sql())
    have_maker = bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_name = 'award_maker'"
        ).fetchall()[0][0]
    )
    con.execute(f"CREATE TEMP VIEW search_text AS {search_text_select(have_maker)}")
    return con


def export_awards(store: Path, parquet: Path) -> float:
    """The award texts and facet columns as Parquet, for bench/search_fts.py."""
    start = time.perf_counter()
    con = award_texts(store)
    con.execute(f"COPY ({AWARDS_SQL}) TO '{parquet}' (FORMAT parquet)")
    con.close()
    return time.perf_counter() - start


def reading_words(plan: Plan) -> list[str]:
    """Every word of custodes' reading of a query (spellings, synonyms, joins)."""
    return sorted(
        {w.text.lower() for c in plan.clauses for a in c.alternatives for t in a
         for w in t.words}
    )  # fmt: skip


def run_fts(python: str, parquet: Path, asked: dict[str, Any], speed: bool) -> Any:
    path = parquet.with_suffix(".json")
    path.write_text(json.dumps(asked))
    cmd = [python, str(ROOT / "bench" / "search_fts.py"), str(parquet), str(path)]
    done = subprocess.run(
        cmd + (["--speed"] if speed else []), check=True, capture_output=True, text=True
    )
    sys.stderr.write(done.stderr)
    return json.loads(done.stdout)


def build_tantivy(store: Path, folder: Path) -> tuple[Any, dict[str, float]]:
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("award_id", stored=True, indexed=True, fast=True)
    sb.add_text_field("text", stored=False, tokenizer_name="default")
    for f in FACETS:
        sb.add_text_field(f, stored=False, tokenizer_name="raw", fast=True)
    sb.add_integer_field("cents", indexed=True, fast=True)
    sb.add_integer_field("priced", indexed=True, fast=True)
    sb.add_integer_field("years", indexed=True, fast=True)
    sb.add_integer_field("first_day", indexed=True, fast=True)
    sb.add_integer_field("last_day", indexed=True, fast=True)
    schema = sb.build()
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    index = tantivy.Index(schema, path=str(folder))
    start = time.perf_counter()
    writer = index.writer(heap_size=500_000_000, num_threads=1)
    con = award_texts(store)
    rel = con.execute(AWARDS_SQL)
    docs = 0
    while True:
        rows = rel.fetchmany(50_000)
        if not rows:
            break
        for (
            award_id,
            text,
            agency,
            category,
            vendor,
            maker,
            cents,
            years,
            d1,
            d2,
            _,
        ) in rows:
            doc = tantivy.Document()
            doc.add_integer("award_id", award_id)
            doc.add_text("text", text or "")
            for name, value in zip(
                FACETS, (agency, category, vendor, maker), strict=True
            ):
                doc.add_text(name, value if value is not None else "~null")
            doc.add_integer("cents", cents if cents is not None else 0)
            doc.add_integer("priced", 0 if cents is None else 1)
            for y in years or ():
                doc.add_integer("years", y)
            doc.add_integer("first_day", d1 if d1 is not None else -(2**31))
            doc.add_integer("last_day", d2 if d2 is not None else -(2**31))
            writer.add_document(doc)
            docs += 1
    writer.commit()
    writer.wait_merging_threads()
    con.close()
    index.reload()
    seconds = time.perf_counter() - start
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return index, {"docs": docs, "build_s": seconds, "disk_mb": size / 1e6}


class Tantivy:
    """Searches answered by tantivy, from custodes' plan or its own parser."""

    def __init__(self, index: Any, keys: dict[int, str]):
        import tantivy

        self.t = tantivy
        self.index = index
        self.searcher = index.searcher()
        self.schema = index.schema
        self.keys = keys

    def _word(self, w: Word) -> Any:
        text = w.text.lower()
        if w.exact:
            return self.t.Query.term_set_query(self.schema, "text", [text, text + "s"])
        return self.t.Query.regex_query(self.schema, "text", re.escape(text) + ".*")

    def _any(self, parts: list[Any]) -> Any:
        if len(parts) == 1:
            return parts[0]
        return self.t.Query.boolean_query([(self.t.Occur.Should, p) for p in parts])

    def _all(self, parts: list[Any]) -> Any:
        if len(parts) == 1:
            return parts[0]
        return self.t.Query.boolean_query([(self.t.Occur.Must, p) for p in parts])

    def plan_query(self, plan: Plan, query: Query) -> Any:
        clauses = [
            self._any(
                [
                    self._all(
                        [self._any([self._word(w) for w in t.words]) for t in alt]
                    )
                    for alt in c.alternatives
                ]
            )
            for c in plan.clauses
        ]
        q = self.t.Query
        for name, value in query.filters().items():
            clauses.append(q.term_query(self.schema, name, value))
        if query.fiscal_year is not None:
            clauses.append(q.term_query(self.schema, "years", query.fiscal_year))
        if query.min_cents is not None:
            clauses.append(
                q.range_query(self.schema, "cents", self.t.FieldType.Integer,
                              query.min_cents, 2**62)
            )  # fmt: skip
            clauses.append(q.term_query(self.schema, "priced", 1))
        return self._all(clauses) if clauses else q.all_query()

    def ranked(self, query: Any, n: int, relevance: bool) -> list[str]:
        if relevance:
            found = self.searcher.search(query, n)
        else:
            found = self.searcher.search(
                query, n, order_by_field="cents", order=self.t.Order.Desc
            )
        out = []
        for _, address in found.hits:
            doc = self.searcher.doc(address)
            out.append(self.keys[doc["award_id"][0]])
        return out

    def parsed(self, text: str) -> Any:
        words = re.findall(r"[a-z0-9]+", text.lower())
        if not words:
            return self.t.Query.all_query()
        return self.index.parse_query(
            " AND ".join(words),
            ["text"],
            fuzzy_fields={"text": (True, 1, True)},
        )

    def answer(self, plan: Plan, query: Query) -> dict[str, Any]:
        """The whole search answer, as custodes' page needs it."""
        tq = self.plan_query(plan, query)
        aggs = {f: {"terms": {"field": f, "size": 100_000}} for f in FACETS}
        aggs["years"] = {"terms": {"field": "years", "size": 1000}}
        aggs["money"] = {"sum": {"field": "cents"}}
        found = self.searcher.aggregate(tq, aggs)
        if query.sort in ("largest", "smallest"):
            field, order = (
                "cents",
                (self.t.Order.Desc if query.sort == "largest" else self.t.Order.Asc),
            )
        else:
            field, order = (
                "first_day",
                (self.t.Order.Desc if query.sort == "newest" else self.t.Order.Asc),
            )
        page = self.searcher.search(
            tq, query.size, offset=query.offset, order_by_field=field, order=order,
            count=True,
        )  # fmt: skip
        return {"total": page.count, "facets": found, "hits": len(page.hits)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--speed", action="store_true")
    ap.add_argument("--speed-only", action="store_true")
    ap.add_argument("--fts-python", help="Python of an environment with fts")
    ap.add_argument(
        "--custodes-only", action="store_true", help="no tantivy (custodes' figures)"
    )
    ap.add_argument(
        "--reuse-tantivy",
        action="store_true",
        help="open the tantivy index a previous run built for this store",
    )
    args = ap.parse_args()
    args.speed = args.speed or args.speed_only
    print("load average before:", os.getloadavg(), flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    folder = OUT / f"tantivy_{args.store.stem}"
    index: Any = None
    built: dict[str, Any] = {}
    if args.reuse_tantivy and (folder / "meta.json").exists():
        import tantivy

        index = tantivy.Index.open(str(folder))
        built = {"docs": index.searcher().num_docs, "reused": str(folder)}
    elif not args.custodes_only:
        index, built = build_tantivy(args.store, folder)
    print("tantivy index:", json.dumps(built), flush=True)
    parquet = OUT / f"awards_{args.store.stem}.parquet"
    if args.fts_python:  # before the reader opens the store with other settings
        exported = export_awards(args.store, parquet)
        print(f"exported for fts: {exported:.1f} s", flush=True)
    reader = Reader(args.store, time_limit=60)
    start = time.perf_counter()
    engine = SearchEngine(reader).start()
    engine.wait()
    built_ours = time.perf_counter() - start
    print(f"custodes index: {built_ours:.1f} s", flush=True)
    con = reader.con.cursor()
    keys = dict(con.execute("SELECT award_id, award_key FROM serve_award").fetchall())
    con.close()
    tv: Any = Tantivy(index, keys) if index is not None else None
    counts = load_token_counts(reader)
    queries = load_queries()
    plans = {q["q"]: read_query(q["q"], counts) for q in queries}
    asked = [
        Query.from_params({"q": q["q"], **extra})
        for q in queries
        for extra in ({}, {"sort": "newest"}, {"min": "100000"})
    ]
    fts: dict[str, Any] = {}
    if args.fts_python:
        fts = run_fts(
            args.fts_python,
            parquet,
            {
                "quality": [
                    {"q": q["q"], "words": reading_words(plans[q["q"]])}
                    for q in queries
                ],
                "speed": [
                    {"q": a.text, "sort": a.sort, "min_cents": a.min_cents}
                    for a in asked
                ],
            },
            args.speed,
        )
        print("fts index:", json.dumps(fts["built"]), flush=True)

    def ours(text: str) -> list[str]:
        return [a["award_key"] for a in engine.search(Query(text=text, size=20)).awards]

    variants: dict[str, Any] = {"custodes (largest first)": ours}
    if index is not None:
        variants |= {
            "tantivy, custodes' reading, largest first": lambda t: tv.ranked(
                tv.plan_query(plans[t], Query(text=t)), 20, relevance=False
            ),
            "tantivy, custodes' reading, BM25": lambda t: tv.ranked(
                tv.plan_query(plans[t], Query(text=t)), 20, relevance=True
            ),
            "tantivy out of the box (all words, prefix + fuzzy, BM25)": lambda t: (
                tv.ranked(tv.parsed(t), 20, relevance=True)
            ),
        }
    for name, found in fts.get("ranked", {}).items():
        variants[name] = lambda t, found=found: found[t]
    quality = {}
    if not args.speed_only:
        for name, ranked in variants.items():
            quality[name] = summary(score(queries, ranked))
            print(name, json.dumps(quality[name]), flush=True)
    speed: dict[str, Any] = {}
    if args.speed:
        ordered = {
            id(query): order_plan(read_query(query.text, counts), counts)
            for query in asked
        }
        # the answer without reading award rows or labels (tantivy's neither)
        speed["custodes index"] = timings(
            lambda query: engine._find(query, ordered[id(query)], counts), asked
        )
        print("custodes", json.dumps(speed["custodes index"]), flush=True)
        speed["custodes, reading the query"] = timings(
            lambda query: order_plan(read_query(query.text, counts), counts), asked
        )
        print("custodes, reading", json.dumps(speed["custodes, reading the query"]))
        speed["custodes, whole search"] = timings(engine.search, asked)
        print("custodes, whole", json.dumps(speed["custodes, whole search"]))
        slowest = []
        for query in asked:  # which way answered the slowest searches
            start = time.perf_counter()
            way = engine.search(query).answered_by
            spent = (time.perf_counter() - start) * 1000
            asked_for = {k: str(v) for k, v in query.chosen().items() if v is not None}
            slowest.append((spent, asked_for, way))
        slowest.sort(key=lambda x: -x[0])
        speed["custodes, slowest"] = slowest[:15]
        speed["custodes, ways"] = {
            w: sum(1 for x in slowest if x[2] == w) for w in {x[2] for x in slowest}
        }
        print("slowest", json.dumps(slowest[:15]), flush=True)
        if index is not None:
            speed["tantivy"] = timings(
                lambda query: tv.answer(ordered[id(query)], query), asked
            )
            print("tantivy", json.dumps(speed["tantivy"]), flush=True)
        if "speed" in fts:
            speed["fts (every typed word)"] = fts["speed"]
    print("load average after:", os.getloadavg())
    result = {
        "store": str(args.store),
        "built": {"tantivy": built, "custodes_s": built_ours, **(
            {"fts": fts["built"]} if fts else {})},
        "quality": quality,
        "speed": speed,
    }  # fmt: skip
    (OUT / f"compare_{args.store.stem}.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
