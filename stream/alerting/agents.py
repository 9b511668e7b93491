"""Faust wiring of the alerting stage, two agents and a timer.

``route-stories``: tagged paragraphs -> one StoryMention per tag on the mention topic, keyed by
story key (the repartition: one story's mentions meet on one partition, in order).
``raise-alerts``: mentions -> the story table -> alerts on ``alerts`` and ``alerts-<category>``.
``expire-stories``: deletes stories untouched for the retention time (bounded state).
"""

from __future__ import annotations

import logging
from datetime import datetime

import faust

from stream.alerting.policy import decide
from stream.alerting.store import StoryStore
from stream.alerting.stories import Thresholds, mentions_of
from stream.models import Alert, StoryMention, TaggedParagraph, utc_now
from stream.worker.context import WorkerContext
from stream.worker.decode import decode

log = logging.getLogger("stream.worker")
ROUTING_FAILURE = "routing_error"
POLICY_FAILURE = "policy_error"
FAILURE_REASONS = (ROUTING_FAILURE, POLICY_FAILURE)
STORY_TABLE = "stories"
EXPIRY_INTERVAL_SECONDS = 30.0


async def route_tagged(ctx: WorkerContext, message: faust.types.Message) -> list[StoryMention]:
    with ctx.metrics.stage_duration.labels(stage="route").time():
        # Tagged records carry the paragraph text plus tags: allow them twice the input limit.
        paragraph = decode(TaggedParagraph, message.value, max_bytes=2 * ctx.settings.max_event_bytes)
        mentions = mentions_of(paragraph)
    for mention in mentions:
        await ctx.publish(ctx.mentions, mention.story_key.encode(), mention.to_bytes())
    return mentions


class StoryStage:
    """The ``raise-alerts`` handler: one mention against its story's state."""

    def __init__(self, store: StoryStore, thresholds: Thresholds, clock=utc_now) -> None:
        self.store = store
        self.thresholds = thresholds
        self.clock = clock

    async def handle(self, ctx: WorkerContext, message: faust.types.Message) -> Alert | None:
        m = ctx.metrics
        with m.stage_duration.labels(stage="alert").time():
            mention = decode(StoryMention, message.value, max_bytes=2 * ctx.settings.max_event_bytes)
            category = mention.tag.category
            decision = decide(self.store.get(mention.story_key), mention, self.thresholds, self.clock(),
                              partition=message.partition, owned=True)  # a fresh parse: no copy needed
        alert = decision.alert
        if alert is not None:
            # Published before the state is stored: a crash in between repeats this alert id
            # on redelivery (at-least-once) instead of losing the alert.
            await publish_alert(ctx, alert)
        if decision.changed:
            self.store.put(decision.state)
        if decision.suppressed:
            m.alerts_suppressed.labels(category=category, reason=decision.suppressed).inc()
        m.story_mentions.labels(category=category).inc()  # last: counted once fully handled
        return alert

    def expire(self, now: datetime, partitions: set[int] | None) -> int:
        return self.store.expire(now, self.thresholds.retention_seconds, partitions)


async def publish_alert(ctx: WorkerContext, alert: Alert) -> None:
    m = ctx.metrics
    payload, key = alert.to_bytes(), (alert.story_key or alert.article_id).encode()
    await ctx.publish(ctx.alerts, key, payload)
    await ctx.publish(ctx.alert_topic(alert.category), key, payload)
    m.alerts.labels(category=alert.category, severity=alert.severity).inc()
    if alert.escalation:
        m.alerts_escalated.labels(category=alert.category, reason=alert.escalation).inc()
    latency = (utc_now() - alert.ingested_at).total_seconds()
    m.end_to_end_latency.labels(category=alert.category).observe(max(latency, 0.0))


def _active_partitions(ctx: WorkerContext) -> set[int]:
    return {tp.partition for tp in ctx.app.consumer.assignment() if tp.topic == ctx.names.mentions}


def register(ctx: WorkerContext) -> StoryStage:
    settings = ctx.settings
    table = ctx.app.Table(
        STORY_TABLE, default=None, partitions=settings.topic_partitions, key_type=bytes, value_type=bytes,
        use_partitioner=True, help="Story state: windowed counts, seen event ids, alerts raised.",
    )
    stage = StoryStage(StoryStore(table), Thresholds.from_settings(settings))
    ctx.add_agent("route-stories", ctx.tagged, route_tagged, ROUTING_FAILURE)
    ctx.add_agent("raise-alerts", ctx.mentions, stage.handle, POLICY_FAILURE)

    @ctx.app.timer(interval=EXPIRY_INTERVAL_SECONDS, name="expire-stories")
    async def expire_stories() -> None:
        partitions = _active_partitions(ctx)
        expired = stage.expire(utc_now(), partitions)
        if expired:
            log.info("expired %d stories", expired)
        ctx.metrics.stories_active.set(stage.store.active)

    return stage
