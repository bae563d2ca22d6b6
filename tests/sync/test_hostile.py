"""`custodes sync` stays bounded against any server (issue 19 item 4), and rows it
writes show the API query they came from (item 6's first point). Each test starts its
own hostile server on 127.0.0.1 and stops it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from custodes.sync.client import ApiError, Client, Policy
from tests.conftest import store_rows
from tests.sync.conftest import FAST, make_rows

COUNT = "/api/v2/search/spending_by_transaction_count/"
FY = ["--fy", "2024", "--agency", "ICE"]


class Hostile(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, behave: Any):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.behave = behave
        self.requests: list[str] = []
        self.stop = threading.Event()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the client hanging up on us is the point

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    body = b""

    def do_GET(self) -> None:  # noqa: N802
        self._any()

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length)
        self._any()

    def _any(self) -> None:
        server: Hostile = self.server  # type: ignore[assignment]
        server.requests.append(f"{self.command} {self.path}")
        server.behave(self, server)


@contextmanager
def hostile(behave: Any) -> Iterator[Hostile]:
    server = Hostile(behave)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        server.shutdown()
        server.server_close()


def drip(handler: BaseHTTPRequestHandler, server: Hostile) -> None:
    """Headers at once, then one byte of a JSON body every 0.3 s (for up to 30 s):
    each read is quick, the reply never ends."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    handler.wfile.write(b'{"results": {"contracts": 1')
    for _ in range(100):
        if server.stop.wait(0.3):
            return
        try:
            handler.wfile.write(b" ")
            handler.wfile.flush()
        except OSError:
            return


def endless(handler: BaseHTTPRequestHandler, server: Hostile) -> None:
    """An endless chunked reply, as fast as the client takes it."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    chunk = b"[" + b"1," * 32_000
    try:
        while not server.stop.is_set():
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    except OSError:
        return


def test_timeout_bounds_the_whole_request_not_each_read():
    with (
        hostile(drip) as server,
        Client(server.url, Policy(rate=0, timeout=1.0, attempts=2, backoff=0)) as c,
    ):
        started = time.monotonic()
        with pytest.raises(ApiError, match="2 times"):
            c.post_json(COUNT, {"filters": {}})
        took = time.monotonic() - started
    assert took < 4, f"two attempts of a 1 s request took {took:.1f} s"
    assert "Timeout" in c.stats.failures[0]


def test_a_dripping_server_cannot_hold_a_sync_past_max_minutes(cli):
    with hostile(drip) as server:
        started = time.monotonic()
        result = cli(
            "sync", "--api-url", server.url, *FY, "--rate", "0", "--backoff", "0.01",
            "--timeout", "30", "--max-minutes", "0.05", "--json", expect=2,
        )  # fmt: skip
        took = time.monotonic() - started
    summary = json.loads(result.stdout)
    assert summary["status"] == "incomplete" and not summary["written"]
    assert took < 8, f"--max-minutes 0.05 (3 s) sync ran {took:.1f} s"


def test_a_reply_past_the_size_cap_is_refused_not_retried(cli, monkeypatch):
    monkeypatch.setenv("CUSTODES_SYNC_REPLY_LIMIT_MB", "1")
    with hostile(endless) as server:
        started = time.monotonic()
        result = cli("sync", "--api-url", server.url, *FY, *FAST, "--json", expect=2)
        took = time.monotonic() - started
        asked = list(server.requests)
    summary = json.loads(result.stdout)
    error = summary["missing"][0]["error"]
    assert "larger than 1 MB" in error and "sync_reply_limit_mb" in error
    assert len(asked) == 1 and took < 10  # not retried, not read on


def test_a_redirect_to_another_host_is_refused_and_nothing_written(cli, db_path):
    with hostile(lambda h, s: _answer_count(h)) as elsewhere:

        def redirect(handler: BaseHTTPRequestHandler, server: Hostile) -> None:
            handler.send_response(307)
            handler.send_header("Location", f"{elsewhere.url}{handler.path}")
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        with hostile(redirect) as server:
            result = cli(
                "sync", "--api-url", server.url, *FY, *FAST, "--json", expect=2
            )
    summary = json.loads(result.stdout)
    error = summary["missing"][0]["error"]
    assert "redirect to another host" in error and elsewhere.url in error
    assert elsewhere.requests == []  # the request was never re-sent there
    assert len(server.requests) == 1  # and not retried
    assert not summary["written"]
    assert store_rows(db_path, 'SELECT count(*) FROM "transaction"') == [(0,)]


def test_a_redirect_on_the_same_host_is_followed_and_recorded(fake_api, sync, db_path):
    rows = make_rows(30, seed=12)
    api = fake_api(rows)

    def moved(handler: _Handler, server: Hostile) -> None:
        """Everything moved under /v2mirror on this host; the fake API serves it."""
        if not handler.path.startswith("/v2mirror"):
            handler.send_response(307)
            handler.send_header("Location", f"/v2mirror{handler.path}")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        _proxy(handler, api.url, handler.path[len("/v2mirror") :])

    with hostile(moved) as server:
        code, s = sync(server.url, *FY)
    assert code == 0 and s["new"] == sum(r["Agency"] == "ICE" for r in rows) > 0
    assert s["redirects"] and all("HTTP 307" in r for r in s["redirects"])
    assert f"-> {server.url}/v2mirror/api/v2/search/" in s["redirects"][0]


def test_file_urls_are_refused_at_once(cli):
    started = time.monotonic()
    result = cli("sync", "--api-url", "file:///etc", *FY, "--json", expect=1)
    assert time.monotonic() - started < 2
    assert "http:// or https://" in " ".join(result.output.split())
    with pytest.raises(Exception, match="http:// or https://"):
        Client("file:///etc/passwd")


def test_synced_rows_show_the_api_query_not_a_staging_path(fake_api, sync, db_path):
    rows = make_rows(40, seed=13)
    api = fake_api(rows)
    code, s = sync(api.url, *FY)
    assert code == 0 and s["new"] > 0
    shown = store_rows(
        db_path,
        'SELECT DISTINCT source_file FROM "transaction" UNION '
        "SELECT DISTINCT path FROM source_file",
    )
    assert shown, "nothing stored"
    for (where,) in shown:
        assert where.startswith(f"{api.url}/api/v2/search/spending_by_transaction/")
        assert "2023-10-01 to 2024-09-30" in where
        assert str(db_path.parent) not in where and ".sync" not in where
    # The raw rows stay readable through the label (source_row joins on it).
    assert store_rows(db_path, "SELECT count(*) FROM source_row")[0][0] == s["new"]


def _answer_count(handler: BaseHTTPRequestHandler) -> None:
    body = json.dumps({"results": {"contracts": 0}}).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _proxy(handler: _Handler, base: str, path: str) -> None:
    import httpx

    reply = httpx.request(
        handler.command,
        base + path,
        content=handler.body or None,
        headers={"Content-Type": "application/json"},
    )
    handler.send_response(reply.status_code)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(reply.content)))
    handler.end_headers()
    handler.wfile.write(reply.content)
