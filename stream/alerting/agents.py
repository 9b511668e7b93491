"""Faust wiring of the alerting stage: tagged paragraphs -> alerts on the alert topics."""

from __future__ import annotations

import faust

from stream.alerting.policy import build_alerts
from stream.models import Alert, TaggedParagraph, utc_now
from stream.worker.context import WorkerContext
from stream.worker.decode import DecodeError, decode


async def handle_tagged(ctx: WorkerContext, message: faust.types.Message) -> list[Alert]:
    m = ctx.metrics
    with m.stage_duration.labels(stage="alert").time():
        try:
            # Tagged records carry the paragraph text plus tags: allow them twice the input limit.
            paragraph = decode(TaggedParagraph, message.value, max_bytes=2 * ctx.settings.max_event_bytes)
        except DecodeError as error:
            await ctx.send_dead_letter(message, error)
            return []
        alerts = build_alerts(paragraph)
    for alert in alerts:
        payload, key = alert.to_bytes(), alert.article_id.encode()
        await ctx.alerts.send(key=key, value=payload)
        await ctx.alerts_by_category[alert.category].send(key=key, value=payload)
        m.alerts.labels(category=alert.category, severity=alert.severity).inc()
        latency = (utc_now() - alert.ingested_at).total_seconds()
        m.end_to_end_latency.labels(category=alert.category).observe(max(latency, 0.0))
    return alerts


def register(ctx: WorkerContext) -> None:
    async def raise_alerts(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await handle_tagged(ctx, event.message)

    ctx.app.agent(ctx.tagged, name="raise-alerts")(raise_alerts)
