"""Status as of a date, derived from dated evidence (the rule is in docs/dataweb.md).

A system, flow or agreement records `status`: what its sources last said. That claim
holds only while its evidence does. The evidence lapses

- at `evidence_until` (the end of the period the sources vouch for: a contract's
  last option period, an agreement's term, a pilot's stated end), unless a history
  event dated after it records what happened next; a flow without its own
  `evidence_until` takes its agreement's; or
- SHELF_LIFE_YEARS after the newest dated evidence (the last history event, `since`,
  and the cited sources published by the as-of date), when nothing sets an end.

Once the evidence has lapsed, `active`, `suspended` and `enjoined` become `reported`
(it happened; its state now is not known) and `proposed` becomes `unknown` (a plan
never shown to have happened). `ended`, `reported` and `unknown` stay as they are. On
a date before any evidence the status is `unknown` too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from custodes.dataweb.dates import date_range
from custodes.dataweb.model import DataWeb, Entry

SHELF_LIFE_YEARS = 3
AFTER_LAPSE = {
    "active": "reported",
    "suspended": "reported",
    "enjoined": "reported",
    "proposed": "unknown",
}
STATUS_KINDS = ("system", "flow", "agreement")


@dataclass(frozen=True)
class DatedStatus:
    """A status as of a date, with what it rests on."""

    status: str  # as of `as_of`
    recorded_status: str  # what the sources last said, up to `as_of`
    as_of: str  # ISO date
    evidence_date: str | None  # newest dated evidence (ISO day), up to `as_of`
    lapses_on: str | None  # first day the evidence no longer covers
    lapsed: bool
    note: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _range(value: object) -> tuple[date, date] | None:
    try:
        return date_range(value)
    except ValueError:
        return None


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def evidence_until(web: DataWeb, entry: Entry) -> tuple[str | None, str]:
    """The entry's own `evidence_until`, else (for a flow) its agreement's; with
    where it came from."""
    own = entry.data.get("evidence_until")
    if own:
        return str(own), entry.id
    agreement = web.get(str(entry.data.get("agreement") or ""))
    if entry.kind == "flow" and agreement and agreement.data.get("evidence_until"):
        return str(agreement.data["evidence_until"]), agreement.id
    return None, ""


def _recorded(entry: Entry, as_of: date) -> tuple[str | None, date | None]:
    """The status the sources gave by `as_of`, and the day that status starts."""
    events = [
        (r, e)
        for e in entry.data.get("history") or []
        if isinstance(e, dict) and (r := _range(e.get("date")))
    ]
    if events:
        known = [(r, e) for r, e in events if r[0] <= as_of]
        if not known:
            return None, None
        r, e = known[-1]
        return str(e.get("status")), r[1]
    since = _range(entry.data.get("since") or entry.data.get("date"))
    if since and since[0] > as_of:
        return None, None
    return entry.data.get("status"), since[1] if since else None


def _newest_evidence(web: DataWeb, entry: Entry, as_of: date) -> date | None:
    days: list[date] = []
    for event in entry.data.get("history") or []:
        r = _range(event.get("date")) if isinstance(event, dict) else None
        if r and r[0] <= as_of:
            days.append(min(r[1], as_of))
    for key in ("since", "date"):
        r = _range(entry.data.get(key))
        if r and r[0] <= as_of:
            days.append(min(r[1], as_of))
    for sid in entry.data.get("sources") or []:
        source = web.get(str(sid))
        r = _range(source.data.get("date")) if source else None
        if r and r[0] <= as_of:
            days.append(min(r[1], as_of))
    return max(days) if days else None


def status_as_of(
    web: DataWeb, entry: Entry, as_of: date | None = None
) -> DatedStatus | None:
    """The entry's status on `as_of` (today by default); None if it records none."""
    if entry.kind not in STATUS_KINDS or not entry.data.get("status"):
        return None
    as_of = as_of or date.today()
    recorded, _ = _recorded(entry, as_of)
    newest = _newest_evidence(web, entry, as_of)
    iso = as_of.isoformat()
    if recorded is None:
        return DatedStatus(
            "unknown",
            "unknown",
            iso,
            None,
            None,
            False,
            f"no evidence dated on or before {iso}",
        )
    lapse, why = _lapse(web, entry, newest)
    lapsed = recorded in AFTER_LAPSE and lapse is not None and as_of >= lapse
    status = AFTER_LAPSE[recorded] if lapsed else recorded
    if lapsed:
        note = f"recorded as {recorded}; {why}, so its state since is not known"
    elif recorded in AFTER_LAPSE and lapse is not None:
        covered = (lapse - timedelta(days=1)).isoformat()
        note = f"recorded as {recorded}; the evidence covers it until {covered}"
    else:
        note = ""
    return DatedStatus(
        status,
        recorded,
        iso,
        newest.isoformat() if newest else None,
        lapse.isoformat() if lapse else None,
        lapsed,
        note,
    )


def _lapse(web: DataWeb, entry: Entry, newest: date | None) -> tuple[date | None, str]:
    """The first day the evidence no longer covers, and why."""
    until, where = evidence_until(web, entry)
    if until and (r := _range(until)):
        later = [
            e
            for e in entry.data.get("history") or []
            if isinstance(e, dict) and (d := _range(e.get("date"))) and d[0] > r[1]
        ]
        if not later:
            whose = "" if where == entry.id else f" (from {where})"
            return r[1] + timedelta(days=1), f"the evidence ends {until}{whose}"
    if newest is None:
        return None, ""
    return (
        _add_years(newest, SHELF_LIFE_YEARS),
        f"the newest evidence is from {newest.isoformat()} "
        f"and evidence lapses after {SHELF_LIFE_YEARS} years",
    )
