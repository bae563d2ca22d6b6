"""POST a digest as JSON to a webhook, with bounded retries that honour Retry-After."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any

import httpx

from custodes import __version__
from custodes.console import to_jsonable
from custodes.errors import CustodesError
from custodes.sync.client import RETRY_STATUS, parse_retry_after


class WebhookFailed(CustodesError):
    """The webhook did not accept the digest after every retry."""

    exit_code = 5


def post_digest(
    url: str,
    payload: dict[str, Any],
    *,
    attempts: int = 5,
    backoff: float = 1.0,
    max_wait: float = 60.0,
    timeout: float = 15.0,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Deliver `payload`; returns {status, attempts}. Raises WebhookFailed."""
    body = json.dumps(to_jsonable(payload)).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"custodes/{__version__} (+digest)",
    }
    last = "no attempt"
    with httpx.Client(timeout=timeout) as http:
        for attempt in range(1, attempts + 1):
            retry_after = None
            try:
                resp = http.post(url, content=body, headers=headers)
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if resp.status_code < 300:
                    return {"status": resp.status_code, "attempts": attempt}
                last = f"HTTP {resp.status_code}"
                if resp.status_code not in RETRY_STATUS:
                    break  # 4xx other than 429: retrying will not help
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
            if attempt < attempts:
                wait = backoff * 2 ** (attempt - 1) * (1 + random.random() * 0.25)
                sleep(min(max(wait, retry_after or 0.0), max_wait))
    raise WebhookFailed(
        f"the webhook {url} did not accept the digest ({last}). "
        "Check the URL and the receiver; the digest is unchanged and can "
        "be sent again with `custodes digest --webhook URL`."
    )
