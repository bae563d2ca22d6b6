"""Checks that a claim keeps within its evidence, for `custodes check`.

- flows tell hops (what the data passes through) from facilitators (what made the flow
  possible: contracts, resellers, agreements);
- a contract total equals the sum of the amounts it is made of (`amount_parts`);
- no date is later than every source cited for it (a date past the evidence), and no
  flow claims to be active or proposed after its own end (`until`);
- a figure says whether it counts what happened or what was planned (`stated_as`), and
  its summary reads accordingly;
- a source says where it is (`url`) or why it has no address (`no_url`).

`problems_for` gives errors; `warnings_for` gives what still works but should change
(the deprecated `via`, a source without `kind` or address reason, a status whose
evidence has lapsed).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from custodes.dataweb.dates import date_range
from custodes.dataweb.model import (
    AMOUNT_PART_FIELDS,
    DATE_FIELDS,
    FACILITATOR_FIELDS,
    FACILITATOR_PREFIXES,
    DataWeb,
    Entry,
    flow_hops,
)
from custodes.dataweb.status import status_as_of

# words that mark a plan, requirement or estimate
PLAN_WORDS = re.compile(
    r"\b(plan\w*|would|propos\w*|requir\w*|ceiling|target\w*|solicit\w*|sought|"
    r"intend\w*|expect\w*|estimat\w*|budget\w*)\b",
    re.IGNORECASE,
)
# words that state an obligation as something that happened
DONE_OBLIGATION = re.compile(
    r"\b(had to|has to|have to|must|was required to|were required to|is required to|"
    r"are required to|quota)\b",
    re.IGNORECASE,
)
ACTIVE_STATUSES = ("active", "proposed")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _range(value: object) -> tuple[date, date] | None:
    try:
        return date_range(value)
    except ValueError:
        return None


def shape_problems(
    item: dict[str, Any], fields: tuple[set[str], set[str]], what: str
) -> list[str]:
    """A mapping's missing required and unknown fields, as messages about `what`."""
    required, optional = fields
    return [f"{what} lacks {k!r}" for k in sorted(required - set(item))] + [
        f"{what} has unknown field {k!r}"
        for k in sorted(set(item) - required - optional)
    ]


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


# --- flows ---------------------------------------------------------------------


def _flow(web: DataWeb, entry: Entry) -> list[str]:
    d, out = entry.data, []
    if "via" in d and "hops" in d:
        out.append(
            "both 'hops' and the deprecated 'via': keep 'hops' (what the data passes "
            "through) and move contracts, resellers and agreements to 'facilitators'"
        )
    hops = flow_hops(entry)
    for hop in sorted({h for h in hops if hops.count(h) > 1}):
        out.append(f"hop {hop!r} is listed twice")
    for hop in hops:
        if hop in (d.get("from"), d.get("to")):
            out.append(f"hop {hop!r} is an end of the flow, not something in between")
    roles = web.vocabulary.get("facilitator_roles", {})
    seen: set[str] = {str(d["agreement"])} if d.get("agreement") else set()
    for item in _as_list(d.get("facilitators")):
        if not isinstance(item, dict):
            out.append("a facilitator must be a mapping with 'id' and 'role'")
            continue
        out += shape_problems(item, FACILITATOR_FIELDS, "facilitator")
        fid = str(item.get("id"))
        if item.get("id") is not None:
            if web.get(fid) is None:
                out.append(f"dangling reference: facilitator {fid!r} is not defined")
            elif not fid.startswith(FACILITATOR_PREFIXES):
                out.append(
                    f"facilitator {fid!r} must point to one of "
                    f"{', '.join(FACILITATOR_PREFIXES)} (a system the data passes "
                    "through is a hop)"
                )
            if fid in hops:
                out.append(
                    f"{fid!r} is both a hop and a facilitator: the data either passes "
                    "through it or it does not"
                )
            if fid in seen:
                out.append(f"facilitator {fid!r} is listed twice (or is the agreement)")
            seen.add(fid)
        if "role" in item and item["role"] not in roles:
            out.append(
                f"unknown facilitator role {item['role']!r}; allowed: "
                f"{', '.join(sorted(roles))}"
            )
    return out


# --- amounts -------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _amounts(entry: Entry) -> list[str]:
    d = entry.data
    parts = d.get("amount_parts")
    if parts is None:
        return []
    if not isinstance(parts, list) or not parts:
        return ["amount_parts must be a non-empty list of {label, amount_usd}"]
    out: list[str] = []
    total, slack = Decimal(0), Decimal(0)
    for i, part in enumerate(parts, start=1):
        if not isinstance(part, dict):
            out.append(f"amount part {i} must be a mapping with label and amount_usd")
            continue
        out += shape_problems(part, AMOUNT_PART_FIELDS, f"amount part {i}")
        amount = _decimal(part.get("amount_usd"))
        if amount is None:
            out.append(f"amount part {i}: amount_usd is not a number")
            continue
        total += amount
        if "rounded_to" in part:
            step = _decimal(part["rounded_to"])
            if step is None or step <= 0:
                out.append(f"amount part {i}: rounded_to must be a positive number")
            else:
                slack += step / 2
    if out:
        return out
    stated = _decimal(d.get("amount_usd"))
    if stated is None:
        return ["amount_parts without amount_usd: give the total the sources state"]
    if abs(stated - total) > slack:
        rounding = (
            f" beyond the rounding of its parts (±{_money(slack)})" if slack else ""
        )
        out.append(
            f"contract total does not add up: amount_usd {_money(stated)} is not the "
            f"sum of its amount_parts, {_money(total)} (off by "
            f"{_money(abs(stated - total))}){rounding}; cite the missing part or "
            "correct the total"
        )
    return out


