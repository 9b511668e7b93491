"""What every agent of the worker shares: settings, metrics, topics and the current tagger."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import faust

from stream.config import Settings
from stream.metrics import Metrics
from stream.tagging.reload import RulesWatcher
from stream.topics import TopicNames
from stream.worker.deadletter import dead_letter
from stream.worker.decode import DecodeError

log = logging.getLogger("stream.worker")


@dataclass
class WorkerContext:
    app: faust.App
    settings: Settings
    metrics: Metrics
    names: TopicNames
    watcher: RulesWatcher
    paragraphs: faust.TopicT
    tagged: faust.TopicT
    dlq: faust.TopicT
    alerts: faust.TopicT
    alerts_by_category: dict[str, faust.TopicT]

    async def send_dead_letter(self, message: faust.types.Message, error: DecodeError) -> None:
        """Publish the raw record with its reason, count it, and let the agent move on."""
        record = dead_letter(
            reason=error.reason,
            error=error.detail,
            value=message.value,
            key=message.key,
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
        )
        await self.dlq.send(key=message.key, value=record.to_bytes())
        self.metrics.dead_letters.labels(reason=error.reason).inc()
        log.warning("dead letter from %s[%d]@%d: %s", message.topic, message.partition, message.offset, error)
