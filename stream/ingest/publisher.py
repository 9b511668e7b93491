"""Publish articles as paragraph events, keyed by article id (one article stays in order)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, KafkaError

from stream.errors import BrokerError
from stream.ingest.splitter import Article, article_events
from stream.models import utc_now


MAX_IN_FLIGHT = 1000  # delivery futures awaited in batches, so --loop holds bounded memory


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
    security: Mapping[str, Any] | None = None,
) -> ReplaySummary:
    """Send every paragraph of every article and wait until the broker acknowledged each one;
    ``rate`` limits paragraphs per second. ``ingested_at`` is stamped as each event is sent."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5,
                                **(security or {}))
    try:
        await producer.start()
    except KafkaConnectionError:
        await producer.stop()
        raise BrokerError.unreachable(bootstrap) from None
    summary, started = ReplaySummary(), time.monotonic()
    deliveries: list[asyncio.Future] = []
    try:
        for article in articles:
            summary.articles += 1
            for event in article_events(article):
                payload = event.model_copy(update={"ingested_at": utc_now()}).to_bytes()
                deliveries.append(await producer.send(topic, value=payload, key=event.article_id.encode()))
                summary.paragraphs += 1
                summary.bytes += len(payload)
                if on_paragraph:
                    on_paragraph(len(payload))
                if len(deliveries) >= MAX_IN_FLIGHT:
                    await asyncio.gather(*deliveries)
                    deliveries.clear()
                if rate:
                    delay = started + summary.paragraphs / rate - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
        await asyncio.gather(*deliveries)
    except KafkaError as exc:
        raise BrokerError(f"publishing to {topic!r} on {bootstrap} failed: {exc}") from None
    finally:
        await producer.stop()
    summary.seconds = time.monotonic() - started
    return summary
