"""The rows a page of search results shows, kept in memory by award id.

The largest awards come back in the results of many different searches, so a bounded
least-recently-used map from award id to its row answers most of a results page
without reading the award table (each read of 25 awards spread over the table costs
a few milliseconds). The map belongs to the open store (Reader.derived), so a kept
row cannot go stale.

The rows not kept are read by their place in the table (DuckDB's rowid): award ids are
not in the table's order, so a filter on award_id scans that column of every award (6
ms at 10M transactions, whether 25 ids are one run or spread), while rows named by
rowid are read from their own row groups (1.2-1.5 ms). Each award's rowid is read once
per open store (an array by award id, 4 bytes an award).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import numpy as np

KEEP = 50_000  # award rows kept (about 1 KB each)

# Each award's rowid, by award id; awards whose ids are sparser than this many slots
# per award keep the filter on award_id.
POSITIONS_SQL = "SELECT award_id, rowid AS position FROM serve_award"
MAX_SLOTS_PER_AWARD = 4

COLUMNS = """award_id, award_key, piid, agency_code, agency_name, recipient_name,
             vendor_id, vendor_name, category, maker, description,
             first_action_date, last_action_date, obligation_usd, transactions"""


class AwardRows:
    def __init__(self, keep: int = KEEP):
        self.keep = keep
        self.rows: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, reader: Any, award_ids: list[int]) -> list[dict[str, Any]]:
        """The rows of AWARD_IDS in that order (ids missing from the store skipped),
        without the award_id column."""
        found: dict[int, dict[str, Any]] = {}
        with self.lock:
            for i in award_ids:
                row = self.rows.get(i)
                if row is not None:
                    self.rows.move_to_end(i)
                    found[i] = row
        missing = [int(i) for i in award_ids if i not in found]
        if missing:
            where = _where(reader, missing)
            read = reader.rows(
                f"SELECT {COLUMNS} FROM serve_award WHERE {where}", cache=False
            )
            with self.lock:
                for row in read:
                    i = row.pop("award_id")
                    found[i] = row
                    self.rows[i] = row
                while len(self.rows) > self.keep:
                    self.rows.popitem(last=False)
        return [dict(found[i]) for i in award_ids if i in found]


def _where(reader: Any, ids: list[int]) -> str:
    """The SQL condition that reads the rows of IDS: by rowid when the open store's
    positions are held, else by award id."""
    positions = load_positions(reader)
    if positions is None:
        low, high = min(ids), max(ids)
        if high - low + 1 == len(ids):  # one run of ids (a vendor's page)
            return f"award_id BETWEEN {low} AND {high}"
        return f"award_id IN ({', '.join(str(i) for i in ids)})"
    places = [
        int(positions[i]) for i in ids if 0 <= i < len(positions) and positions[i] >= 0
    ]
    if not places:
        return "FALSE"
    return f"rowid IN ({', '.join(str(p) for p in places)})"


def load_positions(reader: Any) -> np.ndarray[Any, Any] | None:
    """Each award's rowid by award id (-1 where no award has that id), read once per
    open store; None when the ids are too sparse for an array."""
    return reader.derived("award_positions", _read_positions)


def _read_positions(reader: Any) -> np.ndarray[Any, Any] | None:
    found = reader.columns(POSITIONS_SQL)
    ids, places = found["award_id"], found["position"]
    if np.ma.is_masked(ids) or len(ids) == 0 or int(ids.min()) < 0:
        return None
    size = int(ids.max()) + 1
    if size > MAX_SLOTS_PER_AWARD * len(ids) + 1024:
        return None
    out = np.full(size, -1, dtype=np.int64)
    out[ids.astype(np.int64)] = places
    return out


def load_award_rows(reader: Any) -> AwardRows:
    return reader.derived("award_rows", lambda _: AwardRows())
