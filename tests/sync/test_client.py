"""The HTTP client against the fake server: retries, Retry-After, budgets, bounds."""

from __future__ import annotations

import time

import pytest

from custodes.sync.client import (
    ApiError,
    BudgetExhausted,
    Client,
    Policy,
    parse_retry_after,
)
from tests.fakes.usaspending import Fault
from tests.sync.conftest import make_rows

COUNT = "/api/v2/search/spending_by_transaction_count/"
BODY = {"filters": {"award_type_codes": ["A", "B", "C", "D"]}}


def fast(**kw) -> Policy:
    return Policy(**{"rate": 0, "backoff": 0.01, "timeout": 2.0, **kw})


@pytest.mark.parametrize("kind", ["500", "truncated", "reset"])
def test_transient_faults_are_retried(fake_api, kind):
    api = fake_api(make_rows(30), faults=[Fault(kind, path=COUNT, times=2)])
    with Client(api.url, fast()) as client:
        doc = client.post_json(COUNT, BODY)
    assert doc["results"]["contracts"] == 30
    assert client.stats.requests == 3 and client.stats.retries == 2
    assert len(api.requests_to("transaction_count")) == 3


def test_429_waits_as_long_as_retry_after_says(fake_api):
    api = fake_api(make_rows(5), faults=[Fault("429", path=COUNT, retry_after="1")])
    started = time.monotonic()
    with Client(api.url, fast()) as client:
        client.post_json(COUNT, BODY)
    assert time.monotonic() - started >= 1.0
    assert client.stats.retries == 1


def test_slow_reply_times_out_and_is_retried(fake_api):
    api = fake_api(make_rows(5), faults=[Fault("slow", path=COUNT, delay=1.5)])
    with Client(api.url, fast(timeout=0.4)) as client:
        doc = client.post_json(COUNT, BODY)
    assert doc["results"]["contracts"] == 5
    assert "Timeout" in client.stats.failures[0]


def test_attempts_are_bounded(fake_api):
    api = fake_api(make_rows(5), faults=[Fault("500", path=COUNT, times=-1)])
    with (
        Client(api.url, fast(attempts=4)) as client,
        pytest.raises(ApiError, match="4 times"),
    ):
        client.post_json(COUNT, BODY)
    assert len(api.requests_to("transaction_count")) == 4


def test_client_errors_are_not_retried(fake_api):
    api = fake_api(make_rows(5))
    with Client(api.url, fast()) as client, pytest.raises(ApiError) as info:
        client.post_json("/api/v2/search/spending_by_transaction/", {"filters": {}})
    assert info.value.status == 422
    assert len(api.log) == 1


def test_request_budget_stops_the_run(fake_api):
    api = fake_api(make_rows(5))
    with Client(api.url, fast(max_requests=2)) as client:
        client.post_json(COUNT, BODY)
        client.post_json(COUNT, BODY)
        with pytest.raises(BudgetExhausted):
            client.post_json(COUNT, BODY)
    assert len(api.log) == 2


def test_time_limit_refuses_a_wait_past_it(fake_api):
    api = fake_api(make_rows(5), faults=[Fault("429", path=COUNT, retry_after="30")])
    started = time.monotonic()
    with Client(api.url, fast(max_seconds=2)) as client, pytest.raises(BudgetExhausted):
        client.post_json(COUNT, BODY)
    assert time.monotonic() - started < 2


def test_rate_limit_spaces_requests(fake_api):
    api = fake_api(make_rows(5))
    with Client(api.url, fast(rate=10)) as client:
        started = time.monotonic()
        for _ in range(4):
            client.post_json(COUNT, BODY)
        took = time.monotonic() - started
    assert took >= 0.29  # three gaps of at least 0.1 s
    with Client(api.url, fast(rate=0)) as client:
        started = time.monotonic()
        for _ in range(4):
            client.post_json(COUNT, BODY)
    assert time.monotonic() - started < took


def test_parse_retry_after():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    future = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 100))
    assert 90 < parse_retry_after(future) <= 100
