"""The web app under a long-tail page mix: more distinct pages than the page cache
holds.

    .venv/bin/python bench/serve_longtail.py [--seconds 30]

Uses the 10M-transaction store that bench/serve_bench.py builds. The mix has 10,004
addresses (the 3,000 most common words of four letters or more, each alone and with an
agency filter; the 3,000 vendors with the most awards, and page 2 of the first 1,000;
the 4 dashboard addresses), ten times the 1,024 pages the cache holds, so most search
and vendor pages are computed. 32 clients, caches on, server started cold.
"""

from __future__ import annotations

import argparse
import asyncio
import random

import serve_bench as sb
from loadgen import load


def longtail_urls(store) -> list[tuple[str, str]]:
    words, vendors = sb.common_words_and_vendors(store, 3000, 3000)
    rng = random.Random(7)
    urls = [("search", f"/search?q={w}") for w in words]
    urls += [
        ("search", f"/search?q={w}&agency={rng.choice(['ICE', 'CBP'])}") for w in words
    ]
    urls += [("vendor", f"/vendor/{v}") for v in vendors]
    urls += [("vendor", f"/vendor/{v}?page=2") for v in vendors[:1000]]
    urls += [
        ("dashboard", u)
        for u in ("/", "/?agency=7012", "/?agency=7014", "/dashboard.json")
    ]
    return urls


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--transactions", type=int, default=10_000_000)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--workers", type=int, default=1, help="Server processes.")
    args = ap.parse_args()
    store = sb.OUT / f"bench_{args.transactions}.duckdb"
    urls = longtail_urls(store)
    print(f"{len(urls):,} addresses")
    cmd = sb.serve_cmd(store, 8796, True, args.workers)
    proc = sb.start_server(
        cmd,
        "http://127.0.0.1:8796/healthz",
        env={"CUSTODES_DB": str(store)},
    )
    try:
        cpu = sb.server_cpu_seconds(proc.pid)
        result = asyncio.run(
            load("http://127.0.0.1:8796", urls, 32, args.seconds, 200_000)
        )
        cpu = sb.server_cpu_seconds(proc.pid) - cpu
    finally:
        sb.stop(proc)
    served = sum(r["requests"] for r in result.values())
    print(
        f"server CPU: {cpu:.1f} s for {served:,} requests, "
        f"{1000 * cpu / max(1, served):.1f} ms a request"
    )
    print("| page | requests | errors | req/s | p50 ms | p95 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind, r in sorted(result.items()):
        print(
            f"| {kind} | {r['requests']:,} | {r['errors']} | {r['rps']} | "
            f"{r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} |"
        )


if __name__ == "__main__":
    main()
