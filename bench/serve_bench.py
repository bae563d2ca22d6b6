"""Web app under load: dashboard, search and vendor pages with 32 concurrent clients,
and the same transactions served by Datasette from SQLite with an equivalent faceted
query, measured in the same run.

    .venv/bin/python bench/serve_bench.py --transactions 10000000

Steps (each reused when its output already exists in bench/out/serve/):
1. base store: ingest ../shared/data/usaspending, then `custodes resolve` and
   `custodes classify` on it;
2. bench store: the base transactions (and their vendor links, classifications and
   maker attributions) replicated with fresh keys up to --transactions rows, two
   replicas per award (about four transactions per award);
3. `custodes serve --prepare` on it (timed);
4. SQLite copy of the same transactions (with category, vendor and maker) and an FTS5
   index on description and recipient, for Datasette;
5. load: a bounded closed-loop generator (bench/loadgen.py: N keep-alive connections
   on raw asyncio, fixed duration, request cap) against custodes (the page mix twice
   on the same server, cold then warm; then with its caches off) and against
   Datasette.
Prints a Markdown block for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx
from loadgen import load  # the raw-asyncio client (httpx needed a core of its own)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "serve"
SHARED = ROOT.parent / "shared" / "data" / "usaspending"
PY = sys.executable
CUSTODES = [PY, "-m", "custodes"]


def run(cmd: list[str], **kw) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, **kw)
    return time.perf_counter() - start


def build_base(path: Path) -> None:
    if path.exists():
        return
    for args in (["ingest", str(SHARED)], ["resolve"], ["classify"]):
        run([*CUSTODES, "--db", str(path), *args])


def replicate_sql(k: int) -> list[str]:
    """Statements that fill the bench store from the attached base store."""
    g = "r // 2"
    sfx = "CASE WHEN {e} = 0 THEN {c} ELSE {c} || '-G' || ({e}) END"
    reps = f"(SELECT r FROM range({k}) t(r))"
    awards = f"(SELECT DISTINCT {g} AS g FROM range({k}) t(r))"
    return [
        f"""INSERT INTO "transaction" BY NAME SELECT * EXCLUDE (r) REPLACE (
              {sfx.format(e="r", c="transaction_key")} AS transaction_key,
              {sfx.format(e=g, c="award_key")} AS award_key,
              {sfx.format(e=g, c="piid")} AS piid,
              CASE WHEN r % 2 = 0 THEN modification_number
                   ELSE coalesce(modification_number, '0') || 'G' END
                   AS modification_number)
            FROM base."transaction", {reps}""",
        "INSERT INTO ingest_run BY NAME SELECT * FROM base.ingest_run",
        f"""CREATE TABLE transaction_vendor AS
            SELECT {sfx.format(e="r", c="transaction_key")} AS transaction_key,
                vendor_id
            FROM base.transaction_vendor, {reps}""",
        "CREATE TABLE vendor AS SELECT * FROM base.vendor",
        "CREATE TABLE vendor_alias AS SELECT * FROM base.vendor_alias",
        f"""CREATE TABLE classification AS SELECT * EXCLUDE (g) REPLACE (
              {sfx.format(e="g", c="award_key")} AS award_key)
            FROM base.classification, {awards}""",
        f"""CREATE TABLE award_maker AS SELECT * EXCLUDE (g) REPLACE (
              {sfx.format(e="g", c="award_key")} AS award_key)
            FROM base.award_maker, {awards}""",
        "CREATE TABLE classification_run AS SELECT * FROM base.classification_run",
    ]


def build_bench_store(base: Path, path: Path, n: int) -> dict:
    meta = path.with_suffix(".json")
    if not path.exists():
        meta.write_text(json.dumps(generate_store(base, path, n)))
    info = json.loads(meta.read_text())
    stale = stale_reason(path) if "prepare_s" in info else "not prepared"
    if stale:
        print(f"preparing {path.name}: {stale}", flush=True)
        info["prepared_because"] = stale
        info["prepare_s"] = round(
            run([*CUSTODES, "--db", str(path), "serve", "--prepare"]), 1
        )
        con = duckdb.connect(str(path), read_only=True)
        info["awards"] = con.execute("SELECT count(*) FROM serve_award").fetchone()[0]
        info["tokens"] = con.execute("SELECT count(*) FROM serve_word").fetchone()[0]
        con.close()
        meta.write_text(json.dumps(info))
    return info


def stale_reason(path: Path) -> str | None:
    """Why the store's summary tables must be built again (a newer custodes lays them
    out differently, ...), or None: the servers below are built without the check
    that `custodes serve` makes at start."""
    from custodes.serve.prepare import serve_tables_stale
    from custodes.settings import Settings
    from custodes.store import open_store

    with open_store(Settings(db=path)) as store:
        return serve_tables_stale(store)


def generate_store(base: Path, path: Path, n: int) -> dict:
    from custodes.settings import Settings
    from custodes.store import open_store

    base_rows = (
        duckdb.connect(str(base), read_only=True)
        .execute('SELECT count(*) FROM "transaction"')
        .fetchone()[0]
    )
    k = max(1, math.ceil(n / base_rows))
    start = time.perf_counter()
    tmp = path.with_suffix(".tmp.duckdb")
    tmp.unlink(missing_ok=True)
    with open_store(Settings(db=tmp), write=True, command="bench") as store:
        store.execute(f"ATTACH '{base}' AS base (READ_ONLY)")
        for sql in replicate_sql(k):
            store.execute(sql)
        store.execute("DETACH base")
        rows = store.scalar('SELECT count(*) FROM "transaction"')
    tmp.rename(path)
    return {
        "transactions": rows,
        "replicas": k,
        "generate_s": round(time.perf_counter() - start, 1),
    }


SQLITE_COLUMNS = (
    "transaction_key",
    "award_key",
    "piid",
    "fiscal_year",
    "action_date",
    "agency",
    "recipient_name",
    "vendor_name",
    "category",
    "maker",
    "description",
    "obligation_usd",
)


def build_sqlite(store: Path, path: Path) -> dict:
    """The same transactions for Datasette: one table, facet columns indexed, FTS5."""
    if path.exists():
        return json.loads(path.with_suffix(".sqlite.json").read_text())
    start = time.perf_counter()
    tmp = path.with_suffix(".tmp.sqlite")
    tmp.unlink(missing_ok=True)
    lite = sqlite3.connect(tmp)
    lite.execute("PRAGMA journal_mode=OFF")
    lite.execute("PRAGMA synchronous=OFF")
    lite.execute(f"CREATE TABLE [transaction] ({', '.join(SQLITE_COLUMNS)})")
    con = duckdb.connect(str(store), read_only=True)
    cur = con.execute("""
        SELECT t.transaction_key, t.award_key, t.piid, t.fiscal_year,
            t.action_date::VARCHAR,
               t.awarding_sub_agency_name, CASE WHEN t.recipient_is_individual THEN NULL
               ELSE t.recipient_name END, a.vendor_name, a.category, a.maker,
               t.description, t.obligation_usd::DOUBLE
        FROM "transaction" t JOIN serve_award a USING (award_key)""")
    marks = ", ".join("?" * len(SQLITE_COLUMNS))
    while batch := cur.fetchmany(100_000):
        lite.executemany(f"INSERT INTO [transaction] VALUES ({marks})", batch)
    con.close()
    load_s = time.perf_counter() - start
    for col in (
        "agency",
        "fiscal_year",
        "category",
        "vendor_name",
        "maker",
        "obligation_usd",
    ):
        lite.execute(f"CREATE INDEX idx_{col} ON [transaction] ({col})")
    lite.execute(
        "CREATE VIRTUAL TABLE transaction_fts USING fts5(description, "
        "recipient_name, content='transaction')"
    )
    lite.execute(
        "INSERT INTO transaction_fts (rowid, description, recipient_name) "
        "SELECT rowid, description, recipient_name FROM [transaction]"
    )
    lite.commit()
    lite.close()
    tmp.rename(path)
    info = {
        "load_s": round(load_s, 1),
        "total_s": round(time.perf_counter() - start, 1),
    }
    path.with_suffix(".sqlite.json").write_text(json.dumps(info))
    return info


def start_server(cmd: list[str], url: str, env: dict | None = None) -> subprocess.Popen:
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.terminate()
    raise RuntimeError(f"server did not start: {' '.join(cmd)}")


def server_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a server process and its children (uvicorn
    workers), from /proc: the work the server did, whatever else shares the cores."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    spent: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        spent[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, grew = {pid}, True
    while grew:
        more = {p for p, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(spent.get(p, 0.0) for p in tree)


def server_memory_mb(pid: int) -> dict:
    """Resident memory of the server process now and at its peak (VmRSS, VmHWM), MB;
    with uvicorn workers, the main process only."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = round(int(value.split()[0]) / 1024)
    return {"rss_mb": found.get("VmRSS"), "peak_rss_mb": found.get("VmHWM")}


