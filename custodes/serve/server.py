"""The HTTP server around the web app: uvicorn, with its own answers made safe.

uvicorn answers a few requests itself, before the app sees them: a request line or
headers too large for its parser (a 100 KB query string), or a request it cannot
parse. Its own answer is a bare `400 Bad Request` in plain text, without the security
headers every answer of the app carries (custodes/serve/security.py). The protocol
classes here answer those requests with the same headers and the app's JSON error
shape, so that no answer of the server leaves them out. `run` starts uvicorn with
them; `custodes serve` uses it for every way it serves (one process, --workers,
--snapshot).
"""

from __future__ import annotations

import json
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from custodes.serve.security import HEADERS
from custodes.serve.views import error_body

EARLY_MESSAGE = (
    "The server could not read this request: its request line or headers are too "
    "large or malformed. Keep the query string under 2000 characters."
)


def early_response(status: int = 400) -> bytes:
    """The whole HTTP answer to a request the app never saw: the app's error shape
    and the app's security headers; the connection is then closed."""
    body = json.dumps(error_body(status, "bad_request", EARLY_MESSAGE)).encode()
    lines = [
        f"HTTP/1.1 {status} Bad Request",
        "content-type: application/json",
        f"content-length: {len(body)}",
        "connection: close",
        *(f"{name}: {value}" for name, value in HEADERS.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class SafeH11Protocol(H11Protocol):
    """uvicorn's h11 protocol; its own 400 answers carry the app's headers."""

    def send_400_response(self, msg: str) -> None:
        self.transport.write(early_response())
        self.transport.close()


PROTOCOL = "custodes.serve.server:SafeH11Protocol"

try:  # uvicorn's default parser when httptools is installed (uvicorn[standard])
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - without httptools, h11 serves
    pass
else:

    class SafeHttpToolsProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol; its own 400 answers carry the app's
        headers."""

        def send_400_response(self, msg: str) -> None:
            self.transport.write(early_response())
            self.transport.close()

    PROTOCOL = "custodes.serve.server:SafeHttpToolsProtocol"


def run(app: Any, **options: Any) -> None:
    """uvicorn.run(APP, **OPTIONS) with the safe protocol (an import string, so that
    --workers processes find it too)."""
    import uvicorn

    uvicorn.run(app, http=PROTOCOL, **options)
