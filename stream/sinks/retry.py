"""When and how long to retry a delivery: pure rules, a fake clock and sleep in tests.

Connection errors, timeouts, 408, 429 and 5xx are transient: retried with exponential backoff
(``backoff`` doubling per attempt, capped at ``MAX_BACKOFF_SECONDS``) up to ``max_attempts``
attempts in all. Any other non-2xx answer is final at once (``http_<status>``): sending the same
request again would be refused again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Literal

import aiohttp

MAX_BACKOFF_SECONDS = 30.0
RETRIABLE_STATUSES = frozenset({408, 429})
RETRIES_EXHAUSTED = "retries_exhausted"
SINK_ERROR = "sink_error"

Verdict = Literal["delivered", "retry", "final"]


@dataclass(frozen=True)
class Answer:
    """What the receiver said to one attempt."""

    status: int
    retry_after: str | None = None  # the raw Retry-After header, if any
    detail: str = ""  # the start of the response body, for the dead letter


@dataclass(frozen=True)
class Outcome:
    """The end of one alert's delivery: delivered, or the dead-letter reason and detail."""

    delivered: bool
    attempts: int
    reason: str | None = None
    error: str = ""


def classify_status(status: int) -> Verdict:
    if 200 <= status < 300:
        return "delivered"
    if status in RETRIABLE_STATUSES or 500 <= status < 600:
        return "retry"
    return "final"


def is_transient(exc: BaseException) -> bool:
    """Errors worth retrying: the receiver was unreachable, slow, or hung up (not a bad URL)."""
    if isinstance(exc, aiohttp.InvalidURL):
        return False
    return isinstance(exc, (aiohttp.ClientError, OSError, asyncio.TimeoutError))


def backoff_delay(attempt: int, base: float, cap: float = MAX_BACKOFF_SECONDS) -> float:
    """Delay after failed attempt number ``attempt`` (1-based): base, 2 base, 4 base ... <= cap."""
    return min(base * 2 ** min(attempt - 1, 64), cap)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max((when - (now or datetime.now(timezone.utc))).total_seconds(), 0.0)


def retry_delay(attempt: int, base: float, retry_after: str | None = None, now: datetime | None = None) -> float:
    """The backoff delay, or the receiver's Retry-After when it asks for one (honoured up to the cap)."""
    asked = parse_retry_after(retry_after, now)
    if asked is not None:
        return min(asked, MAX_BACKOFF_SECONDS)
    return backoff_delay(attempt, base)


Attempt = Callable[[], Awaitable[Answer]]
OnRetry = Callable[[int, str, float], None]  # attempt number, what went wrong, delay before the next


async def deliver(
    attempt: Attempt,
    *,
    max_attempts: int,
    base_backoff: float,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    on_retry: OnRetry | None = None,
) -> Outcome:
    """Run ``attempt`` until it is delivered, final, or ``max_attempts`` attempts failed."""
    problem = ""
    for number in range(1, max_attempts + 1):
        retry_after = None
        try:
            answer = await attempt()
        except Exception as exc:  # noqa: BLE001 - classified below; one alert must never stop the sink
            if not is_transient(exc):
                return Outcome(False, number, SINK_ERROR, f"{type(exc).__name__}: {exc}")
            problem = f"{type(exc).__name__}: {exc}".rstrip(": ")
        else:
            verdict = classify_status(answer.status)
            if verdict == "delivered":
                return Outcome(True, number)
            problem = f"HTTP {answer.status} {answer.detail}".strip()
            if verdict == "final":
                return Outcome(False, number, f"http_{answer.status}", problem)
            retry_after = answer.retry_after
        if number == max_attempts:
            break
        delay = retry_delay(number, base_backoff, retry_after)
        if on_retry is not None:
            on_retry(number, problem, delay)
        await sleep(delay)
    return Outcome(False, max_attempts, RETRIES_EXHAUSTED, f"{max_attempts} attempts, last: {problem}")
