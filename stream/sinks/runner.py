"""One sink's own Kafka consumer: alert topic -> receiver, commit after each alert is settled.

Each sink is a separate consumer group (``<app_id>-sink-<name>``), so a slow or dead receiver
only grows that group's lag: the tagging and alerting agents never wait for it. An alert is
*settled* when it is delivered or, after a final failure, dead-lettered to the sink DLQ; only
then is its offset committed (at-least-once: the receiver dedups on ``alert_id``).

While a receiver or the broker is down, each kind of log line is written at most once per
``LOG_INTERVAL_SECONDS`` (with a count of those held back), so an outage cannot flood the log.
"""

from __future__ import annotations

import asyncio
import logging
import time

import aiohttp
import faust
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.structs import OffsetAndMetadata
from mode import Service

from stream.kafka_auth import client_security
from stream.models import Alert
from stream.sinks.http import Sink, post
from stream.sinks.retry import MAX_BACKOFF_SECONDS, RETRIES_EXHAUSTED, SINK_ERROR, Answer, backoff_delay, deliver
from stream.worker.context import WorkerContext
from stream.worker.deadletter import dead_letter
from stream.worker.decode import DecodeError, decode

log = logging.getLogger("stream.sinks")
LOG_INTERVAL_SECONDS = 60.0
POLL_TIMEOUT_MS = 1000
RECONNECT_BACKOFF_SECONDS = 1.0  # doubles per failure in a row, capped at 30 s


