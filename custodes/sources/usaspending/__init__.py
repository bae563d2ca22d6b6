"""USAspending (api.usaspending.gov), the first source: everything custodes knows
about it is in this folder.

* formats.py, canonical.py, rawrow.py: the two file formats (API-search extracts and
  bulk contracts prime transactions), their header detection, canonical mapping SQL
  and raw-row handling, used by `custodes ingest`;
* fetch.py, bulk.py, agencies.py, history.py: how `custodes sync` fetches from the
  API v2 (transaction search by date window, bulk award downloads, the earlier
  transactions of known awards).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from custodes.sources.base import (
    BulkResult,
    Fetcher,
    Format,
    RecordFacts,
    WindowResult,
)
from custodes.sources.usaspending import formats as _formats

if TYPE_CHECKING:
    from custodes.settings import Settings
    from custodes.sync.client import Client
    from custodes.sync.windows import Window

AWARD_URL = "https://www.usaspending.gov/award/"


class UsaspendingFetcher:
    """`custodes sync` against the USAspending API v2 (fetch.py, bulk.py, agencies.py;
    imported when used, so ingest does not load the HTTP client)."""

    cap = 50_000  # the search's result window: records one query may page through
    earliest = date(2007, 10, 1)  # the search endpoints' earliest date (FY2008)
    # the transaction search asks for contract award types A-D (fetch.CONTRACT_TYPES);
    # an IDV's own transactions are of the IDV types, which it never returns
    history_skips: tuple[str, ...] = ("CONT_IDV_",)
    kind = "contracts"

    def default_url(self, settings: Settings) -> str:
        return settings.usaspending_url

    def targets(self, names: list[str], funding: bool) -> list[dict[str, str]]:
        from custodes.sources.usaspending.agencies import agency_filters

        return agency_filters(names, funding)

    def count(
        self, client: Client, targets: list[dict[str, str]], window: Window
    ) -> int:
        from custodes.sources.usaspending import fetch

        return fetch.count(client, targets, window)

    def fetch_window(
        self,
        client: Client,
        targets: list[dict[str, str]],
        window: Window,
        cap: int,
        expected: int | None = None,
    ) -> WindowResult:
        from custodes.sources.usaspending import fetch

        return fetch.fetch_window(client, targets, window, cap, expected)

    def write_window(self, path: Path, records: list[dict[str, Any]]) -> None:
        from custodes.sources.usaspending import fetch

        fetch.write_window_csv(path, records)

    def describe(
        self, api_url: str, targets: list[dict[str, str]], window: Window
    ) -> str:
        from custodes.sources.usaspending import fetch
        from custodes.sync.client import public_url

        names = ", ".join(
            f"{t.get('name')}" + (" (funding)" if t.get("type") == "funding" else "")
            for t in targets
        )
        query = f"{public_url(api_url.rstrip('/'))}{fetch.SEARCH} contracts"
        scope = f" {window.start} to {window.end}" + (f", {names}" if names else "")
        return query + scope.replace("!", "")

    def history_count(self, client: Client, piids: list[str], window: Window) -> int:
        from custodes.sources.usaspending import history

        return history.count(client, piids, window)

    def fetch_history(
        self,
        client: Client,
        piids: list[str],
        window: Window,
        cap: int,
        expected: int | None = None,
    ) -> WindowResult:
        from custodes.sources.usaspending import history

        return history.fetch_history(client, piids, window, cap, expected)

    def record_facts(self, record: dict[str, Any]) -> RecordFacts:
        from custodes.sources.usaspending import history

        return history.facts(record)

    def describe_history(self, api_url: str, window: Window, awards: int) -> str:
        from custodes.sources.usaspending import history

        return history.describe(api_url, window, awards)

    def run_bulk(
        self,
        client: Client,
        targets: list[dict[str, str]],
        window: Window,
        folder: Path,
        **options: Any,
    ) -> BulkResult:
        from custodes.sources.usaspending import bulk

        return bulk.run_bulk(client, targets, window, folder, **options)


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
        return FETCHER


FETCHER = UsaspendingFetcher()
SOURCE = Usaspending()
