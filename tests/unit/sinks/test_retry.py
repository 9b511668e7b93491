"""Retry classification, backoff and the delivery loop, on a fake receiver and a fake sleep."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import aiohttp
import pytest

from stream.sinks.retry import (
    MAX_BACKOFF_SECONDS, Answer, backoff_delay, classify_status, deliver, is_transient, parse_retry_after, retry_delay,
)


@pytest.mark.parametrize(("status", "verdict"), [
    (200, "delivered"), (202, "delivered"), (204, "delivered"),
    (408, "retry"), (429, "retry"), (500, "retry"), (502, "retry"), (503, "retry"), (504, "retry"),
    (400, "final"), (401, "final"), (403, "final"), (404, "final"), (409, "final"), (422, "final"),
    (301, "final"), (302, "final"), (100, "final"),
])
def test_status_classification(status, verdict):
    assert classify_status(status) == verdict


def test_transient_errors_are_connection_trouble_and_timeouts_not_bad_urls():
    assert is_transient(aiohttp.ClientConnectionError("refused"))
    assert is_transient(ConnectionRefusedError())
    assert is_transient(asyncio.TimeoutError())
    assert is_transient(aiohttp.ServerDisconnectedError())
    assert not is_transient(aiohttp.InvalidURL("nope"))
    assert not is_transient(ValueError("bug"))


def test_backoff_doubles_from_the_base_and_is_capped_at_30_seconds():
    assert [backoff_delay(n, 0.5) for n in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert backoff_delay(1000, 0.5) == MAX_BACKOFF_SECONDS


def test_retry_after_in_seconds_or_as_an_http_date():
    now = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=20), usegmt=True), now) == 20.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=20), usegmt=True), now) == 0.0
    for bad in (None, "", "soon", "-3", "1.5"):
        assert parse_retry_after(bad) is None


def test_a_small_retry_after_replaces_the_backoff_a_large_one_is_capped():
    assert retry_delay(1, 0.5, "3") == 3.0
    assert retry_delay(4, 0.5, "0") == 0.0
    assert retry_delay(1, 0.5, "3600") == MAX_BACKOFF_SECONDS
    assert retry_delay(3, 0.5, "garbage") == 2.0
    assert retry_delay(3, 0.5, None) == 2.0


class Receiver:
    """Answers (or raises) from a script, one item per attempt."""

    def __init__(self, *script: int | Answer | BaseException) -> None:
        self.script = list(script)
        self.calls = 0

    async def __call__(self) -> Answer:
        self.calls += 1
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item if isinstance(item, Answer) else Answer(item)


class Clock:
    def __init__(self) -> None:
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


async def run(receiver: Receiver, max_attempts: int = 6, base: float = 0.5):
    clock, retries = Clock(), []
    outcome = await deliver(receiver, max_attempts=max_attempts, base_backoff=base, sleep=clock.sleep,
                            on_retry=lambda n, problem, delay: retries.append((n, problem, delay)))
    return outcome, clock.sleeps, retries


async def test_failing_then_recovering_receiver_is_delivered_after_backoff():
    outcome, sleeps, retries = await run(Receiver(503, aiohttp.ClientConnectionError("refused"), 502, 200))
    assert outcome.delivered and outcome.attempts == 4 and outcome.reason is None
    assert sleeps == [0.5, 1.0, 2.0]
    assert [(n, d) for n, _, d in retries] == [(1, 0.5), (2, 1.0), (3, 2.0)]
    assert retries[0][1].startswith("HTTP 503") and "refused" in retries[1][1]


async def test_a_client_error_is_final_at_once():
    outcome, sleeps, _ = await run(Receiver(Answer(400, detail="bad alert")))
    assert (outcome.delivered, outcome.attempts, outcome.reason) == (False, 1, "http_400")
    assert "bad alert" in outcome.error and sleeps == []


async def test_408_and_429_are_retried_and_retry_after_is_honoured():
    outcome, sleeps, _ = await run(Receiver(408, Answer(429, retry_after="3"), 200))
    assert outcome.delivered and sleeps == [0.5, 3.0]


async def test_retries_stop_after_max_attempts_with_the_last_problem():
    receiver = Receiver(*[asyncio.TimeoutError()] * 3, Answer(503, detail="overloaded"))
    outcome, sleeps, retries = await run(receiver, max_attempts=4)
    assert (outcome.delivered, outcome.attempts, outcome.reason) == (False, 4, "retries_exhausted")
    assert receiver.calls == 4 and sleeps == [0.5, 1.0, 2.0] and len(retries) == 3
    assert "HTTP 503 overloaded" in outcome.error


async def test_one_attempt_allowed_means_no_retry():
    outcome, sleeps, _ = await run(Receiver(503), max_attempts=1)
    assert outcome.reason == "retries_exhausted" and sleeps == []


async def test_an_unexpected_error_is_a_final_sink_error():
    outcome, sleeps, _ = await run(Receiver(ValueError("boom")))
    assert (outcome.reason, outcome.attempts) == ("sink_error", 1) and "boom" in outcome.error and sleeps == []


async def test_cancellation_is_not_swallowed():
    with pytest.raises(asyncio.CancelledError):
        await run(Receiver(asyncio.CancelledError()))
