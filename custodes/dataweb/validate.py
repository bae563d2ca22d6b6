"""`custodes check`: every rule the curated data web must keep, with the entry at fault.

Rules: every claim cites at least one known source; every reference resolves to an entry
of the right kind; categories and statuses come from vocabulary.yaml; ids are unique;
dates are real calendar dates, not in the future, and in order; no field holds
personal data. claims.py adds the rules that keep a claim within its evidence (hops
and facilitators, sums, dates past the evidence, planned figures, source addresses)
and the warnings (`warnings`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from custodes.dataweb.claims import problems_for, shape_problems, warnings_for
from custodes.dataweb.dates import date_range
from custodes.dataweb.model import (
    DATE_FIELDS,
    END_FIELDS,
    FIELDS,
    HISTORY_FIELDS,
    PERSONAL_DATA_FIELDS,
    REFERENCES,
    VOCABULARY_FIELDS,
    DataWeb,
    Entry,
    prefixes_of,
)
from custodes.errors import InputError
from custodes.model.agencies import resolve_sub_agency


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _personal(entry: Entry, data: dict[str, Any], context: str = "") -> list[str]:
    found = []
    for key, value in data.items():
        if key.lower() in PERSONAL_DATA_FIELDS:
            found.append(
                f"field '{context}{key}' would hold personal data about a person; the "
                "data web records institutions and categories of data only"
            )
        for item in _as_list(value):
            if isinstance(item, dict):
                found.extend(_personal(entry, item, f"{context}{key}."))
    return found


def _fields(entry: Entry) -> list[str]:
    required, optional = FIELDS[entry.kind]
    keys = set(entry.data)
    out = [f"missing field {k!r}" for k in sorted(required - keys)]
    out += [
        f"unknown field {k!r}"
        for k in sorted(keys - required - optional)
        if k.lower() not in PERSONAL_DATA_FIELDS
    ]
    if entry.kind == "source" and not (
        entry.data.get("title") or entry.data.get("topic")
    ):
        out.append("a source needs a title (or a topic when the title is not known)")
    for key in ("url", "read_via"):
        value = entry.data.get(key)
        if value is not None and not str(value).startswith(("https://", "http://")):
            out.append(f"{key} {value!r} is not an http(s) address")
    if entry.kind == "funding" and not (
        entry.data.get("piid") or entry.data.get("award_key")
    ):
        out.append("a funding entry needs a piid or an award_key")
    return out


def _sources(web: DataWeb, entry: Entry) -> list[str]:
    if entry.kind == "source":
        return []
    cited = _as_list(entry.data.get("sources"))
    out = (
        []
        if cited
        else ["claim without a source: cite at least one id from sources.yaml"]
    )
    for event in _as_list(entry.data.get("history")):
        if (
            isinstance(event, dict)
            and "sources" in event
            and not _as_list(event["sources"])
        ):
            out.append(
                f"history event {event.get('date')}: empty source list "
                "(omit it to inherit the entry's sources)"
            )
        if isinstance(event, dict):
            cited = cited + _as_list(event.get("sources"))
    for sid in cited:
        target = web.get(str(sid))
        if target is None or target.kind != "source":
            out.append(f"dangling reference: source {sid!r} is not in sources.yaml")
    return out


def _references(web: DataWeb, entry: Entry) -> list[str]:
    out = []
    for field_name, prefixes in REFERENCES[entry.kind].items():
        for ref in _as_list(entry.data.get(field_name)):
            ref = str(ref)
            if web.get(ref) is None:
                out.append(f"dangling reference: {field_name} {ref!r} is not defined")
            elif not ref.startswith(prefixes):
                out.append(
                    f"{field_name} {ref!r} must point to one of {', '.join(prefixes)}"
                )
    if entry.kind == "funding" and entry.data.get("agency"):
        try:
            resolve_sub_agency(str(entry.data["agency"]))
        except InputError:
            out.append(f"unknown agency {entry.data['agency']!r}")
    return out


def _vocabulary(web: DataWeb, entry: Entry) -> list[str]:
    out = []
    kinds = VOCABULARY_FIELDS.get(entry.kind, {})
    for field_name, section in kinds.items():
        allowed = web.vocabulary.get(section, {})
        for value in _as_list(entry.data.get(field_name)):
            if value not in allowed:
                what = "category" if "categor" in section else section.rstrip("s")
                extra = (
                    " (there is no kind for private persons)"
                    if section == "organisation_kinds"
                    else ""
                )
                out.append(
                    f"unknown {what} {value!r} in {field_name}{extra}; "
                    f"allowed: {', '.join(sorted(allowed))}"
                )
    for event in _as_list(entry.data.get("history")):
        if isinstance(event, dict) and event.get("status") not in web.vocabulary.get(
            "statuses", {}
        ):
            out.append(f"unknown status {event.get('status')!r} in history")
    return out


def _dates(entry: Entry, today: date) -> list[str]:
    out, ranges = [], {}
    for field_name in DATE_FIELDS + END_FIELDS:
        value = entry.data.get(field_name)
        if value is None:
            continue
        try:
            ranges[field_name] = date_range(value)
        except ValueError as exc:
            out.append(f"impossible date in {field_name}: {exc}")
            continue
        # the end of what the sources vouch for may lie ahead (an option period)
        if ranges[field_name][0] > today and field_name not in END_FIELDS:
            out.append(f"impossible date in {field_name}: {value} is in the future")
    for later in ("until", "evidence_until"):
        if (
            "since" in ranges
            and later in ranges
            and ranges[later][1] < ranges["since"][0]
        ):
            out.append(
                f"impossible dates: {later} {entry.data[later]} is before "
                f"since {entry.data['since']}"
            )
    return out + _history(entry, today)


def _history(entry: Entry, today: date) -> list[str]:
    events = _as_list(entry.data.get("history"))
    out, previous = [], None
    for event in events:
        if not isinstance(event, dict):
            out.append("history events must be mappings with date, status and event")
            continue
        out += shape_problems(event, HISTORY_FIELDS, "history event")
        try:
            start, end = date_range(event.get("date"))
        except ValueError as exc:
            out.append(f"impossible date in history: {exc}")
            continue
        if start > today:
            out.append(
                f"impossible date in history: {event.get('date')} is in the future"
            )
        if previous and end < previous[0]:
            out.append(
                f"history out of order: {event.get('date')} comes after {previous[1]}"
            )
        previous = (start, event.get("date"))
    last = events[-1] if events and isinstance(events[-1], dict) else None
    if last and entry.data.get("status") and last.get("status") != entry.data["status"]:
        out.append(
            f"status {entry.data['status']!r} disagrees with the last history event "
            f"({last.get('status')!r})"
        )
    return out


def _check_entry(web: DataWeb, entry: Entry, today: date) -> list[Problem]:
    messages = _personal(entry, entry.data)
    if not entry.id.startswith(prefixes_of(entry.kind)):
        messages.append(f"id must start with {' or '.join(prefixes_of(entry.kind))}")
    messages += _fields(entry) + _sources(web, entry) + _references(web, entry)
    messages += _vocabulary(web, entry) + _dates(entry, today)
    messages += problems_for(web, entry)
    return [Problem(entry.where(), m) for m in messages]


def validate(web: DataWeb, today: date | None = None) -> list[Problem]:
    """Every problem in the data web, in file order. An empty list means it is sound."""
    today = today or date.today()
    problems = [
        Problem(p.split(":", 1)[0], p.split(":", 1)[1].strip())
        for p in web.load_problems
    ]
    seen: dict[str, Entry] = {}
    for entry in web.all_entries:
        if entry.id in seen:
            problems.append(
                Problem(
                    entry.where(),
                    f"duplicate id (first defined in {seen[entry.id].where()})",
                )
            )
            continue
        seen[entry.id] = entry
        problems += _check_entry(web, entry, today)
    return problems


def warnings(web: DataWeb, today: date | None = None) -> list[Problem]:
    """What still works but should change: the deprecated `via`, a source without a
    kind or an address reason, a status whose evidence has lapsed by `today`."""
    today = today or date.today()
    return [
        Problem(entry.where(), message)
        for entry in web.entries.values()
        for message in warnings_for(web, entry, today)
    ]