# --- dates past the evidence ---------------------------------------------------


def _newest_source(web: DataWeb, ids: list[Any]) -> tuple[date, str] | None:
    dated = []
    for sid in ids:
        source = web.get(str(sid))
        r = _range(source.data.get("date")) if source else None
        if r and source:
            dated.append((r[1], str(source.data["date"])))
    return max(dated) if dated else None


def _evidence_dates(web: DataWeb, entry: Entry) -> list[str]:
    d, out = entry.data, []
    own = _as_list(d.get("sources"))
    newest = _newest_source(web, own)
    for key in DATE_FIELDS:
        r = _range(d.get(key))
        if newest and r and r[0] > newest[0]:
            out.append(
                f"date past the evidence: {key} {d[key]} is later than every source "
                f"cited for it (newest {newest[1]})"
            )
    for event in _as_list(d.get("history")):
        if not isinstance(event, dict):
            continue
        cited = newest
        if event.get("sources"):
            cited = _newest_source(web, _as_list(event["sources"]))
        r = _range(event.get("date"))
        if cited and r and r[0] > cited[0]:
            out.append(
                f"date past the evidence: history event {event.get('date')} "
                f"({event.get('event')}) is later than every source cited for it "
                f"(newest {cited[1]}); date the event when a source reports it"
            )
    if d.get("until") and d.get("status") in ACTIVE_STATUSES:
        out.append(
            f"status {d['status']!r} is claimed after the end the sources give "
            f"(until {d['until']}); the status of an ended flow is ended, suspended "
            "or reported"
        )
    return out


# --- figures -------------------------------------------------------------------


def _figure(web: DataWeb, entry: Entry) -> list[str]:
    d = entry.data
    stated = d.get("stated_as", "reported")
    summary = str(d.get("summary") or "")
    out = []
    if stated == "planned":
        done = DONE_OBLIGATION.search(summary.lower().replace("would have had to", ""))
        if done:
            out.append(
                f"a planned figure states the plan as done ({done.group(0)!r}); word "
                "it as a plan ('would have to', 'planned', 'required by the contract')"
            )
        if not PLAN_WORDS.search(summary):
            out.append(
                "a planned figure must say so in its summary (planned, would, "
                "proposed, required, ceiling, target, estimated)"
            )
    elif stated == "reported":
        done = DONE_OBLIGATION.search(summary)
        if done:
            out.append(
                f"the figure states a requirement or plan as a fact "
                f"({done.group(0)!r}): if the evidence describes a plan or "
                "requirement, set stated_as: planned and word it as one; if it was "
                "met, cite the source that says so"
            )
        related = [web.get(str(r)) for r in _as_list(d.get("relates_to"))]
        statuses = [e.data.get("status") for e in related if e and e.data.get("status")]
        if statuses and len(statuses) == len(related) and set(statuses) == {"proposed"}:
            out.append(
                "a reported figure about proposed entries only: a figure about a plan "
                "is stated_as: planned"
            )
    return out


# --- sources -------------------------------------------------------------------


def _source(entry: Entry) -> list[str]:
    d = entry.data
    if d.get("url") and "no_url" in d:
        return ["has both url and no_url; no_url says why there is no address"]
    if "no_url" in d and not str(d.get("no_url") or "").strip():
        return ["no_url must say why the source has no address"]
    return []


def problems_for(web: DataWeb, entry: Entry) -> list[str]:
    """Errors: claims that outrun their evidence or mix up hops and facilitators."""
    out: list[str] = []
    if entry.kind == "flow":
        out += _flow(web, entry)
    if entry.kind == "agreement":
        out += _amounts(entry)
    if entry.kind == "figure":
        out += _figure(web, entry)
    if entry.kind == "source":
        out += _source(entry)
    elif entry.kind != "funding":
        out += _evidence_dates(web, entry)
    return out


def warnings_for(web: DataWeb, entry: Entry, today: date) -> list[str]:
    """What still works but should change."""
    d, out = entry.data, []
    if entry.kind == "flow" and "via" in d and "hops" not in d:
        out.append(
            "'via' is deprecated and read as 'hops' for this release: list what the "
            "data passes through as 'hops' and contracts, resellers and agreements as "
            "'facilitators' (docs/dataweb.md)"
        )
    if entry.kind == "source":
        if not d.get("kind"):
            out.append(
                "no kind: say whether it is a primary_document, official_statement, "
                "reporting or mirror"
            )
        if not d.get("url") and not d.get("no_url"):
            out.append("no url and no no_url saying why the source has no address")
    dated = status_as_of(web, entry, today)
    if dated and dated.lapsed:
        out.append(
            f"status {dated.recorded_status!r} is shown as {dated.status!r} from "
            f"{dated.lapses_on} ({dated.note}); record a later dated event with its "
            "source if the sources say more"
        )
    return out
