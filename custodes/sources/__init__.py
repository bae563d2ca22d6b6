"""Data sources as units: the registry ingest and sync ask.

Each source is one folder under custodes/sources/ (`usaspending/` is built in) that
provides a `Source` (see base.py): the file formats it reads, with their header
detection, canonical mapping SQL and raw-row handling, and optionally a `Fetcher` for
`custodes sync`. The registry is a plain dict, name -> source; `register()` adds one
(tests register a toy source this way). See docs/sources.md.
"""

from __future__ import annotations

from custodes.errors import InputError
from custodes.sources.base import Fetcher, Format, Source

SOURCES: dict[str, Source] = {}
DEFAULT_FETCHER = "usaspending"  # the source `custodes sync` fetches from


def _builtin() -> None:
    if "usaspending" not in SOURCES:
        from custodes.sources.usaspending import SOURCE

        SOURCES["usaspending"] = SOURCE


def register(source: Source) -> Source:
    """Add (or replace) a source. Its format names must not clash with another's."""
    _builtin()
    taken = {
        fmt.name: s.name
        for s in SOURCES.values()
        if s.name != source.name
        for fmt in s.formats()
    }
    for fmt in source.formats():
        if fmt.name in taken:
            raise ValueError(
                f"source {source.name}: format {fmt.name} is already read by "
                f"source {taken[fmt.name]}"
            )
    SOURCES[source.name] = source
    return source


def unregister(name: str) -> None:
    SOURCES.pop(name, None)


def sources() -> list[Source]:
    """Every registered source, built-in ones first."""
    _builtin()
    return list(SOURCES.values())


def get(name: str) -> Source:
    _builtin()
    try:
        return SOURCES[name]
    except KeyError:
        raise InputError(
            f"no data source named {name!r}; known: {', '.join(SOURCES)}"
        ) from None


def fetcher(name: str = DEFAULT_FETCHER) -> Fetcher:
    """How `custodes sync` fetches from source `name`."""
    found = get(name).fetcher
    if found is None:
        raise InputError(f"the data source {name} cannot be fetched by custodes sync")
    return found


def formats() -> tuple[Format, ...]:
    """Every format of every source, in detection order."""
    return tuple(fmt for source in sources() for fmt in source.formats())


def check_header(header: list[str], where: str) -> None:
    """Refuse a header ingest could not read safely: an empty or reserved column
    name, or two names that differ only in letter case (DuckDB's names ignore it)."""
    for number, name in enumerate(header, start=1):
        if not name:
            raise InputError(
                f"{where}:1: column {number} has no name; name it or remove it."
            )
        if name.startswith("__"):
            raise InputError(
                f"{where}:1: column name {name!r} is reserved (custodes names its own "
                "working columns with two leading underscores); rename the column."
            )
    folded = [h.casefold() for h in header]
    if len(set(folded)) != len(folded):
        dup = sorted({h for h in header if folded.count(h.casefold()) > 1})
        raise InputError(
            f"{where}:1: duplicate column names {dup}"
            + (" (letter case aside)" if len(set(header)) == len(header) else "")
            + "; fix the header row."
        )


def detect_format(header: list[str], where: str) -> Format:
    """The format whose required columns the header has, or InputError saying why
    none fits."""
    check_header(header, where)
    present = set(header)
    known = formats()
    for fmt in known:
        if set(fmt.required) <= present:
            return fmt
    # Explain against the format the header is closest to.
    best = max(known, key=lambda f: len(present & set(f.known)))
    missing = [c for c in best.required if c not in present]
    unexpected = [c for c in header if c not in best.known]
    expected = " or ".join(s.description for s in sources())
    raise InputError(
        f"{where}:1: header matches no known format. Closest is {best.name}: "
        f"missing columns {missing}; unexpected columns {unexpected[:20]}"
        + (f" (+{len(unexpected) - 20} more)" if len(unexpected) > 20 else "")
        + f". Expected {expected}."
    )


def record_url(award_key: str) -> str | None:
    """A link to the award's page at whichever source knows it."""
    for source in sources():
        url = source.record_url(award_key)
        if url:
            return url
    return None


def history_reason_sql(key: str, first: str, answered: bool) -> str:
    """SQL: why `custodes sync --history` cannot fetch the earlier transactions of an
    award (KEY, its award key; FIRST, its first action date in the store) from the
    default source, NULL when it can (custodes/store/queries.py history_reason_sql);
    ANSWERED: the store has `sync_history`."""
    from custodes.store.queries import history_reason_sql as reason

    found = fetcher()
    return reason(key, first, found.earliest, found.history_skips, answered)


def history_reason_of_transactions(store_has_history: bool, alias: str = "t") -> str:
    """history_reason_sql as an aggregate over an award's transactions (ALIAS)."""
    return history_reason_sql(
        f"any_value({alias}.award_key)", f"min({alias}.action_date)", store_has_history
    )
