"""What a source gives custodes: the formats it reads and, optionally, how to fetch.

Ingest and sync know nothing about any one source. They ask the registry
(`custodes.sources`) for the formats it knows, and, for `custodes sync`, for a source
that can fetch. A source is one folder under `custodes/sources/` (see
docs/sources.md); `usaspending/` is the first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from custodes.errors import CustodesError

if TYPE_CHECKING:
    from custodes.settings import Settings
    from custodes.sync.client import Client
    from custodes.sync.windows import Window


class CanonicalSql(NamedTuple):
    """How one file's rows become canonical columns, as SQL expressions over its
    columns (all VARCHAR, named by the header, contact details already minimised).

    Three levels, each computed once per row and in scope for the next: `base`, then
    `derived` (may use `base`), then `columns` (may use both), which names every
    column of `custodes.ingest.canonical.CANONICAL_COLUMNS` plus `__problem` (NULL, or
    why the row goes to quarantine). Names of helper values start with two
    underscores. `recipient_is_individual` may use `__individual` (the format's
    `individual` expression)."""

    base: dict[str, str]
    derived: dict[str, str]
    columns: dict[str, str]


@dataclass(frozen=True, eq=False)
class Format:
    """One file layout a source reads, recognised by its header row."""

    name: str  # stored in transaction.source_format; unique across sources
    required: tuple[str, ...]  # a header with all of these is this format
    known: tuple[str, ...]  # every column the format may have (for messages)
    canonical: Callable[[list[str]], CanonicalSql]  # header -> the mapping
    # Who the recipient is, for the person detector (custodes.model.persons): evidence
    # name (recipient_name, recipient_uei, ...) -> this format's column. A format
    # without a recipient_name column has no recipients to judge.
    evidence_columns: Mapping[str, str] = field(default_factory=dict)
    flag_columns: tuple[str, ...] = ()  # true/false business-type columns (evidence)
    # A true value here drops the contact columns whatever the recipient's name.
    sole_proprietor_column: str | None = None
    contact_columns: tuple[str, ...] = ()  # blanked for individuals
    free_text_columns: tuple[str, ...] = ()  # phone numbers and e-mails masked
    # Raw-row handling: raw column -> (canonical column, SQL condition). Where the raw
    # value equals the canonical column's text (under the condition), the stored raw
    # row holds NULL and the `source_row` view restores it (see ingest/rawrow.py). A
    # column may be listed only if an empty raw value always gives an empty canonical
    # value, so that NULL is never ambiguous.
    elided: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # The whole contract, where the format carries it: contract detail (a name of
    # custodes.figures.contracts.DETAILS: ceiling_usd, period_start_date, ...) -> this
    # format's raw column. Read from the stored raw row (never elided columns), so
    # stores ingested before a detail was listed here show it without re-ingesting.
    # A detail not listed is one the format lacks, and the award page says so.
    contract: Mapping[str, str] = field(default_factory=dict)
    contract_dates_day_first: bool = False  # dd/mm/yyyy (or dd/mm/yy hh:mm) dates

    @property
    def recipient_column(self) -> str | None:
        return self.evidence_columns.get("recipient_name")


class Source(Protocol):
    """A data source: one folder under custodes/sources/."""

    name: str
    # How messages name what this source reads ("a USAspending api-search extract ...")
    description: str

    def formats(self) -> tuple[Format, ...]:
        """The file layouts this source reads (detected in this order)."""
        ...

    def record_url(self, award_key: str) -> str | None:
        """A link to the award's page at the source, if it has one."""
        ...

    @property
    def fetcher(self) -> Fetcher | None:
        """How `custodes sync` fetches from this source, or None."""
        ...


# -- fetching (custodes sync) ----------------------------------------------------


class WindowTooBig(Exception):
    """The window holds more records than one query may page through."""

    def __init__(self, message: str, cap_seen: int | None = None):
        super().__init__(message)
        self.cap_seen = cap_seen  # a lower cap the server revealed by refusing a page


@dataclass
class WindowResult:
    expected: int
    records: list[dict[str, Any]]
    passes: int

    @property
    def complete(self) -> bool:
        return len(self.records) >= self.expected


@dataclass(frozen=True)
class RecordFacts:
    """What identifies a fetched record, in the store's canonical terms (`sync
    --history` keeps only the records of the awards it asked for)."""

    award_key: str | None  # the source's award id, as `transaction.award_key`
    piid: str
    sub_agency_code: str | None
    modification: str  # '0' for the base award
    action_date: date | None


class BulkFailed(CustodesError):
    """The download job failed, timed out, or its file did not verify."""

    exit_code = 4


@dataclass
class BulkResult:
    file_name: str = ""
    file_url: str = ""
    path: str | None = None
    polls: int = 0
    status: str = "requested"
    total_rows: int | None = None
    rows_in_zip: int = 0
    members: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Fetcher(Protocol):
    """What `custodes sync` needs from a source it fetches from.

    Sync owns the generic parts (the bounded HTTP client, windows, checkpoints, the
    lock, the one atomic ingest); the fetcher knows the API: what to ask, how to page
    and verify a window, and how to write what it got as a file its formats read."""

    cap: int  # most records one query may page through
    earliest: date  # nothing is served before this day
    # award-key prefixes of awards whose transactions the search does not serve, so
    # that `sync --history` cannot fetch their earlier ones
    history_skips: tuple[str, ...]
    kind: str  # what is fetched, kept in the plan ("contracts")

    def default_url(self, settings: Settings) -> str:
        """The API base URL when --api-url is not given."""
        ...

    def targets(self, names: list[str], funding: bool) -> list[dict[str, str]]:
        """--agency values -> the filter objects kept in the plan."""
        ...

    def count(
        self, client: Client, targets: list[dict[str, str]], window: Window
    ) -> int: ...

    def fetch_window(
        self,
        client: Client,
        targets: list[dict[str, str]],
        window: Window,
        cap: int,
        expected: int | None = None,
    ) -> WindowResult: ...

    def write_window(self, path: Path, records: list[dict[str, Any]]) -> None: ...

    def describe(
        self, api_url: str, targets: list[dict[str, str]], window: Window
    ) -> str:
        """The API query a window's rows came from: what they show as their source
        file (no '!', no password)."""
        ...

    def history_count(self, client: Client, piids: list[str], window: Window) -> int:
        """How many records the search holds for these PIIDs in the window."""
        ...

    def fetch_history(
        self,
        client: Client,
        piids: list[str],
        window: Window,
        cap: int,
        expected: int | None = None,
    ) -> WindowResult:
        """The records of these PIIDs in the window, verified like a window."""
        ...

    def record_facts(self, record: dict[str, Any]) -> RecordFacts: ...

    def describe_history(self, api_url: str, window: Window, awards: int) -> str:
        """The source file the rows of one history batch show."""
        ...

    def run_bulk(
        self,
        client: Client,
        targets: list[dict[str, str]],
        window: Window,
        folder: Path,
        **options: Any,
    ) -> BulkResult: ...