class LogLimiter:
    """Allows one line per key per ``interval`` seconds and counts the ones it held back."""

    def __init__(self, interval: float = LOG_INTERVAL_SECONDS, clock=time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def allow(self, key: str) -> int | None:
        """None if the line must be dropped, else how many were held back since the last one."""
        now = self.clock()
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            self._held[key] = self._held.get(key, 0) + 1
            return None
        self._last[key] = now
        return self._held.pop(key, 0)


def group_id(app_id: str, sink_name: str) -> str:
    return f"{app_id}-sink-{sink_name}"


def max_poll_interval_ms(max_attempts: int, timeout: float) -> int:
    """Longer than the slowest possible delivery of one alert, so retrying never costs the group."""
    worst = max_attempts * (timeout + MAX_BACKOFF_SECONDS)
    return int(max(300.0, worst + 60.0) * 1000)


class SinkRunner(Service):
    """Consumes the alert topic for one sink; started and stopped with the Faust app."""

    def __init__(self, ctx: WorkerContext, sink: Sink, dlq: faust.TopicT, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.ctx = ctx
        self.sink = sink
        self.dlq = dlq
        self.limiter = LogLimiter()
        self._failing = 0  # failed attempts in a row, for the "receiver is back" line
        self._session: aiohttp.ClientSession | None = None

    @property
    def label(self) -> str:
        return f"{self.sink.name} sink"

    def _warn(self, key: str, message: str, *args: object) -> None:
        held = self.limiter.allow(key)
        if held is not None:
            suffix = f" ({held} similar lines held back)" if held else ""
            log.warning(f"%s: {message}%s", self.label, *args, suffix)

    @Service.task
    async def _run(self) -> None:
        try:
            await self._run_consumers()
        finally:  # here, not in on_stop: a request in flight must not meet a closed session
            if self._session is not None:
                await self._session.close()

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()  # in the running loop, on first use
        return self._session

    async def _run_consumers(self) -> None:
        s = self.ctx.settings
        failures = 0
        while not self.should_stop:
            consumer = AIOKafkaConsumer(
                s.topic_alerts, bootstrap_servers=s.bootstrap_servers, group_id=group_id(s.app_id, self.sink.name),
                auto_offset_reset="earliest", enable_auto_commit=False,
                max_poll_interval_ms=max_poll_interval_ms(s.sink_max_attempts, s.sink_timeout_seconds),
                session_timeout_ms=int(s.consumer_session_timeout_seconds * 1000),
                heartbeat_interval_ms=int(s.consumer_heartbeat_seconds * 1000),
                **client_security(s),
            )
            try:
                await consumer.start()
                failures = 0
                await self._consume(consumer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a broker hiccup: reconnect, never die
                failures += 1
                self._warn("broker", "Kafka consumer failed (%s: %s); reconnecting", type(exc).__name__, exc)
                await self.sleep(backoff_delay(failures, RECONNECT_BACKOFF_SECONDS))
            finally:
                try:
                    await consumer.stop()
                except Exception as exc:  # noqa: BLE001 - closing is best effort
                    log.debug("%s: closing the consumer failed: %s", self.label, exc)

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        while not self.should_stop:
            batch = await consumer.getmany(timeout_ms=POLL_TIMEOUT_MS, max_records=1)
            for tp, records in batch.items():
                for record in records:
                    await self.settle(record)
                    await self._commit(consumer, tp, record.offset + 1)

    async def _commit(self, consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int) -> None:
        try:
            await consumer.commit({tp: OffsetAndMetadata(offset, "")})
        except Exception as exc:  # noqa: BLE001 - e.g. a rebalance: the alert comes again, receivers dedup
            self._warn("commit", "commit of %s[%d]@%d failed: %s", tp.topic, tp.partition, offset, exc)

    async def settle(self, record: ConsumerRecord) -> bool:
        """Deliver one alert record or dead-letter it; True when delivered. Never raises (but cancels)."""
        s = self.ctx.settings
        try:
            alert = decode(Alert, record.value, max_bytes=2 * s.max_event_bytes)
        except DecodeError as exc:
            await self._dead_letter(record, exc.reason, exc.detail)
            return False
        try:
            request = self.sink.request_for(alert)
        except Exception as exc:  # noqa: BLE001 - an alert nobody foresaw must not stop the sink
            await self._dead_letter(record, SINK_ERROR, f"{type(exc).__name__}: {exc}")
            return False
        metrics = self.ctx.metrics

        async def attempt() -> Answer:
            with metrics.sink_delivery_duration.labels(sink=self.sink.name).time():
                return await post(self._client(), request, s.sink_timeout_seconds)

        def on_retry(number: int, problem: str, delay: float) -> None:
            self._failing += 1
            metrics.sink_deliveries.labels(sink=self.sink.name, outcome="retried").inc()
            self._warn("retry", "%s (alert %s, attempt %d/%d); retrying in %.1f s",
                       problem, alert.alert_id, number, s.sink_max_attempts, delay)

        outcome = await deliver(attempt, max_attempts=s.sink_max_attempts, base_backoff=s.sink_backoff_seconds,
                                sleep=self.sleep_or_cancel, on_retry=on_retry)
        if outcome.delivered:
            metrics.sink_deliveries.labels(sink=self.sink.name, outcome="delivered").inc()
            if self._failing:
                log.info("%s: receiver is back after %d failed attempts", self.label, self._failing)
                self._failing = 0
            return True
        if outcome.reason == RETRIES_EXHAUSTED:
            self._failing += 1  # (a refusal such as HTTP 400 says the receiver is up)
        await self._dead_letter(record, outcome.reason or SINK_ERROR, outcome.error, alert.alert_id)
        return False

    async def sleep_or_cancel(self, seconds: float) -> None:
        await self.sleep(seconds)
        if self.should_stop:  # mode's sleep returns early on stop: do not deliver after that
            raise asyncio.CancelledError

    async def _dead_letter(self, record: ConsumerRecord, reason: str, error: str, alert_id: str | None = None) -> None:
        self.ctx.metrics.sink_deliveries.labels(sink=self.sink.name, outcome="failed").inc()
        letter = dead_letter(reason=reason, error=f"{self.sink.name}: {error}", value=record.value, key=record.key,
                             topic=record.topic, partition=record.partition, offset=record.offset)
        await self.ctx.publish(self.dlq, record.key, letter.to_bytes())
        where = alert_id or f"at {record.topic}[{record.partition}]@{record.offset}"
        self._warn("failed", "alert %s dead-lettered to %s: %s (%s)", where, self.ctx.names.sink_dlq, reason, error)
