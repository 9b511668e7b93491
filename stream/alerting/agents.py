"""Faust wiring of the alerting stage: tagged paragraphs -> alerts on the alert topics."""

from __future__ import annotations

import faust

from stream.alerting.policy import build_alerts
from stream.models import Alert, TaggedParagraph, utc_now
from stream.worker.context import WorkerContext
from stream.worker.decode import DecodeError, decode


async def handle_tagged(ctx: WorkerContext, message: faust.types.Message) -> list[Alert]:
    m = ctx.metrics
    try:
        with m.stage_duration.labels(stage="alert").time():
            # Tagged records carry the paragraph text plus tags: allow them twice the input limit.
            paragraph = decode(TaggedParagraph, message.value, max_bytes=2 * ctx.settings.max_event_bytes)
            alerts = build_alerts(paragraph)
    except DecodeError as error:
        await ctx.send_dead_letter(message, error)
        return []
    for alert in alerts:
        payload, key = alert.to_bytes(), alert.article_id.encode()
        await ctx.publish(ctx.alerts, key, payload)
        await ctx.publish(ctx.alerts_by_category[alert.category], key, payload)
        m.alerts.labels(category=alert.category, severity=alert.severity).inc()
        # Ingest to the alert being handed to the producer (flushed before the offset commits).
        latency = (utc_now() - alert.ingested_at).total_seconds()
        m.end_to_end_latency.labels(category=alert.category).observe(max(latency, 0.0))
    return alerts


def register(ctx: WorkerContext) -> None:
    ctx.add_agent("raise-alerts", ctx.tagged, handle_tagged)