def per_request(pid: int, before: float, by_kind: dict) -> dict:
    """The server's CPU time since BEFORE, per request of a load run, and its memory
    after the run."""
    spent = server_cpu_seconds(pid) - before
    requests = sum(r["requests"] for r in by_kind.values())
    return {
        "cpu_s": round(spent, 2),
        "requests": requests,
        "cpu_ms_per_request": round(1000 * spent / max(requests, 1), 2),
        **server_memory_mb(pid),
    }


def page_cache_health() -> dict:
    """The page cache's entries and bytes, and the search index's state and build
    seconds, as the server's /healthz gives them."""
    health = httpx.get("http://127.0.0.1:8791/healthz", timeout=30).json()
    return {
        k: v
        for k, v in health.items()
        if k.startswith("page_cache") or k == "search_index"
    }


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def common_words_and_vendors(
    store: Path, words: int, vendors: int
) -> tuple[list[str], list[str]]:
    """The most common search words (four letters or more, no digits) and the vendors
    with the most awards, from the prepared store."""
    con = duckdb.connect(str(store), read_only=True)
    try:
        tokens = con.execute(
            "SELECT token FROM serve_word WHERE length(token) >= 4 AND NOT "
            "regexp_matches(token, '[0-9]') GROUP BY 1 ORDER BY count(*) DESC LIMIT ?",
            [words],
        ).fetchall()
        ids = con.execute(
            "SELECT vendor_id FROM serve_vendor ORDER BY awards DESC LIMIT ?", [vendors]
        ).fetchall()
    finally:
        con.close()
    return [r[0] for r in tokens], [r[0] for r in ids]


