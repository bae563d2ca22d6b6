"""Date windows: splitting covers the range exactly; plans follow the options."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custodes.sources.usaspending import FETCHER
from custodes.sources.usaspending.fetch import merge_pass
from custodes.sync.windows import Window, fiscal_year_window, plan_range


@given(
    st.dates(date(2008, 1, 1), date(2030, 1, 1)),
    st.integers(1, 800),
    st.integers(1, 12),
)
def test_recursive_splits_cover_the_range_once(start, days, depth):
    whole = Window(start, start + timedelta(days=days - 1))
    pieces = [whole]
    for _ in range(depth):
        pieces = [p for w in pieces for p in (w.split() if w.days > 1 else (w,))]
    assert pieces[0].start == whole.start and pieces[-1].end == whole.end
    for a, b in zip(pieces, pieces[1:], strict=False):
        assert b.start == a.end + timedelta(days=1)
    assert sum(p.days for p in pieces) == whole.days


def test_one_day_cannot_split():
    with pytest.raises(ValueError):
        Window(date(2024, 1, 1), date(2024, 1, 1)).split()


def test_fiscal_year_and_plans():
    assert fiscal_year_window(2025) == Window(date(2024, 10, 1), date(2025, 9, 30))
    today = date(2025, 3, 15)
    assert plan_range(None, None, None, today) == Window(date(2024, 10, 1), today)
    assert plan_range(2025, None, None, today).end == today  # never past today
    assert plan_range(2024, date(2024, 5, 1), None, today) == Window(
        date(2024, 5, 1), date(2024, 9, 30)
    )
    first = FETCHER.earliest  # the search API's first day
    assert first == date(2007, 10, 1)
    assert (
        plan_range(None, date(2006, 1, 1), date(2008, 1, 1), today, first).start
        == first
    )
    with pytest.raises(ValueError):
        plan_range(2005, None, None, today, first)  # wholly before it
    with pytest.raises(ValueError):
        plan_range(None, date(2025, 4, 1), date(2025, 3, 1), today)


def test_merge_keeps_real_duplicates_and_drops_repeats():
    a, b, c = {"x": 1}, {"x": 2}, {"x": 3}
    seen: dict = {}
    merge_pass(seen, [[a, b], [b, c]])  # b repeated across a page edge: counted once
    assert sorted(n for _, n in seen.values()) == [1, 1, 1]
    merge_pass(
        seen, [[a, b, b], [c]]
    )  # a pass that shows b twice on one page: two rows
    assert sorted(n for _, n in seen.values()) == [1, 1, 2]
