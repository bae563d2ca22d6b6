"""Vendors' names and totals, held in memory for the search page.

Every search page names the vendors of its facet and lists the vendors whose name
matches the search words. Both used to be a query each on serve_vendor, a table of a
few thousand rows; reading it once per open store and answering in Python costs a
fraction of a query. The store cannot change while the web app holds it open, so the
copy cannot go stale (a snapshot switch opens a new reader, with its own copy).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

VENDOR_MATCHES = 20  # vendors listed under "Vendors whose name matches"


@dataclass(frozen=True)
class VendorDirectory:
    names: dict[str, str]
    # (search text, row) by obligations, largest first; ties by vendor id
    ranked: tuple[tuple[str, dict[str, Any]], ...]

    def matching(self, words: list[str], limit: int = VENDOR_MATCHES) -> list[dict]:
        """The largest vendors whose search text contains every (upper-cased) word."""
        found: list[dict[str, Any]] = []
        for text, row in self.ranked:
            if all(w in text for w in words):
                found.append(dict(row))
                if len(found) == limit:
                    break
        return found


def load_vendor_directory(reader: Any) -> VendorDirectory:
    """The open store's directory, read on first use."""
    found = getattr(reader, "vendor_directory", None)
    if found is None:
        rows = reader.rows(
            "SELECT vendor_id, name, awards, obligation_usd, search_text "
            "FROM serve_vendor"
        )
        rows.sort(key=lambda r: (-(r["obligation_usd"] or Decimal(0)), r["vendor_id"]))
        found = VendorDirectory(
            names={r["vendor_id"]: r["name"] for r in rows},
            ranked=tuple((r.pop("search_text") or "", r) for r in rows),
        )
        reader.vendor_directory = found
    return found
