"""Faust wiring of the tagging stage: paragraphs -> tagged paragraphs (or dead letters)."""

from __future__ import annotations

import logging
import time

import faust

from stream.models import ParagraphEvent, TaggedParagraph, Timings
from stream.worker.context import WorkerContext
from stream.worker.decode import DecodeError, decode

log = logging.getLogger("stream.worker")


def tag_event(ctx: WorkerContext, event: ParagraphEvent) -> TaggedParagraph:
    """Tag one decoded paragraph with the tagger in force now (hot reload swaps it between events)."""
    tagger = ctx.watcher.tagger
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


async def handle_paragraph(ctx: WorkerContext, message: faust.types.Message) -> TaggedParagraph | None:
    m = ctx.metrics
    m.paragraphs_consumed.labels(topic=message.topic).inc()
    try:
        with m.stage_duration.labels(stage="tag").time():
            event = decode(
                ParagraphEvent, message.value,
                max_bytes=ctx.settings.max_event_bytes, max_text_chars=ctx.settings.max_paragraph_chars,
            )
            try:
                tagged = tag_event(ctx, event)
            except Exception as exc:  # a tagger bug: keep the paragraph where it can be replayed
                log.exception("tagging event %s failed", event.event_id)
                raise DecodeError("tagger_error", f"{type(exc).__name__}: {exc}") from exc
    except DecodeError as error:
        await ctx.send_dead_letter(message, error)
        return None
    await ctx.publish(ctx.tagged, event.article_id.encode(), tagged.to_bytes())
    m.paragraphs_produced.labels(topic=ctx.names.tagged).inc()
    for tag in tagged.tags:
        m.tags.labels(category=tag.category, stance=tag.stance.value).inc()
    return tagged


def register(ctx: WorkerContext) -> None:
    ctx.add_agent("tag-paragraphs", ctx.paragraphs, handle_paragraph)
