"""The rows a page of search results shows, kept in memory by award id.

The largest awards come back in the results of many different searches, so a bounded
least-recently-used map from award id to its row answers most of a results page
without reading the award table (each read of 25 awards spread over the table costs
a few milliseconds). The map belongs to the open store (Reader.derived), so a kept
row cannot go stale.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

KEEP = 50_000  # award rows kept (about 1 KB each)

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
            low, high = min(missing), max(missing)
            if high - low + 1 == len(missing):  # one run of ids (a vendor's page)
                where = f"award_id BETWEEN {low} AND {high}"
            else:
                where = f"award_id IN ({', '.join(str(i) for i in missing)})"
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


def load_award_rows(reader: Any) -> AwardRows:
    return reader.derived("award_rows", lambda _: AwardRows())
