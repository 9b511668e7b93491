"""What every agent of the worker shares: settings, metrics, topics and the current tagger."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import faust
from faust.exceptions import ProducerSendError

from stream.config import Settings
from stream.metrics import Metrics
from stream.tagging.reload import RulesWatcher
from stream.topics import TopicNames
from stream.worker.deadletter import dead_letter
from stream.worker.decode import DecodeError

log = logging.getLogger("stream.worker")
MAX_BACKOFF_SECONDS = 5.0


@dataclass
class BrokerContact:
    """When a monitor last completed a round trip to the broker (None: not yet)."""

    last: float | None = None

    def note(self) -> None:
        self.last = time.monotonic()

    def age(self) -> float | None:
        return None if self.last is None else time.monotonic() - self.last


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
    broker_contact: BrokerContact = field(default_factory=BrokerContact)

    def add_agent(
        self, name: str, topic: faust.TopicT, handle: Callable[["WorkerContext", faust.types.Message], Awaitable[object]]
    ) -> None:
        """Run ``handle(ctx, message)`` for every raw record of ``topic``, in order, as agent ``name``.

        The stream's events are acknowledged only after ``handle`` returns.
        """

        async def agent(stream: faust.StreamT) -> None:
            async for event in stream.events():
                await handle(self, event.message)

        self.app.agent(topic, name=name)(agent)

    async def publish(self, topic: faust.TopicT, key: bytes | None, value: bytes) -> None:
        """Send, retrying transient broker errors until they pass.

        The event being handled is acknowledged only after this returns, so blocking here (and
        letting lag grow, which the alert rules watch) is what keeps processing at-least-once.
        A non-retriable error (such as a record too large) is raised: that is a bug to fix.
        """
        backoff = 0.1
        while True:
            try:
                await topic.send(key=key, value=value)
                return
            except ProducerSendError as exc:
                if not getattr(exc.__cause__, "retriable", False):
                    raise
                log.warning("send to %s failed, retrying in %.1f s: %s", topic.get_topic_name(), backoff, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

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
        await self.publish(self.dlq, message.key, record.to_bytes())
        self.metrics.dead_letters.labels(reason=error.reason).inc()
        log.warning("dead letter from %s[%d]@%d: %s", message.topic, message.partition, message.offset, error)
