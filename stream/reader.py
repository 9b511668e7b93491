"""Read topics without a consumer group: from the beginning or from now, to the end or forever.

Used by ``stream alerts`` and ``stream demo``; it commits nothing, so any number of readers can
follow the same topics without disturbing the worker's group.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaConnectionError

from stream.errors import BrokerError


class TopicReader:
    def __init__(self, bootstrap: str, topics: list[str], security: Mapping[str, Any] | None = None) -> None:
        self.bootstrap = bootstrap
        self.topics = topics
        self.security = dict(security or {})  # stream.kafka_auth.client_security(settings)
        self._consumer: AIOKafkaConsumer | None = None
        self._end: dict[TopicPartition, int] = {}

    async def __aenter__(self) -> "TopicReader":
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False, group_id=None,
                                    **self.security)
        try:
            await consumer.start()
        except KafkaConnectionError:
            await consumer.stop()
            raise BrokerError.unreachable(self.bootstrap) from None
        self._consumer = consumer
        partitions = []
        for topic in self.topics:
            found = consumer.partitions_for_topic(topic)
            if not found:
                await consumer._client.force_metadata_update()  # noqa: SLF001 - no public refresh
                found = consumer.partitions_for_topic(topic)
            if not found:
                await consumer.stop()
                self._consumer = None
                raise BrokerError(f"topic {topic!r} does not exist on {self.bootstrap}: is the worker running?")
            partitions += [TopicPartition(topic, p) for p in sorted(found)]
        consumer.assign(partitions)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._consumer is not None:
            await self._consumer.stop()

    @property
    def consumer(self) -> AIOKafkaConsumer:
        assert self._consumer is not None, "use 'async with TopicReader(...)'"
        return self._consumer

    async def seek(self, from_beginning: bool = False, since: datetime | None = None) -> None:
        """Position every partition at its start, at the first record at or after ``since``, or
        at its end; remember the current end."""
        tps = list(self.consumer.assignment())
        for tp in tps:
            # Let the initial offset reset that assign() started finish first: landing after
            # our seek, it would move the position (seen as an empty read now and then).
            await self.consumer.position(tp)
        self._end = await self.consumer.end_offsets(tps)
        if since is not None:
            found = await self.consumer.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in tps})
            starts = {tp: found[tp].offset if found.get(tp) is not None else self._end[tp] for tp in tps}
        elif from_beginning:
            starts = await self.consumer.beginning_offsets(tps)
        else:
            starts = self._end
        for tp in tps:
            self.consumer.seek(tp, starts[tp])

    async def _at_end(self) -> bool:
        for tp, end in self._end.items():
            if await self.consumer.position(tp) < end:
                return False
        return True

    async def records(
        self, *, follow: bool, poll_ms: int = 200, idle_ticks: bool = False
    ) -> AsyncIterator[ConsumerRecord | None]:
        """Yield records in arrival order; without ``follow`` stop at the end seen by ``seek``.

        With ``idle_ticks``, an empty poll yields ``None``, so a caller can check deadlines.
        """
        while True:
            if not follow and await self._at_end():
                return
            batches = await self.consumer.getmany(timeout_ms=poll_ms)
            for tp in sorted(batches, key=lambda t: (t.topic, t.partition)):
                for record in batches[tp]:
                    yield record
            if not batches:
                if idle_ticks:
                    yield None
                await asyncio.sleep(0)
