"""A polite, bounded HTTP client: what every source's fetcher (custodes/sources/) uses
to talk to a server (the digest webhook shares its retry rules).

Every call is an idempotent read, so every failure that looks temporary is retried:
connection errors and empty replies, timeouts, HTTP 429 and 5xx, and bodies that are
not valid JSON (a truncated reply). Waits grow exponentially (with jitter) and honour
Retry-After. Three budgets bound every loop: attempts per request, the total number
of requests a run may make, and a wall-clock deadline for the run.

Bounded against any server, however it behaves:

* `timeout` bounds a whole request (connecting, sending, the headers and the whole
  body), not each read: every socket operation waits at most until the request's
  deadline (and never past the run's), so a server dripping a byte at a time cannot
  hold a run open;
* a reply larger than its cap (`max_reply_bytes` for JSON, `max_download_bytes` for a
  downloaded file) is cut off and refused, not retried;
* redirects are followed only to the same scheme, host and port, and each one is
  recorded in `Stats.redirects`; a redirect elsewhere is refused, not retried;
* only http:// and https:// URLs are asked, so `file://` is refused at once.
"""

from __future__ import annotations

import email.utils
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpcore
import httpx

from custodes import __version__
from custodes.errors import CustodesError, InputError

RETRY_STATUS = {429, 500, 502, 503, 504}
REDIRECT_STATUS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 5
ERROR_BODY = 64 << 10  # of an error reply, read this much for the message


class ApiError(CustodesError):
    """The API refused a request or kept failing after every retry."""

    exit_code = 2

    def __init__(self, message: str, status: int | None = None, body: str = ""):
        super().__init__(message)
        self.status = status
        self.body = body


class BudgetExhausted(ApiError):
    """The run reached --max-requests or its time limit; the rest waits for the next
    run."""


class Refused(ApiError):
    """A reply custodes will not use however often it asks: too large, or sent
    elsewhere. Not retried."""


@dataclass
class Policy:
    """How hard and how fast to ask. Defaults suit the public API; tests shrink them."""

    rate: float = 2.0  # requests per second at most
    timeout: float = 60.0  # seconds per request
    attempts: int = 6  # tries per request, the first included
    backoff: float = 1.0  # first wait, doubled each retry
    max_wait: float = 120.0  # longest single wait, Retry-After included
    max_requests: int | None = None  # for the whole run
    max_seconds: float | None = None  # for the whole run
    max_reply_bytes: int = 64 << 20  # a JSON reply (settings: sync_reply_limit_mb)
    max_download_bytes: int = 20_000 << 20  # a downloaded file (sync_download_limit_mb)


@dataclass
class Stats:
    requests: int = 0
    retries: int = 0
    failures: list[str] = field(default_factory=list)
    redirects: list[str] = field(default_factory=list)  # followed, same host only

    def to_dict(self) -> dict[str, object]:
        return {
            "requests": self.requests,
            "retries": self.retries,
            "transient_failures": self.failures[-20:],
            "redirects": self.redirects,
        }


