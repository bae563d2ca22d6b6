"""Vendors' names and totals, held in memory for the search page.

Every search page names the vendors of its facet and lists the vendors whose name
matches the search words. Both used to be a query each on serve_vendor, a table of a
few thousand rows; reading it once per open store (Reader.derived) and answering in
Python costs a fraction of a query.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

VENDOR_MATCHES = 20  # vendors listed under "Vendors whose name matches"


@dataclass(frozen=True)
class VendorDirectory:
    names: dict[str, str]
    rows: tuple[dict[str, Any], ...]  # by obligations, largest first; ties by vendor id
    text: str  # the rows' search texts, in the same order, one per line
    starts: tuple[int, ...]  # where each row's line starts in text

    def matching(self, words: list[str], limit: int = VENDOR_MATCHES) -> list[dict]:
        """The largest vendors whose search text contains every (upper-cased) word:
        the longest word is looked for in the whole text at once, the others in the
        lines it is found in."""
        if not words:
            return []
        first = max(words, key=len)
        found: list[dict[str, Any]] = []
        at = self.text.find(first)
        while at != -1 and len(found) < limit:
            i = bisect_right(self.starts, at) - 1
            end = self.starts[i + 1] - 1 if i + 1 < len(self.starts) else len(self.text)
            line = self.text[self.starts[i] : end]
            if all(w in line for w in words):
                found.append(dict(self.rows[i]))
            at = self.text.find(first, end)
        return found


def load_vendor_directory(reader: Any) -> VendorDirectory:
    """The open store's directory, read on first use."""
    return reader.derived("vendor_directory", _read_vendor_directory)


def _read_vendor_directory(reader: Any) -> VendorDirectory:
    rows = reader.rows(
        "SELECT vendor_id, name, awards, obligation_usd, search_text FROM serve_vendor",
        cache=False,
    )
    rows.sort(key=lambda r: (-(r["obligation_usd"] or Decimal(0)), r["vendor_id"]))
    lines = [(r.pop("search_text") or "").replace("\n", " ") for r in rows]
    starts, at = [], 0
    for line in lines:
        starts.append(at)
        at += len(line) + 1
    return VendorDirectory(
        names={r["vendor_id"]: r["name"] for r in rows},
        rows=tuple(rows),
        text="\n".join(lines),
        starts=tuple(starts),
    )
