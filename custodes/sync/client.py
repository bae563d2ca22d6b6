"""A polite, bounded HTTP client: what every source's fetcher (custodes/sources/) and
the digest webhook use to talk to a server.

Every call is an idempotent read, so every failure that looks temporary is retried:
connection errors and empty replies, timeouts, HTTP 429 and 5xx, and bodies that are
not valid JSON (a truncated reply). Waits grow exponentially (with jitter) and honour
Retry-After. Three budgets bound every loop: attempts per request, the total number
of requests a run may make, and a wall-clock deadline for the run.
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

import httpx

from custodes import __version__
from custodes.errors import CustodesError

RETRY_STATUS = {429, 500, 502, 503, 504}


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


@dataclass
class Stats:
    requests: int = 0
    retries: int = 0
    failures: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "requests": self.requests,
            "retries": self.retries,
            "transient_failures": self.failures[-20:],
        }


class Client:
    """Talks to one API base URL. Use as a context manager."""

    def __init__(
        self,
        base_url: str,
        policy: Policy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = base_url.rstrip("/")
        self.policy = policy or Policy()
        self.stats = Stats()
        self._sleep = sleep
        self._last = 0.0
        self._started = time.monotonic()
        self._http = httpx.Client(
            timeout=self.policy.timeout,
            follow_redirects=True,
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
        def parse(resp: httpx.Response) -> Any:
            # Decimal keeps any amount sent as a JSON number exact; a truncated body
            # raises ValueError, which the loop retries.
            return json.loads(resp.content, parse_float=Decimal)

        return self._request(method, path, parse, **kw)

    def download(self, url: str, dest: Path) -> int:
        """Stream `url` into `dest` (via a .part file). Returns the byte count."""
        part = dest.with_name(dest.name + ".part")

        def save(resp: httpx.Response) -> int:
            part.write_bytes(resp.content)
            expected = resp.headers.get("Content-Length")
            if expected is not None and int(expected) != len(resp.content):
                raise ValueError(f"got {len(resp.content)} of {expected} bytes")
            part.replace(dest)
            return len(resp.content)

        return self._request("GET", url, save)

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
        handle: Callable[[httpx.Response], Any],
        json_body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        url = self.url(path)
        last = "no attempt made"
        for attempt in range(1, self.policy.attempts + 1):
            self._check_budget()
            self._throttle()
            self.stats.requests += 1
            retry_after: float | None = None
            try:
                resp = self._http.request(method, url, json=json_body, params=params)
            except httpx.TransportError as exc:  # reset, empty reply, timeout
                last = f"{type(exc).__name__}: {exc}"
            else:
                if resp.status_code in RETRY_STATUS:
                    last = f"HTTP {resp.status_code}"
                    retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                elif resp.status_code >= 400:
                    raise ApiError(
                        f"{method} {url} answered HTTP {resp.status_code}: "
                        f"{resp.text[:300]}",
                        resp.status_code,
                        resp.text,
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
