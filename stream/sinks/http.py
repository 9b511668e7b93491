"""One HTTP POST of a prepared request with aiohttp: the only place the sinks touch the network."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import aiohttp

from stream import __version__
from stream.models import Alert
from stream.sinks.retry import Answer

USER_AGENT = f"stream-monitor/{__version__}"
DETAIL_BYTES = 300  # how much of an error answer's body is kept for the dead letter


@dataclass(frozen=True)
class HttpRequest:
    url: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


class Sink(Protocol):
    """A receiver outside Kafka: turns one alert into the HTTP request that delivers it."""

    name: str

    def request_for(self, alert: Alert) -> HttpRequest: ...


async def post(session: aiohttp.ClientSession, request: HttpRequest, timeout: float) -> Answer:
    """POST once; connection errors and timeouts are raised (the retry policy classifies them).

    Redirects are not followed: a receiver that moved is a configuration error to see, not to guess.
    """
    headers = {"User-Agent": USER_AGENT, **request.headers}
    async with session.post(
        request.url, data=request.body, headers=headers, allow_redirects=False,
        timeout=aiohttp.ClientTimeout(total=timeout),
    ) as response:
        detail = b""
        if not 200 <= response.status < 300:
            detail = await response.content.read(DETAIL_BYTES)
        else:
            await response.read()  # drain, so the connection can be reused
        return Answer(response.status, response.headers.get("Retry-After"), detail.decode("utf-8", "replace").strip())
