"""Misbehaviour the fake USAspending server can be told to inject."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Fault:
    """One injected misbehaviour. `path` is a substring of the request path."""

    # 500 | 429 | slow | truncated | reset: on any endpoint
    # duplicate (a page repeats the record before it), shift (a page starts `shift`
    # records early, so as many are served twice and as many never), drop (the record
    # at sorted position `shift` is never served, though counted): search pages
    # failed (the job fails), corrupt (the zip is damaged): bulk download
    kind: str
    path: str = "/api/"
    times: int = 1  # how many requests it hits; -1 = every one
    after: int = 0  # let this many matching requests through first
    page: int | None = None  # only requests for this page
    retry_after: str = "1"
    delay: float = 2.0
    shift: int = 1
    seen: int = 0
    fired: int = 0

    def hits(self, path: str, page: int | None) -> bool:
        if self.path not in path or (self.page is not None and page != self.page):
            return False
        self.seen += 1
        if self.seen <= self.after:
            return False
        return self.times < 0 or self.seen - self.after <= self.times
