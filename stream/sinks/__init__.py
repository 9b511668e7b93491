"""Alert sinks: deliver alerts from the alert topic to receivers outside Kafka.

``alertmanager`` (``STREAM_ALERTMANAGER_URL``) posts each alert to Alertmanager's API v2;
``webhook`` (``STREAM_WEBHOOK_URL``, optional ``STREAM_WEBHOOK_SECRET``) posts the alert's JSON,
signed. Each enabled sink runs its own consumer group on the alert topic inside the worker
(see ``runner.py``); final failures go to the sink dead-letter topic.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import faust

from stream.config import Settings
from stream.errors import ConfigError
from stream.sinks.alertmanager import AlertmanagerSink
from stream.sinks.http import Sink
from stream.sinks.runner import SinkRunner
from stream.sinks.webhook import WebhookSink
from stream.worker.context import WorkerContext


def _http_url(setting: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{setting}: expected an http:// or https:// URL, got {url!r}")
    return url


def build_sinks(settings: Settings) -> list[Sink]:
    """The sinks whose URL is set, in a fixed order."""
    sinks: list[Sink] = []
    if settings.alertmanager_url:
        url = _http_url("STREAM_ALERTMANAGER_URL", settings.alertmanager_url)
        sinks.append(AlertmanagerSink(url, timedelta(seconds=settings.story_window_seconds)))
    if settings.webhook_url:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        sinks.append(WebhookSink(_http_url("STREAM_WEBHOOK_URL", settings.webhook_url), secret))
    return sinks


def register(ctx: WorkerContext) -> tuple[str, ...]:
    """Start the sinks the settings enable with the app; returns their names (for metrics priming)."""
    sinks = build_sinks(ctx.settings)
    if not sinks:
        return ()
    dlq = ctx.app.topic(ctx.names.sink_dlq, key_serializer="raw", value_serializer="raw",
                        partitions=ctx.settings.topic_partitions)

    async def start_sinks(app: faust.App) -> None:
        # Runtime dependencies of the app: stopped with it, before its producer.
        for sink in sinks:
            await app.add_runtime_dependency(SinkRunner(ctx, sink, dlq))

    ctx.app.task(start_sinks)
    return tuple(sink.name for sink in sinks)
