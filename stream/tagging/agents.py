"""Faust wiring of the tagging stage: paragraphs -> tagged paragraphs (or dead letters).

The stage owns its rules: a :class:`RulesWatcher` polled by a timer swaps changed rules in
between two events, and every TaggedParagraph carries the version that tagged it.
"""

from __future__ import annotations

import logging
import time

import faust

from stream.models import ParagraphEvent, TaggedParagraph, Timings
from stream.tagging.reload import RulesWatcher
from stream.worker.context import WorkerContext
from stream.worker.decode import decode

log = logging.getLogger("stream.worker")
FAILURE_REASON = "tagger_error"  # dead-letter reason when the tagger raises on a paragraph


def tag_event(watcher: RulesWatcher, event: ParagraphEvent) -> TaggedParagraph:
    """Tag one decoded paragraph with the tagger in force now (hot reload swaps it between events)."""
    tagger = watcher.tagger
    started = time.perf_counter()
    tags = tagger.tag(event.text)
    elapsed = time.perf_counter() - started
    return TaggedParagraph(
        event_id=event.event_id,
        article_id=event.article_id,
        paragraph_index=event.paragraph_index,
        paragraph_count=event.paragraph_count,
        text=event.text,
        title=event.title,
        source=event.source,
        published_at=event.published_at,
        ingested_at=event.ingested_at,
        tags=tags,
        rules_version=tagger.version,
        timings=Timings(tag_seconds=elapsed),
    )


class TaggingStage:
    """The tagging agent's handler and the rules reload it depends on."""

    def __init__(self, watcher: RulesWatcher) -> None:
        self.watcher = watcher
        self._failures_counted = watcher.failures

    async def handle(self, ctx: WorkerContext, message: faust.types.Message) -> TaggedParagraph:
        m = ctx.metrics
        m.paragraphs_consumed.labels(topic=message.topic).inc()
        with m.stage_duration.labels(stage="tag").time():
            event = decode(
                ParagraphEvent, message.value,
                max_bytes=ctx.settings.max_event_bytes, max_text_chars=ctx.settings.max_paragraph_chars,
            )
            tagged = tag_event(self.watcher, event)  # raising here dead-letters as FAILURE_REASON
        await ctx.publish(ctx.tagged, event.article_id.encode(), tagged.to_bytes())
        m.paragraphs_produced.labels(topic=ctx.names.tagged).inc()
        for tag in tagged.tags:
            m.tags.labels(category=tag.category, stance=tag.stance.value).inc()
        return tagged

    def reload(self, ctx: WorkerContext) -> bool:
        """Swap in changed rules and count the outcome; the watcher logs each one."""
        watcher, m = self.watcher, ctx.metrics
        changed = watcher.poll()
        if changed:
            m.rules_reloads.labels(outcome="success").inc()
            m.rules_info.info({"version": watcher.tagger.version})
        if watcher.failures > self._failures_counted:
            m.rules_reloads.labels(outcome="error").inc(watcher.failures - self._failures_counted)
            self._failures_counted = watcher.failures
        return changed


def register(ctx: WorkerContext, watcher: RulesWatcher) -> TaggingStage:
    stage = TaggingStage(watcher)
    ctx.metrics.rules_info.info({"version": watcher.tagger.version})
    ctx.readiness_info["rules_version"] = lambda: stage.watcher.tagger.version
    ctx.add_agent("tag-paragraphs", ctx.paragraphs, stage.handle, FAILURE_REASON)

    @ctx.app.timer(interval=ctx.settings.rules_poll_seconds, name="reload-rules")
    async def poll_rules() -> None:
        if stage.reload(ctx):  # a new category file: its alert topic and metrics, before its first tag
            await ctx.add_categories(stage.watcher.tagger.categories)

    return stage
