"""The HTTP side of the fake USAspending server: routing, faults on the wire, replies.

The endpoint logic lives in `FakeUsaspending` (server.py); this module turns HTTP
requests into calls on it and its answers (or injected faults) into HTTP responses. It
knows the server only through the `App` protocol below, so the two modules do not
import each other.
"""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlparse

from tests.fakes.usaspending.bulk import BulkJobs
from tests.fakes.usaspending.faults import Fault


class App(Protocol):
    """What the HTTP side needs from the fake server (FakeUsaspending)."""

    log: list[dict[str, Any]]
    bulk: BulkJobs

    def fault_for(self, path: str, page: int | None) -> Fault | None: ...

    def matching(self, filters: dict[str, Any]) -> list[dict[str, Any]]: ...

    def search(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]: ...

    def page_doc(
        self,
        rows: list[dict[str, Any]],
        fields: list[str],
        page: int,
        limit: int,
        fault: Fault | None,
    ) -> dict[str, Any]: ...


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (timeout test) is not an error here


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeUSAspending/1"

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    @property
    def app(self) -> App:
        return self.server.app  # type: ignore[attr-defined]

    def do_GET(self) -> None:  # noqa: N802
        parsed = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        self._route("GET", parsed.path, query)

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._send(400, {"detail": "Request body is not valid JSON"})
            return
        self._route("POST", urlparse(self.path).path, body)

    def _route(self, method: str, path: str, body: dict[str, Any]) -> None:
        app = self.app
        page = body.get("page") if method == "POST" else None
        app.log.append(
            {"method": method, "path": path, "body": body, "at": time.time()}
        )
        fault = app.fault_for(path, page)
        if fault and self._transport_fault(fault):
            return
        status, doc, raw = self._answer(method, path, body, fault)
        if raw is not None:
            self._send_bytes(status, raw, "application/zip", fault)
        else:
            self._send(status, doc, fault)

    def _transport_fault(self, fault: Fault) -> bool:
        if fault.kind == "slow":
            time.sleep(fault.delay)
            return False
        if fault.kind == "reset":
            self.close_connection = True
            self.connection.close()
            return True
        if fault.kind in ("500", "429"):
            headers = {"Retry-After": fault.retry_after} if fault.kind == "429" else {}
            self._send(int(fault.kind), {"detail": "injected fault"}, None, headers)
            return True
        return False

    def _answer(
        self, method: str, path: str, body: dict[str, Any], fault: Fault | None
    ) -> tuple[int, Any, bytes | None]:
        app = self.app
        p = path.rstrip("/") + "/"
        if method == "POST" and p == "/api/v2/search/spending_by_transaction_count/":
            n = len(app.matching(body.get("filters") or {}))
            return (
                200,
                {
                    "results": {
                        "contracts": n,
                        "idvs": 0,
                        "loans": 0,
                        "direct_payments": 0,
                        "grants": 0,
                        "other": 0,
                    },
                    "messages": [],
                },
                None,
            )
        if method == "POST" and p == "/api/v2/search/spending_by_transaction/":
            status, found = app.search(body)
            if status != 200:
                return status, found, None
            return (
                200,
                app.page_doc(
                    found["rows"], found["fields"], found["page"], found["limit"], fault
                ),
                None,
            )
        if method == "POST" and p == "/api/v2/bulk_download/awards/":
            status, doc = app.bulk.request(body, self._base(), fault)
            return status, doc, None
        if method == "GET" and p in (
            "/api/v2/download/status/",
            "/api/v2/bulk_download/status/",
        ):
            status, doc = app.bulk.status(
                body.get("file_name", ""), self._base(), fault
            )
            return status, doc, None
        if method == "GET" and p.startswith("/files/"):
            data = app.bulk.file(p[len("/files/") :].rstrip("/"), fault)
            if data is None:
                return 404, {"detail": "No such file"}, None
            return 200, None, data
        if method == "GET" and p in (
            "/api/v2/search/spending_by_transaction/",
            "/api/v2/bulk_download/awards/",
        ):
            return 405, {"detail": 'Method "GET" not allowed.'}, None
        return 404, {"detail": "Not found"}, None

    def _base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def _send(
        self,
        status: int,
        doc: Any,
        fault: Fault | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(doc).encode()
        if fault and fault.kind == "truncated":
            data = data[: max(1, len(data) // 2)]
        self._send_bytes(status, data, "application/json", None, headers)

    def _send_bytes(
        self,
        status: int,
        data: bytes,
        ctype: str,
        fault: Fault | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        if fault and fault.kind == "truncated":
            data = data[: max(1, len(data) // 2)]
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)