def custodes_urls(store: Path, words: int = 120) -> dict[str, list[tuple[str, str]]]:
    tokens, vendors = common_words_and_vendors(store, words, 300)
    rng = random.Random(5)
    dash = [
        ("dashboard", u)
        for u in ("/", "/?agency=7012", "/?agency=7014", "/dashboard.json")
    ]
    search = []
    for word in tokens:
        search.append(("search", f"/search?q={word}"))
        search.append(
            ("search", f"/search?q={word}&agency={rng.choice(['ICE', 'CBP'])}")
        )
        search.append(
            ("search", f"/search?q={word}&fy={rng.choice(range(2021, 2025))}")
        )
    vendor = [("vendor", f"/vendor/{v}") for v in vendors]
    vendor += [("vendor", f"/vendor/{v}?page=2") for v in vendors[:100]]
    return {
        "dashboard": dash,
        "search": search,
        "vendor": vendor,
        "words": tokens,
        "reporter": reporter_urls(),
    }


def reporter_urls() -> list[tuple[str, str]]:
    """The reporter query set (tests/search/queries.yaml), each query alone, sorted
    by newest first action and with an amount floor: searches read with spellings,
    synonyms and joined words (custodes/search/terms.py)."""
    from urllib.parse import urlencode

    sys.path.insert(0, str(ROOT))
    from tests.search.queryset import load_queries

    urls = []
    for entry in load_queries():
        for extra in ({}, {"sort": "newest"}, {"min": "100000"}):
            urls.append(
                ("reporter", "/search?" + urlencode({"q": entry["q"], **extra}))
            )
    return urls


