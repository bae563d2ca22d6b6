"""Partial ISO dates (YYYY, YYYY-MM, YYYY-MM-DD) as the data web writes them."""

from __future__ import annotations

import calendar
import re
from datetime import date

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def date_range(text: object) -> tuple[date, date]:
    """First and last day a partial date can mean; ValueError if it is not real."""
    match = _PARTIAL.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a date (write YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = (int(p) if p else None for p in match.groups())
    assert year is not None
    if month is None:
        return date(year, 1, 1), date(year, 12, 31)
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r} has no month {month}")
    last = calendar.monthrange(year, month)[1]
    if day is None:
        return date(year, month, 1), date(year, month, last)
    if not 1 <= day <= last:
        raise ValueError(
            f"{text!r} is not a day of {calendar.month_name[month]} {year}"
        )
    return date(year, month, day), date(year, month, day)


def sort_key(text: object) -> date:
    """Earliest day of a partial date; undated values sort first."""
    try:
        return date_range(text)[0]
    except ValueError:
        return date.min
