"""Answers the HTTP server gives before the app sees a request carry the app's
security headers (issue 19 item 6): a 100 KB query string, a 1 MB one, a request
line that is not HTTP. Against `custodes serve` as a real process (one process and
--workers), and against each of uvicorn's parsers with custodes' protocol."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from custodes.serve.security import HEADERS
from custodes.settings import Settings
from tests.serve.conftest import free_port

pytestmark = pytest.mark.slow

HOSTILE = {
    "query string of 100 KB": b"GET /search?q=" + b"a" * 100_000 + b" HTTP/1.1\r\n"
    b"Host: x\r\n\r\n",
    "query string of 1 MB": b"GET /search?q=" + b"a" * 1_000_000 + b" HTTP/1.1\r\n"
    b"Host: x\r\n\r\n",
    "not HTTP": b"HELLO THERE\x00\x01\r\n\r\n",
    "a header name with a space": b"GET / HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n",
}


def raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send REQUEST as bytes; the status, headers (lower-cased) and body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        try:
            s.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading it all
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def check_answer(status: int, headers: dict[str, str], body: bytes) -> None:
    assert status == 400
    for name, value in HEADERS.items():
        assert headers.get(name) == value, f"{name} missing or wrong: {headers}"
    if headers["content-type"].startswith("text/html"):  # the app's error page
        assert b"Error 400" in body
        return
    error = json.loads(body)["error"]
    assert error["status"] == 400 and error["code"] == "bad_request"


def wait_for(port: int, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the server stopped: {proc.communicate()[0]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise AssertionError("the server did not answer within 90 s")


@pytest.fixture(scope="module", params=["one process", "two workers"])
def served(request, bare_store_path, tmp_path_factory) -> Iterator[int]:
    db = tmp_path_factory.mktemp("early") / "copy.duckdb"
    shutil.copy(bare_store_path, db)
    port = free_port()
    extra = ["--workers", "2"] if request.param == "two workers" else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "custodes", "--db", str(db), "serve", "--port",
         str(port), "--no-prepare", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        wait_for(port, proc)
        yield port
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


@pytest.mark.parametrize("what", list(HOSTILE))
def test_custodes_serve_answers_early_errors_with_its_headers(served, what):
    check_answer(*raw(served, HOSTILE[what]))


def test_the_app_itself_still_answers_with_its_headers(served):
    """A query string over the app's own bound reaches the app: same headers."""
    status, headers, body = raw(
        served, b"GET /search.json?q=" + b"a" * 3000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    check_answer(status, headers, body)
    assert "2000" in json.loads(body)["error"]["message"]


@pytest.mark.parametrize("protocol", ["SafeH11Protocol", "SafeHttpToolsProtocol"])
def test_each_parser_answers_with_the_headers(bare_store_path, protocol):
    """uvicorn's two parsers fail on different sizes; custodes' protocol for each."""
    import uvicorn

    from custodes.serve import server
    from custodes.serve.app import build_app

    if not hasattr(server, protocol):
        pytest.skip("httptools is not installed (uvicorn uses h11 then)")
    port = free_port()
    app = build_app(Settings(db=bare_store_path))
    srv = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="critical",
            http=f"custodes.serve.server:{protocol}",
        )
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    try:
        wait_for(port)
        for request in HOSTILE.values():
            check_answer(*raw(port, request))
        ok = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert ok.status_code == 200
        assert (
            ok.headers["content-security-policy"] == HEADERS["content-security-policy"]
        )
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
