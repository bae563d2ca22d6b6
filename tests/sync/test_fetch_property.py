"""Property: whatever faults the server injects, a window the client calls complete
holds exactly the server's records (same rows, same number of copies). Never wrong
data."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from custodes.sources.usaspending.fetch import _identity, fetch_window
from custodes.sync.client import ApiError, Client, Policy
from custodes.sync.windows import fiscal_year_window
from tests.fakes.usaspending import FakeUsaspending, Fault
from tests.sync.conftest import make_rows

ROWS = make_rows(260, seed=21)
for _r in ROWS[:120]:
    _r["Federal Action Obligation"] = "0.00"  # long runs of ties
ROWS.insert(3, dict(ROWS[200]))  # real duplicate rows
ROWS.insert(150, dict(ROWS[10]))

fault = st.builds(
    Fault,
    kind=st.sampled_from(["shift", "duplicate", "drop", "500", "truncated", "reset"]),
    path=st.just("spending_by_transaction/"),
    times=st.integers(1, 4) | st.just(-1),
    after=st.integers(0, 6),
    page=st.none() | st.integers(1, 3),
    shift=st.integers(1, 5),
)


CHECKED: dict[str, int] = {}


@example([])  # no fault: the window must come back complete, and be checked
@example([Fault("shift", path="spending_by_transaction/", page=2, times=1, shift=3)])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(fault, max_size=4))
def _complete_means_exact(faults):
    with FakeUsaspending(ROWS, faults=faults) as api:
        truth = Counter(
            _identity(r)
            for r in api.search(
                {
                    "filters": {"award_type_codes": ["A"]},
                    "fields": ["Transaction Amount"],
                }
            )[1]["rows"]
        )
        with Client(
            api.url, Policy(rate=0, backoff=0, timeout=5, attempts=4)
        ) as client:
            try:
                result = fetch_window(client, [], fiscal_year_window(2024), cap=50_000)
            except ApiError:
                CHECKED["failed"] = CHECKED.get("failed", 0) + 1
                return  # reported as a failed window: nothing saved
    if result.complete:
        got = Counter(_identity(_full(api, r)) for r in result.records)
        assert got == truth
        CHECKED["complete"] = CHECKED.get("complete", 0) + 1
    else:
        CHECKED["incomplete"] = CHECKED.get("incomplete", 0) + 1


def test_complete_means_exact():
    """Whatever faults the server injects, a window called complete holds exactly
    the server's records; and the run checked some complete windows (a run in which
    every window failed or came up short would prove nothing)."""
    CHECKED.clear()
    _complete_means_exact()
    assert CHECKED.get("complete", 0) >= 2, CHECKED


def _full(api: FakeUsaspending, served: dict) -> dict:
    """The server's full record for a served (field-subset) record."""
    for rec in api.records:
        if all(rec.get(k) == v for k, v in served.items()):
            return rec
    raise AssertionError("served a record the server does not have")