class _Deadline:
    """The moment the request under way must be over; every socket operation of the
    client waits at most until then (see _DeadlineBackend)."""

    def __init__(self) -> None:
        self.at: float | None = None

    def wait(self, timeout: float | None, late: type[Exception]) -> float | None:
        if self.at is None:
            return timeout
        left = self.at - time.monotonic()
        if left <= 0:
            raise late("the whole request took longer than its time limit")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, deadline: _Deadline):
        self._stream, self._deadline = stream, deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        wait = self._deadline.wait(timeout, httpcore.ReadTimeout)
        return self._stream.read(max_bytes, wait)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        wait = self._deadline.wait(timeout, httpcore.WriteTimeout)
        self._stream.write(buffer, wait)

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        wait = self._deadline.wait(timeout, httpcore.ConnectTimeout)
        inner = self._stream.start_tls(ssl_context, server_hostname, wait)
        return _DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's own network backend, with every wait cut to the deadline."""

    def __init__(self, deadline: _Deadline):
        self._inner = httpcore.SyncBackend()
        self._deadline = deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        wait = self._deadline.wait(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(
            host, port, wait, local_address, socket_options
        )
        return _DeadlineStream(stream, self._deadline)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        wait = self._deadline.wait(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_unix_socket(path, wait, socket_options)
        return _DeadlineStream(stream, self._deadline)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _bounded_transport(deadline: _Deadline) -> httpx.HTTPTransport:
    """httpx's transport, its connection pool on the deadline backend. (httpx takes no
    network backend; the pool keeps it in `_network_backend`. Without it, the reading
    loop's own deadline checks still bound a request, one socket wait later.)"""
    transport = httpx.HTTPTransport()
    pool = getattr(transport, "_pool", None)
    if pool is not None and hasattr(pool, "_network_backend"):
        pool._network_backend = _DeadlineBackend(deadline)
    return transport


def check_url(url: str, what: str = "--api-url") -> None:
    """Refuse, at once, a URL custodes will not ask: anything but http(s)."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in ("http", "https") or "//" not in url:
        raise InputError(
            f"{what} {url!r}: custodes asks servers over http:// or https:// only "
            "(not file:// or other schemes). Give the API's web address."
        )


def public_url(url: str) -> str:
    """`url` as rows and logs may show it: without a user name or password, and
    without '!' (which separates a zip member in provenance)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return url.replace("!", "%21")
    if parsed.userinfo:
        parsed = parsed.copy_with(username=None, password=None)
    return str(parsed).replace("!", "%21")


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


class Client:
    """Talks to one API base URL. Use as a context manager."""

    def __init__(
        self,
        base_url: str,
        policy: Policy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        check_url(base_url)
        self.base_url = base_url.rstrip("/")
        self.policy = policy or Policy()
        self.stats = Stats()
        self._sleep = sleep
        self._last = 0.0
        self._started = time.monotonic()
        self._deadline = _Deadline()
        self._http = httpx.Client(
            timeout=self.policy.timeout,
            follow_redirects=False,  # followed here, to the same host only
            transport=_bounded_transport(self._deadline),
            headers={
                "User-Agent": f"custodes/{__version__} (+sync)",
                "Accept": "application/json",
            },
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.close()

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}{path}"

    def post_json(self, path: str, body: dict[str, Any]) -> Any:
        return self._json("POST", path, json_body=body)

    def get_json(self, path: str, params: dict[str, str] | None = None) -> Any:
        return self._json("GET", path, params=params)

    def _json(self, method: str, path: str, **kw: Any) -> Any:
        def parse(reply: Reply) -> Any:
            # Decimal keeps any amount sent as a JSON number exact; a truncated body
            # raises ValueError, which the loop retries.
            return json.loads(bytes(reply.body), parse_float=Decimal)

        return self._request(method, path, parse, **kw)

    def download(self, url: str, dest: Path) -> int:
        """Stream `url` into `dest` (via a .part file). Returns the byte count."""
        part = dest.with_name(dest.name + ".part")

        def save(reply: Reply) -> int:
            expected = reply.headers.get("Content-Length")
            if expected is not None and int(expected) != reply.size:
                raise ValueError(f"got {reply.size} of {expected} bytes")
            part.replace(dest)
            return reply.size

        return self._request("GET", url, save, sink=part)

    # -- the retry loop -------------------------------------------------------
    def _check_budget(self) -> None:
        p = self.policy
        if p.max_requests is not None and self.stats.requests >= p.max_requests:
            raise BudgetExhausted(f"request budget of {p.max_requests} used up")
        if p.max_seconds is not None and self.elapsed() >= p.max_seconds:
            raise BudgetExhausted(f"time limit of {p.max_seconds:g} s reached")

    def elapsed(self) -> float:
        return time.monotonic() - self._started

    def _throttle(self) -> None:
        gap = 1.0 / self.policy.rate if self.policy.rate > 0 else 0.0
        wait = self._last + gap - time.monotonic()
        if wait > 0:
            self._sleep(wait)
        self._last = time.monotonic()

    def _request(
        self,
        method: str,
        path: str,
        handle: Callable[[Reply], Any],
        json_body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        sink: Path | None = None,
    ) -> Any:
        url = self.url(path)
        try:
            check_url(url, "the server's URL")
        except InputError as exc:
            raise Refused(str(exc)) from None
        last = "no attempt made"
        for attempt in range(1, self.policy.attempts + 1):
            self._check_budget()
            self._throttle()
            self.stats.requests += 1
            retry_after: float | None = None
            try:
                resp = self._exchange(method, url, json_body, params, sink)
            except httpx.TransportError as exc:  # reset, empty reply, timeout
                last = f"{type(exc).__name__}: {exc}"
            else:
                if resp.status_code in RETRY_STATUS:
                    last = f"HTTP {resp.status_code}"
                    retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                elif resp.status_code >= 400:
                    text = resp.text
                    raise ApiError(
                        f"{method} {url} answered HTTP {resp.status_code}: "
                        f"{text[:300]}",
                        resp.status_code,
                        text,
                    )
                else:
                    try:
                        return handle(resp)
                    except ValueError as exc:
                        last = f"unusable body ({exc})"
            self.stats.failures.append(f"{method} {path}: {last}")
            if attempt == self.policy.attempts:
                break
            self.stats.retries += 1
            self._sleep(self._wait(attempt, retry_after))
        raise ApiError(
            f"{method} {url} failed {self.policy.attempts} times; last: {last}"
        )

    def _exchange(
        self,
        method: str,
        url: str,
        json_body: dict[str, Any] | None,
        params: dict[str, str] | None,
        sink: Path | None,
    ) -> Reply:
        """One request, redirects on the same host followed, the reply read whole
        (into `sink` if given) within the request's deadline and size cap."""
        p = self.policy
        now = time.monotonic()
        deadline = now + p.timeout
        if p.max_seconds is not None:
            deadline = min(deadline, self._started + p.max_seconds)
        self._deadline.at = deadline
        try:
            request = self._http.build_request(
                method, url, json=json_body, params=params
            )
            for _ in range(MAX_REDIRECTS + 1):
                resp = self._http.send(request, stream=True)
                try:
                    if resp.status_code in REDIRECT_STATUS:
                        request = self._redirect(request, resp)
                        continue
                    limit = p.max_download_bytes if sink else p.max_reply_bytes
                    if resp.status_code >= 300:
                        sink, limit = None, ERROR_BODY
                    return self._read(resp, sink, limit, deadline)
                finally:
                    resp.close()
            raise Refused(f"{method} {url}: more than {MAX_REDIRECTS} redirects")
        finally:
            self._deadline.at = None

    def _redirect(self, request: httpx.Request, resp: httpx.Response) -> httpx.Request:
        """The request to send next, if the redirect stays on the same host."""
        where = resp.headers.get("Location")
        what = f"{request.method} {request.url} answered HTTP {resp.status_code}"
        if not where:
            raise Refused(f"{what} without a Location")
        target = request.url.join(where)
        if _origin(target) != _origin(request.url):
            raise Refused(
                f"{what}, a redirect to another host ({target}). custodes does not "
                "follow a redirect away from the server it was given; if that server "
                "is the right one, give it with --api-url.",
                resp.status_code,
            )
        if resp.status_code in (301, 302, 303) and request.method != "GET":
            raise Refused(
                f"{what} to {target}: that redirect would turn the request into a "
                "GET; give the new address with --api-url.",
                resp.status_code,
            )
        self.stats.redirects.append(f"{what} -> {target}")
        return self._http.build_request(
            request.method, target, content=request.content, headers=request.headers
        )

    def _read(
        self, resp: httpx.Response, sink: Path | None, limit: int, deadline: float
    ) -> Reply:
        reply = Reply(resp.status_code, resp.headers, resp.url)
        out = open(sink, "wb") if sink else None
        try:
            for chunk in resp.iter_bytes():
                reply.size += len(chunk)
                if reply.size > limit:
                    if resp.status_code >= 300:
                        break  # enough of an error reply for its message
                    raise Refused(
                        f"{resp.request.method} {resp.url}: the reply is larger than "
                        f"{_megabytes(limit)} (settings sync_reply_limit_mb and "
                        "sync_download_limit_mb); stopped reading it."
                    )
                if out:
                    out.write(chunk)
                else:
                    reply.body += chunk
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout(
                        "the whole reply took longer than its time limit"
                    )
        finally:
            if out:
                out.close()
        return reply

    def _wait(self, attempt: int, retry_after: float | None) -> float:
        p = self.policy
        wait = p.backoff * (2 ** (attempt - 1)) * (1 + random.random() * 0.25)
        if retry_after is not None:
            wait = max(wait, retry_after)
        wait = min(wait, p.max_wait)
        if p.max_seconds is not None:
            left = p.max_seconds - self.elapsed()
            if wait > left:
                raise BudgetExhausted(
                    f"time limit of {p.max_seconds:g} s reached "
                    f"(the server asked to wait {wait:.0f} s)"
                )
        return wait


@dataclass
class Reply:
    """A reply read whole: status, headers, and the body (or its size, when it went
    to a file)."""

    status_code: int
    headers: httpx.Headers
    url: httpx.URL
    body: bytearray = field(default_factory=bytearray)
    size: int = 0

    @property
    def text(self) -> str:
        return bytes(self.body).decode("utf-8", errors="replace")


def _megabytes(size: int) -> str:
    return f"{size / (1 << 20):,.6g} MB"


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