def facet_pairs(
    words: list[str], db: str
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The equivalent faceted query: search words, facets agency, fiscal year, category,
    vendor and maker, 25 rows sorted by obligation."""
    ours = [("faceted", f"/search.json?q={w}") for w in words]
    facets = "&".join(
        f"_facet={f}"
        for f in ("agency", "fiscal_year", "category", "vendor_name", "maker")
    )
    theirs = [
        (
            "faceted",
            f"/{db}/transaction.json?_search={w}&{facets}&_size=25"
            "&_sort_desc=obligation_usd",
        )
        for w in words
    ]
    return ours, theirs


def serve_cmd(store: Path, port: int, cached: bool, workers: int = 1) -> list[str]:
    """The command that serves STORE on PORT: one process (caches on or off), or
    WORKERS uvicorn processes with the default caches, each building its app from the
    environment (start it with CUSTODES_DB set)."""
    if workers > 1:
        return [
            PY, "-m", "uvicorn", "--factory", "custodes.serve.app:app_from_env",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
            "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
    code = (
        "import uvicorn; from custodes.serve.app import build_app; "
        "from custodes.settings import Settings; "
        f"app = build_app(Settings(db={str(store)!r}), "
        # with the caches on, the app's own default sizes
        f"{'' if cached else 'cache_size=0, page_cache=0'}); "
        f"uvicorn.run(app, host='127.0.0.1', port={port}, log_level='warning', "
        "access_log=False)"
    )
    return [PY, "-c", code]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--transactions", type=int, default=10_000_000)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--cap", type=int, default=200_000)
    ap.add_argument(
        "--workers",
        type=int,
        default=1,
        help="Server processes for the cached custodes run (uvicorn workers).",
    )
    ap.add_argument(
        "--only-custodes",
        action="store_true",
        help="Only the cached custodes run (no caches-off run, no Datasette, no "
        "SQLite copy).",
    )
    ap.add_argument(
        "--no-datasette",
        action="store_true",
        help="Both custodes runs (cached, caches off); no SQLite copy, no Datasette.",
    )
    ap.add_argument(
        "--kinds",
        default="dashboard,search,vendor,reporter",
        help="Page kinds of the mix, comma-separated (default: all four).",
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=OUT,
        help="Folder of the stores and results (default bench/out/serve): another "
        "tree's, to use its stores in place instead of copying them.",
    )
    ap.add_argument(
        "--build-only",
        action="store_true",
        help="Build the stores and the SQLite copy, then stop.",
    )
    args = ap.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    base, store = out / "base.duckdb", out / f"bench_{args.transactions}.duckdb"
    lite = store.with_suffix(".sqlite")
    build_base(base)
    info = build_bench_store(base, store, args.transactions)
    print("store:", info, flush=True)
    if not (args.only_custodes or args.no_datasette):
        info["sqlite"] = build_sqlite(store, lite)
        print("sqlite:", info["sqlite"], flush=True)
    if args.build_only:
        return
    urls = custodes_urls(store)
    results: dict[str, dict] = {}
    server: dict[str, dict] = {}  # the server's CPU time per request of each mix run
    runs = [("custodes", True), ("custodes, caches off", False)]
    for label, cached in runs[:1] if args.only_custodes else runs:
        cmd = serve_cmd(store, 8791, cached, args.workers)
        if args.workers > 1:
            label = f"custodes, {args.workers} processes"
        proc = start_server(
            cmd, "http://127.0.0.1:8791/healthz", env={"CUSTODES_DB": str(store)}
        )
        try:
            mix = [u for kind in args.kinds.split(",") for u in urls[kind.strip()]]
            cpu = server_cpu_seconds(proc.pid)
            results[label] = asyncio.run(
                load("http://127.0.0.1:8791", mix, args.clients, args.seconds, args.cap)
            )
            server[label] = per_request(proc.pid, cpu, results[label])
            server[label]["health"] = page_cache_health()
            if cached:
                # The same mix again on the same server: steady state, once the pages
                # of the mix have been asked for (the first run starts from cold).
                second = f"{label}, second {args.seconds:g} s"
                cpu = server_cpu_seconds(proc.pid)
                results[second] = asyncio.run(
                    load(
                        "http://127.0.0.1:8791",
                        mix,
                        args.clients,
                        args.seconds,
                        args.cap,
                    )
                )
                server[second] = per_request(proc.pid, cpu, results[second])
                server[second]["health"] = page_cache_health()
            ours, _ = facet_pairs(urls["words"], lite.stem)
            results[label]["faceted"] = asyncio.run(
                load(
                    "http://127.0.0.1:8791",
                    ours,
                    args.clients,
                    args.seconds / 2,
                    args.cap,
                )
            )["faceted"]
            results[label]["faceted, 1 client"] = asyncio.run(
                load("http://127.0.0.1:8791", ours, 1, args.seconds / 2, 30)
            )["faceted"]
        finally:
            stop(proc)
        print(label, json.dumps(results[label]), flush=True)
    print("server CPU:", json.dumps(server), flush=True)
    if args.only_custodes or args.no_datasette:
        print(json.dumps(results, indent=1))
        return
    _, theirs = facet_pairs(urls["words"], lite.stem)
    ds = start_server(
        [
            PY,
            "-m",
            "datasette",
            "serve",
            "-i",
            str(lite),
            "--port",
            "8792",
            "--setting",
            "sql_time_limit_ms",
            "20000",
            "--setting",
            "facet_time_limit_ms",
            "20000",
            "--setting",
            "num_sql_threads",
            "4",
        ],
        "http://127.0.0.1:8792/-/versions.json",
    )
    try:
        results["datasette"] = {
            "faceted": asyncio.run(
                load(
                    "http://127.0.0.1:8792",
                    theirs,
                    args.clients,
                    args.seconds / 2,
                    args.cap,
                )
            )["faceted"]
        }
        results["datasette"]["faceted, 1 client"] = asyncio.run(
            load("http://127.0.0.1:8792", theirs, 1, args.seconds / 2, 30)
        )["faceted"]
    finally:
        stop(ds)
    print("datasette", json.dumps(results["datasette"]), flush=True)
    print_markdown(args, info, results)
    (out / f"results_{args.transactions}.json").write_text(
        json.dumps({"info": info, "results": results}, indent=2)
    )


def print_markdown(args: argparse.Namespace, info: dict, results: dict) -> None:
    print(
        f"\n{info['transactions']:,} transactions, {info['awards']:,} awards; "
        f"{args.clients} clients, {args.seconds:g} s per run\n"
    )
    print("| server | page | requests | errors | req/s | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for label, by_kind in results.items():
        for kind, r in by_kind.items():
            print(
                f"| {label} | {kind} | {r['requests']:,} | {r['errors']} | "
                f"{r['rps']} | "
                f"{r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} |"
            )
    one_ours = results["custodes, caches off"]["faceted, 1 client"]
    one_theirs = results["datasette"]["faceted, 1 client"]
    print(
        f"\nfaceted query, one client, caches off: p50 Datasette / custodes = "
        f"{one_theirs['p50_ms'] / one_ours['p50_ms']:.1f}x"
    )
    ours, theirs = results["custodes"]["faceted"], results["datasette"]["faceted"]
    cold = results["custodes, caches off"]["faceted"]
    print(
        f"\nfaceted query p95: Datasette / custodes = "
        f"{theirs['p95_ms'] / ours['p95_ms']:.1f}x (caches on), "
        f"{theirs['p95_ms'] / cold['p95_ms']:.1f}x (caches off); throughput "
        f"{ours['rps'] / max(theirs['rps'], 0.1):.1f}x / "
        f"{cold['rps'] / max(theirs['rps'], 0.1):.1f}x"
    )


if __name__ == "__main__":
    main()
