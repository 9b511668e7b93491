"""What a client of /alerts/stream asks for: filters, backlog size and where to resume.

Pure: parsed from the query string and headers, so every rule is tested without a server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from stream.alertfilter import AlertFilter, FilterError, parse_category
from stream.models import SEVERITIES

MAX_EVENT_ID_CHARS = 256


class RequestError(ValueError):
    """A query parameter or header the stream cannot honour (answered with 400 and this message)."""


@dataclass(frozen=True)
class StreamRequest:
    filter: AlertFilter
    backlog: int
    last_event_id: str | None


def _choice(query: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str | None:
    value = query.get(name)
    if value is None or value == "":
        return None
    if value not in allowed:
        raise RequestError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _category(query: Mapping[str, str]) -> str | None:
    value = query.get("category")
    if value is None or value == "":
        return None
    try:
        return parse_category(value)
    except FilterError as exc:
        raise RequestError(f"category: {exc}") from None


def _backlog(query: Mapping[str, str], limit: int) -> int:
    value = query.get("backlog")
    if value is None or value == "":
        return limit
    if not value.isdecimal():
        raise RequestError(f"backlog must be a whole number from 0 to {limit}, not {value!r}")
    return min(int(value), limit)  # a client may lower the backlog, never raise it


def _event_id(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if len(value) > MAX_EVENT_ID_CHARS or not value.isprintable():
        raise RequestError(f"last event id must be at most {MAX_EVENT_ID_CHARS} printable characters")
    return value


def parse_request(query: Mapping[str, str], headers: Mapping[str, str], backlog_limit: int) -> StreamRequest:
    """Read the stream's parameters; raise :class:`RequestError` with a one-line message.

    The ``Last-Event-ID`` header (what a reconnecting EventSource sends) wins over the
    ``last_event_id`` query parameter.
    """
    return StreamRequest(
        filter=AlertFilter(
            category=_category(query),
            min_severity=_choice(query, "min_severity", SEVERITIES),
        ),
        backlog=_backlog(query, backlog_limit),
        last_event_id=_event_id(headers.get("Last-Event-ID")) or _event_id(query.get("last_event_id")),
    )
