"""A bounded closed-loop HTTP/1.1 load generator on raw asyncio streams.

Why not httpx: on this 2-core machine an httpx client needed a whole core to send about
360 requests a second while the custodes server used a tenth of one, so the measured
latency was the client's own queue. This client speaks just enough HTTP/1.1 (GET,
keep-alive, Content-Length or chunked bodies) to cost a few percent of that, so the
server is what gets measured.

`load(base, urls, clients, seconds, cap, timeout)`: CLIENTS connections, each sending a
request as soon as its last one was answered, until SECONDS have passed or CAP requests
were sent. Each request picks a page kind uniformly, then one of that kind's addresses
(seeded). Returns latency figures by kind.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from urllib.parse import urlsplit


class HTTPError(Exception):
    pass


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; returns (status, keep-alive)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.read()  # body until close
        return status, False
    return status, headers.get("connection", "").lower() != "close"


def summarise(lat: list[float], errors: dict[str, int], elapsed: float) -> dict:
    lat = sorted(lat)
    q = statistics.quantiles(lat, n=100) if len(lat) >= 2 else [lat[0]] * 99
    return {
        "requests": len(lat),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "rps": round(len(lat) / elapsed, 1),
        "p50_ms": round(q[49] * 1000, 1),
        "p95_ms": round(q[94] * 1000, 1),
        "p99_ms": round(q[98] * 1000, 1),
    }


async def load(
    base: str,
    urls: list[tuple[str, str]],
    clients: int,
    seconds: float,
    cap: int,
    timeout: float = 60.0,
) -> dict:
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    by_kind: dict[str, list[str]] = {}
    for kind, url in urls:
        by_kind.setdefault(kind, []).append(url)
    kinds = sorted(by_kind)
    rng = random.Random(11)
    done: dict[str, list[float]] = {}
    errors: dict[str, dict[str, int]] = {}
    count = 0
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal count
        conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        while time.monotonic() < deadline and count < cap:
            count += 1
            kind = rng.choice(kinds)
            url = rng.choice(by_kind[kind])
            request = (
                f"GET {url} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                "Accept: */*\r\nConnection: keep-alive\r\n\r\n"
            ).encode("latin-1")
            t0 = time.perf_counter()
            why = None
            try:
                if conn is None:
                    conn = await asyncio.wait_for(
                        asyncio.open_connection(host, port), timeout
                    )
                conn[1].write(request)
                status, keep = await asyncio.wait_for(_read_response(conn[0]), timeout)
                why = None if status == 200 else str(status)
                if not keep:
                    conn[1].close()
                    conn = None
            except (
                TimeoutError,
                OSError,
                asyncio.IncompleteReadError,
                ValueError,
            ) as exc:
                why = type(exc).__name__
                if conn is not None:
                    conn[1].close()
                conn = None
            done.setdefault(kind, []).append(time.perf_counter() - t0)
            if why:
                errors.setdefault(kind, {})
                errors[kind][why] = errors[kind].get(why, 0) + 1
        if conn is not None:
            conn[1].close()

    start = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.monotonic() - start
    return {
        kind: summarise(lat, errors.get(kind, {}), elapsed)
        for kind, lat in done.items()
    }
