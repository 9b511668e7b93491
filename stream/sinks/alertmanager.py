"""The Alertmanager sink: each alert as one Alertmanager alert (API v2, ``POST /api/v2/alerts``).

Labels carry what Alertmanager routes, groups, inhibits and silences on (``alertname``,
``category``, ``severity``, ``story``, ``actors``); annotations carry what a person reads.

``startsAt``/``endsAt`` are the story window. An article with an old publication date has a
window that already ended; posting that would make an alert born resolved, so its ``endsAt`` is
``raised_at`` plus the window's length instead (the alert stays active for one window from when
it was raised). Alerts without a window (schema 1) run from ``first_seen`` for the configured
story window.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from stream.evidence import readable_evidence
from stream.models import Actor, Alert, utc_now
from stream.sinks.http import HttpRequest

NAME = "alertmanager"
ALERTNAME = "StreamContentAlert"
API_PATH = "/api/v2/alerts"
MAX_PARTIES = 6
MAX_EVIDENCE_CHARS = 600


def actors_label(actors: list[Actor]) -> str:
    """'KP->RU' when the text says who supplies whom, else the parties named: 'IR,RU' ('' if none)."""
    def ids(role: str | None) -> list[str]:
        return list(dict.fromkeys(a.code or a.name for a in actors if role is None or a.role == role))

    suppliers, recipients = ids("supplier"), ids("recipient")
    if suppliers and recipients:
        return f"{'/'.join(suppliers)}->{'/'.join(recipients)}"
    return ",".join(ids(None)[:MAX_PARTIES])


def evidence_quote(alert: Alert) -> str:
    """The sentence carrying the evidence, matched words in « »; the words alone without text."""
    return readable_evidence(alert.text, alert.evidence, MAX_EVIDENCE_CHARS)


def article_ref(alert: Alert) -> str:
    return alert.source.url or alert.article_id


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def active_period(alert: Alert, now: datetime, default_window: timedelta) -> tuple[datetime, datetime]:
    """(startsAt, endsAt): the story window, moved past ``raised_at`` when it already ended."""
    if alert.window_start is not None and alert.window_end is not None:
        start, end = _utc(alert.window_start), _utc(alert.window_end)
        length = max(end - start, timedelta(seconds=1))
    else:
        start, end, length = _utc(alert.first_seen), None, default_window
    if end is None or end <= now:
        end = _utc(alert.raised_at) + length
    if end <= start:  # a window dated in the future (or a skewed clock): still a valid period
        end = start + length
    return start, end


def _http_url(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def alertmanager_alert(alert: Alert, now: datetime, default_window: timedelta) -> dict:
    """One entry of the ``POST /api/v2/alerts`` body."""
    labels = {
        "alertname": ALERTNAME,
        "category": alert.category,
        "severity": alert.severity,
        # A schema-1 alert has no story: it is its own, so it groups and inhibits alone.
        "story": alert.story_key or alert.alert_id,
    }
    actors = actors_label(alert.actors)
    if actors:
        labels["actors"] = actors
    annotations = {
        "summary": alert.summary,
        "evidence": evidence_quote(alert),
        "article": article_ref(alert),
        "alert_id": alert.alert_id,
    }
    if alert.title:
        annotations["title"] = alert.title
    if alert.supersedes:
        annotations["supersedes"] = alert.supersedes
    starts, ends = active_period(alert, now, default_window)
    entry = {"labels": labels, "annotations": annotations,
             "startsAt": starts.isoformat(), "endsAt": ends.isoformat()}
    generator = _http_url(alert.source.url)
    if generator:
        entry["generatorURL"] = generator
    return entry


def alerts_endpoint(base_url: str) -> str:
    base = base_url.rstrip("/")
    return base if base.endswith(API_PATH) else base + API_PATH


class AlertmanagerSink:
    name = NAME

    def __init__(self, base_url: str, default_window: timedelta, clock=utc_now) -> None:
        self.url = alerts_endpoint(base_url)
        self.default_window = default_window
        self.clock = clock

    def request_for(self, alert: Alert) -> HttpRequest:
        body = json.dumps([alertmanager_alert(alert, self.clock(), self.default_window)]).encode("utf-8")
        return HttpRequest(self.url, body, {"Content-Type": "application/json"})
