"""USAspending (api.usaspending.gov), the first source: everything custodes knows
about it is in this folder.

* formats.py, canonical.py, rawrow.py: the two file formats (API-search extracts and
  bulk contracts prime transactions), their header detection, canonical mapping SQL
  and raw-row handling, used by `custodes ingest`;
* fetch.py, bulk.py, agencies.py: how `custodes sync` fetches from the API v2
  (transaction search by date window, bulk award downloads).
"""

from __future__ import annotations

from custodes.sources.base import Fetcher, Format
from custodes.sources.usaspending import formats as _formats

AWARD_URL = "https://www.usaspending.gov/award/"


class Usaspending:
    name = "usaspending"
    description = (
        "a USAspending api-search extract or a bulk contracts prime-transactions file"
    )

    def formats(self) -> tuple[Format, ...]:
        return _formats.formats()

    def record_url(self, award_key: str) -> str | None:
        return AWARD_URL + award_key if award_key.startswith("CONT_") else None

    @property
    def fetcher(self) -> Fetcher | None:
        return None


SOURCE = Usaspending()
