"""What every agent of the worker shares: settings, metrics, topics, sending and dead letters.

Stage packages (tagging, alerting, sinks, live) build on this; it imports none of them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import faust
from faust.exceptions import ProducerSendError

from stream.config import Settings
from stream.metrics import Metrics, prime_category
from stream.worker import acks, positions
from stream.topics import TopicNames, ensure_topics
from stream.worker.deadletter import RejectedRecord, StageFailure, dead_letter
from stream.worker.outage import OutageReporter

log = logging.getLogger("stream.worker")
Handler = Callable[["WorkerContext", "faust.types.Message"], Awaitable[object]]
MAX_BACKOFF_SECONDS = 5.0


@dataclass
class BrokerContact:
    """When a monitor last completed a round trip to the broker, and whether the latest failed."""

    started: float = field(default_factory=time.monotonic)
    last: float | None = None  # None: no round trip yet
    down_since: float | None = None  # the first failed round trip of the current outage
    reporter: OutageReporter = field(default_factory=OutageReporter)

    def note(self) -> None:
        self.last, self.down_since = time.monotonic(), None
        self.reporter.reachable()

    def failed(self) -> None:
        if self.down_since is None:
            self.down_since = time.monotonic()

    @property
    def reachable(self) -> bool:
        return self.down_since is None

    def age(self) -> float | None:
        return None if self.last is None else time.monotonic() - self.last

    def seconds_without_contact(self) -> float:
        """Since the last round trip (or since start, before the first): a metric's value."""
        return time.monotonic() - (self.last if self.last is not None else self.started)


@dataclass
class WorkerContext:
    app: faust.App
    settings: Settings
    metrics: Metrics
    names: TopicNames
    paragraphs: faust.TopicT
    tagged: faust.TopicT
    mentions: faust.TopicT
    dlq: faust.TopicT
    alerts: faust.TopicT
    alerts_by_category: dict[str, faust.TopicT]
    make_topic: Callable[[str], faust.TopicT] | None = None  # a raw-bytes topic object by name
    broker_contact: BrokerContact = field(default_factory=BrokerContact)
    # Extra fields of the /readyz body, filled by stages (e.g. the rules version in force).
    readiness_info: dict[str, Callable[[], str]] = field(default_factory=dict)

    def add_agent(self, name: str, topic: faust.TopicT, handle: Handler, failure_reason: str) -> None:
        """Run ``handle(ctx, message)`` for every raw record of ``topic``, in order, as agent ``name``.

        The stream's events are acknowledged only after ``handle`` returns. A record the handler
        cannot process is dead-lettered (see :meth:`process`) and the agent goes on.
        """

        async def agent(stream: faust.StreamT) -> None:
            async for event in stream.events():
                await self.process(event.message, handle, failure_reason)
                acks.mark_processed(event)  # Faust acks it as the loop moves on; never before

        acks.manage(topic.get_topic_name())  # acks.install() is done once, by the app
        self.app.agent(topic, name=name)(agent)

    async def process(self, message: faust.types.Message, handle: Handler, failure_reason: str) -> object:
        """``handle`` one record; on failure dead-letter it, never stop the stream.

        A :class:`RejectedRecord` (e.g. a decode error) carries its own reason; any other
        exception of the stage's logic is dead-lettered as a :class:`StageFailure` with
        ``failure_reason``.
        """
        try:
            return await handle(self, message)
        except RejectedRecord as rejected:
            await self.send_dead_letter(message, rejected)
        except Exception as exc:  # noqa: BLE001 - one bad record must not stop the agent
            log.exception("%s on %s[%d]@%d", failure_reason, message.topic, message.partition, message.offset)
            await self.send_dead_letter(message, StageFailure(failure_reason, f"{type(exc).__name__}: {exc}"))
        return None

    def alert_topic(self, category: str) -> faust.TopicT:
        """The category's alert topic (``alerts-<category>``), made on first use."""
        topic = self.alerts_by_category.get(category)
        if topic is None:
            assert self.make_topic is not None, "a WorkerContext without make_topic knows only its categories"
            topic = self.alerts_by_category[category] = self.make_topic(self.settings.alert_topic_for(category))
        return topic

    async def add_categories(self, categories: Iterable[str]) -> list[str]:
        """Make ready what new categories need: their alert topics on the broker and zeroed
        metrics. Returns the categories that were new (a rules reload can bring one)."""
        new = [c for c in categories if c not in self.alerts_by_category]
        if not new:
            return []
        await ensure_topics(self.settings, TopicNames.from_settings(self.settings, new))
        for category in new:
            self.alert_topic(category)
            prime_category(self.metrics, category)
            log.warning("new category %r: alerts also go to %r", category, self.settings.alert_topic_for(category))
        return new

    async def publish(self, topic: faust.TopicT, key: bytes | None, value: bytes) -> None:
        """Send, retrying transient broker errors until they pass.

        The event being handled is acknowledged only after this returns, so blocking here (and
        letting lag grow, which the alert rules watch) is what keeps processing at-least-once.
        A non-retriable error (such as a record too large) is raised: that is a bug to fix.
        """
        backoff = 0.1
        name = topic.get_topic_name()
        while True:
            try:
                # Straight to the producer: Topic.send's per-record bookkeeping (a FutureMessage,
                # send sensors) cost more than the send itself. Every commit flushes the producer
                # first, so what was sent for an event is on the broker before its offset commits.
                delivery = await self.app.producer.send(name, key, value, partition=None, timestamp=None,
                                                        headers=None)
                if isinstance(delivery, asyncio.Future):
                    delivery.add_done_callback(self._check_delivery)
                return
            except ProducerSendError as exc:
                if not getattr(exc.__cause__, "retriable", False):
                    raise
                log.warning("send to %s failed, retrying in %.1f s: %s", name, backoff, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    def _check_delivery(self, delivery: asyncio.Future) -> None:
        """A send the producer finally gave up on (after its own retries): what it was for must not
        be committed, so hold the commits and stop the worker; a restart redelivers it."""
        if delivery.cancelled():  # the producer torn down at a stop, after its final flush
            return
        failure = delivery.exception()
        if failure is None:
            return
        positions.hold_commits(failure)
        asyncio.ensure_future(self.app.crash(failure))

    async def send_dead_letter(self, message: faust.types.Message, error: RejectedRecord) -> None:
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
        # Info, and the detail escaped and cut: bad input must not flood or corrupt the log (the
        # dead-letter topic and stream_dead_letters_total carry every one).
        log.info("dead letter from %s[%d]@%d: %s: %.200r", message.topic, message.partition, message.offset,
                 error.reason, error.detail)
