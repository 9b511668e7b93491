"""Which alerts a subscriber wants: category, minimum severity, actor, raised since.

Shared by ``stream alerts`` and the worker's live endpoints, and the one place a subscriber's
``--since`` value (a duration or a timestamp) is parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from stream.models import CATEGORY_PATTERN, SEVERITIES, Alert, severity_rank

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


class FilterError(ValueError):
    """A filter value that means nothing (an unknown category, severity, or time)."""


def parse_category(value: str) -> str:
    """A category's name (``arms_trade``; ``Arms-Trade`` folds to it). Which categories exist is
    the rules' business: an unknown one simply matches nothing (its topic does not exist)."""
    normalised = value.strip().replace("-", "_").lower()
    if not re.fullmatch(CATEGORY_PATTERN, normalised):
        raise FilterError(f"not a category name: {value!r} (lower-case letters, digits and _, e.g. arms_trade)")
    return normalised


def parse_severity(value: str) -> str:
    normalised = value.strip().lower()
    if normalised not in SEVERITIES:
        raise FilterError(f"unknown severity {value!r}; choose from {', '.join(SEVERITIES)}")
    return normalised


def parse_since(value: str, now: datetime | None = None) -> datetime:
    """``90s``, ``15m``, ``2h``, ``1d``, ``1w`` before now, or an ISO 8601 timestamp (UTC if naive)."""
    now = now or datetime.now(timezone.utc)
    match = _DURATION.match(value)
    if match:
        return now - timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()])
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise FilterError(f"expected a duration such as 30m, 2h, 1d or an ISO timestamp, got {value!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class AlertFilter:
    category: str | None = None
    min_severity: str | None = None
    actor: str | None = None  # an ISO code or a name, case-insensitive
    since: datetime | None = None

    def matches(self, alert: Alert) -> bool:
        if self.category and alert.category != self.category:
            return False
        if self.min_severity and severity_rank(alert.severity) < severity_rank(self.min_severity):
            return False
        if self.since and alert.raised_at < self.since:
            return False
        if self.actor:
            wanted = self.actor.strip().lower()
            if not any(wanted in {(a.code or "").lower(), a.name.lower()} for a in alert.actors):
                return False
        return True
