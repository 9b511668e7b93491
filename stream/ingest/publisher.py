"""Publish articles as paragraph events, keyed by article id (one article stays in order)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError

from stream.errors import BrokerError
from stream.ingest.splitter import Article, article_events


@dataclass
class ReplaySummary:
    articles: int = 0
    paragraphs: int = 0
    bytes: int = 0
    seconds: float = 0.0


async def publish_articles(
    articles: Iterable[Article],
    *,
    bootstrap: str,
    topic: str,
    rate: float | None = None,
    on_paragraph: Callable[[int], None] | None = None,
) -> ReplaySummary:
    """Send every paragraph of every article; ``rate`` limits paragraphs per second."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    try:
        await producer.start()
    except KafkaConnectionError:
        await producer.stop()
        raise BrokerError.unreachable(bootstrap) from None
    summary, started = ReplaySummary(), time.monotonic()
    try:
        for article in articles:
            summary.articles += 1
            for event in article_events(article):
                payload = event.to_bytes()
                await producer.send(topic, value=payload, key=event.article_id.encode())
                summary.paragraphs += 1
                summary.bytes += len(payload)
                if on_paragraph:
                    on_paragraph(len(payload))
                if rate:
                    delay = started + summary.paragraphs / rate - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
        await producer.flush()
    finally:
        await producer.stop()
    summary.seconds = time.monotonic() - started
    return summary
