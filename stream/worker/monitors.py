"""Periodic work beside the agents: consumer lag and rebalance counting."""

from __future__ import annotations

import asyncio
import logging

import faust
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from faust.sensors import Sensor

from stream.kafka_auth import client_security
from stream.worker import acks
from stream.worker.context import WorkerContext

log = logging.getLogger("stream.worker")
LAG_INTERVAL_SECONDS = 2.0
HEAD_WATCH_SECONDS = 3.0  # a skipped event is re-read after two checks: 3-6 s
PROBE_TIMEOUT_SECONDS = 3.0  # a broker round trip slower than this counts as failed


class RebalanceSensor(Sensor):
    def __init__(self, ctx: WorkerContext) -> None:
        super().__init__()
        self._ctx = ctx

    def on_rebalance_start(self, app: faust.App) -> dict:
        self._ctx.metrics.rebalances.inc()
        return super().on_rebalance_start(app)


class LagMonitor:
    """Lag = end offset - committed offset of the worker's group, per input topic partition.

    Each successful update is also the worker's proof of a live broker connection (/readyz).
    """

    def __init__(self, ctx: WorkerContext) -> None:
        self.ctx = ctx
        self.topics = [ctx.names.paragraphs, ctx.names.tagged, ctx.names.mentions]
        self._clients: tuple[AIOKafkaAdminClient, AIOKafkaConsumer] | None = None

    async def _connect(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        if self._clients is None:
            servers = self.ctx.settings.bootstrap_servers
            timeout_ms = int(PROBE_TIMEOUT_SECONDS * 1000)
            security = client_security(self.ctx.settings)
            admin = AIOKafkaAdminClient(bootstrap_servers=servers, request_timeout_ms=timeout_ms, **security)
            consumer = AIOKafkaConsumer(bootstrap_servers=servers, enable_auto_commit=False,
                                        request_timeout_ms=timeout_ms, **security)
            try:
                await admin.start()
                await consumer.start()
            except BaseException:  # a timeout arrives as CancelledError: close what was started
                await _close(admin, consumer)
                raise
            self._clients = (admin, consumer)
        return self._clients

    async def update(self) -> None:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_SECONDS * 2):
                admin, consumer = await self._connect()
                committed = await admin.list_consumer_group_offsets(self.ctx.settings.app_id)
                await consumer._client.force_metadata_update()  # noqa: SLF001 - no public refresh in aiokafka
                tps = [TopicPartition(t, p) for t in self.topics
                       for p in sorted(consumer.partitions_for_topic(t) or ())]
                ends = await consumer.end_offsets(tps)
        except Exception:
            self.ctx.broker_contact.failed()
            await self.close()  # reconnect from scratch next time
            raise
        self.ctx.broker_contact.note()
        for tp in tps:
            meta = committed.get(tp)
            position = meta.offset if meta is not None and meta.offset >= 0 else 0
            lag = max(ends.get(tp, 0) - position, 0)
            self.ctx.metrics.consumer_lag.labels(topic=tp.topic, partition=str(tp.partition)).set(lag)

    async def close(self) -> None:
        if self._clients is not None:
            clients, self._clients = self._clients, None
            await _close(*clients)


async def _close(admin: AIOKafkaAdminClient, consumer: AIOKafkaConsumer) -> None:
    for stop in (consumer.stop, admin.close):
        try:
            await stop()
        except Exception as exc:  # closing is best effort
            log.debug("closing a lag client failed: %s", exc)


def register(ctx: WorkerContext) -> None:
    app = ctx.app
    app.sensors.add(RebalanceSensor(ctx))
    ctx.broker_contact.reporter.summary_seconds = ctx.settings.outage_log_seconds
    ctx.broker_contact.reporter.install()
    ctx.metrics.broker_contact_age.set_function(ctx.broker_contact.seconds_without_contact)
    lag = LagMonitor(ctx)

    @app.timer(interval=LAG_INTERVAL_SECONDS, name="consumer-lag")
    async def update_lag() -> None:
        try:
            await lag.update()
        except Exception as exc:  # lag is best effort: never stop the worker for it
            # Filtered like the clients' connection errors: told once, then summarised.
            log.warning("broker round trip failed (consumer lag not updated): %r", exc)

    async def close_lag_clients(app: faust.App, **_: object) -> None:
        await lag.close()

    app.on_before_shutdown.connect(close_lag_clients)

    async def commit_once_more(app: faust.App, **_: object) -> None:
        # Faust's last commit at stop returns without committing when a periodic commit is still
        # in flight; what was processed since would be redelivered. Commit what is acked now.
        try:
            await app.consumer.commit()
        except Exception as exc:  # best effort: at worst the tail is redelivered
            log.warning("final commit failed: %r", exc)

    app.on_before_shutdown.connect(commit_once_more)

    watch: list[acks.HeadWatch] = []

    @app.timer(interval=HEAD_WATCH_SECONDS, name="re-read-skipped")
    async def re_read_skipped() -> None:
        if not watch:
            watch.append(acks.HeadWatch(app.consumer))
        try:
            await watch[0].check()
        except Exception as exc:  # best effort: a restart re-reads it too
            log.warning("re-reading a skipped event failed: %r", exc)
