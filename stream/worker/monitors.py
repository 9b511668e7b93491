"""Periodic work beside the agents: rules hot reload, consumer lag, rebalance counting."""

from __future__ import annotations

import logging

import faust
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from faust.sensors import Sensor

from stream.worker.context import WorkerContext

log = logging.getLogger("stream.worker")
LAG_INTERVAL_SECONDS = 5.0


class RebalanceSensor(Sensor):
    def __init__(self, ctx: WorkerContext) -> None:
        super().__init__()
        self._ctx = ctx

    def on_rebalance_start(self, app: faust.App) -> dict:
        self._ctx.metrics.rebalances.inc()
        return super().on_rebalance_start(app)


class RulesReloader:
    """Swap in changed rules between events; invalid rules keep the old tagger running."""

    def __init__(self, ctx: WorkerContext) -> None:
        self.ctx = ctx
        self._reported_error: str | None = None

    def poll(self) -> bool:
        watcher, m = self.ctx.watcher, self.ctx.metrics
        before = watcher.tagger.version
        changed = watcher.poll()
        if changed:
            m.rules_reloads.labels(outcome="success").inc()
            m.rules_info.info({"version": watcher.tagger.version})
            log.info("tagging rules reloaded: %s -> %s", before, watcher.tagger.version)
        elif watcher.last_error and watcher.last_error != self._reported_error:
            m.rules_reloads.labels(outcome="error").inc()
            log.error("tagging rules not reloaded, keeping %s: %s", before, watcher.last_error)
        self._reported_error = watcher.last_error
        return changed


class LagMonitor:
    """Lag = end offset - committed offset of the worker's group, per input topic partition."""

    def __init__(self, ctx: WorkerContext) -> None:
        self.ctx = ctx
        self.topics = [ctx.names.paragraphs, ctx.names.tagged]
        self._admin: AIOKafkaAdminClient | None = None
        self._consumer: AIOKafkaConsumer | None = None

    async def _clients(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        if self._admin is None or self._consumer is None:
            servers = self.ctx.settings.bootstrap_servers
            self._admin = AIOKafkaAdminClient(bootstrap_servers=servers)
            self._consumer = AIOKafkaConsumer(bootstrap_servers=servers, enable_auto_commit=False)
            await self._admin.start()
            await self._consumer.start()
        return self._admin, self._consumer

    async def update(self) -> None:
        admin, consumer = await self._clients()
        committed = await admin.list_consumer_group_offsets(self.ctx.settings.app_id)
        tps = [
            TopicPartition(topic, p)
            for topic in self.topics
            for p in sorted(consumer.partitions_for_topic(topic) or await self._partitions(consumer, topic))
        ]
        ends = await consumer.end_offsets(tps)
        for tp in tps:
            meta = committed.get(tp)
            position = meta.offset if meta is not None and meta.offset >= 0 else 0
            lag = max(ends.get(tp, 0) - position, 0)
            self.ctx.metrics.consumer_lag.labels(topic=tp.topic, partition=str(tp.partition)).set(lag)

    async def _partitions(self, consumer: AIOKafkaConsumer, topic: str) -> set[int]:
        await consumer._client.force_metadata_update()  # noqa: SLF001 - no public refresh in aiokafka
        return consumer.partitions_for_topic(topic) or set()


def register(ctx: WorkerContext) -> None:
    app = ctx.app
    app.sensors.add(RebalanceSensor(ctx))
    lag = LagMonitor(ctx)
    reloader = RulesReloader(ctx)

    @app.timer(interval=ctx.settings.rules_poll_seconds, name="reload-rules")
    async def poll_rules() -> None:
        reloader.poll()

    @app.timer(interval=LAG_INTERVAL_SECONDS, name="consumer-lag")
    async def update_lag() -> None:
        try:
            await lag.update()
        except Exception as exc:  # lag is best effort: never stop the worker for it
            log.warning("consumer lag update failed: %s", exc)
