"""Date windows: the unit a sync fetches, verifies and checkpoints.

A source's search serves at most `cap` records per query (50,000 on USAspending's
public API). A window whose count is above the cap is split in two halves,
recursively, until every piece fits; a single day above the cap cannot be split and is
reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, order=True)
class Window:
    start: date
    end: date  # inclusive

    @property
    def key(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def split(self) -> tuple[Window, Window]:
        """Two halves; raises ValueError for a one-day window."""
        if self.days < 2:
            raise ValueError(f"window {self.key} is one day and cannot be split")
        mid = self.start + timedelta(days=self.days // 2 - 1)
        return Window(self.start, mid), Window(mid + timedelta(days=1), self.end)

    @classmethod
    def parse(cls, key: str) -> Window:
        start, end = key.split("..")
        return cls(date.fromisoformat(start), date.fromisoformat(end))


def fiscal_year_window(fy: int) -> Window:
    """Federal FY N runs from 1 October of N-1 to 30 September of N."""
    return Window(date(fy - 1, 10, 1), date(fy, 9, 30))


def fiscal_year_of(day: date) -> int:
    return day.year + 1 if day.month >= 10 else day.year


def plan_range(
    fy: int | None,
    since: date | None,
    until: date | None,
    today: date,
    earliest: date = date.min,
) -> Window:
    """The overall window a sync covers, from the command's options; nothing before
    `earliest` (the first day the source serves)."""
    if fy is not None:
        window = fiscal_year_window(fy)
        start = max(window.start, since) if since else window.start
        end = min(window.end, until or window.end, today)
    else:
        start = since or fiscal_year_window(fiscal_year_of(today)).start
        end = min(until or today, today)
    start = max(start, earliest)
    if end < start:
        raise ValueError(f"nothing to fetch: the range {start} to {end} is empty")
    return Window(start, end)
