"""Kafka plumbing shared by the benchmark sections: the broker, topics, publishing, reading.

Nothing here is measured itself; it loads input, waits for outputs and reads records back with
their broker timestamps (the producer's CreateTime: set when the relay or worker sent the record,
on the same machine clock as the publisher's ``ingested_at``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from stream.broker.jars import jar_dir
from stream.broker.local import BrokerConfig, LocalBroker, free_port
from stream.config import load_settings
from stream.models import ParagraphEvent, utc_now

REPO = Path(__file__).resolve().parents[1]
PARTITIONS = 4


def default_cache_dir() -> Path:
    """Where the broker's jars are: STREAM_KAFKA_CACHE_DIR, else ``<repo>/.cache/kafka``
    (``make kafka`` fetches them there from a fresh clone)."""
    path = Path(load_settings().kafka_cache_dir)
    return path if path.is_absolute() else REPO / path


def kafka_version(cache_dir: Path) -> str:
    jars = sorted(jar_dir(cache_dir).glob("kafka_2.13-*.jar"))
    return jars[0].name.removeprefix("kafka_2.13-").removesuffix(".jar") if jars else "unknown"


def start_broker(state: Path, cache_dir: Path) -> LocalBroker:
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    return LocalBroker(BrokerConfig(state_dir=state / "broker", cache_dir=cache_dir, port=free_port(),
                                    partitions=PARTITIONS)).start()


async def create_topics(bootstrap: str, names: Iterable[str], partitions: int = PARTITIONS) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [n for n in dict.fromkeys(names) if n not in existing]
        if missing:
            response = await admin.create_topics([NewTopic(n, num_partitions=partitions, replication_factor=1)
                                                  for n in missing])
            for topic, code, *_ in response.topic_errors:
                if code not in (0, TopicAlreadyExistsError.errno):
                    raise RuntimeError(f"cannot create topic {topic}: error {code}")
    finally:
        await admin.close()


async def committed(bootstrap: str, group: str) -> dict[TopicPartition, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15_000)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
        return {tp: meta.offset for tp, meta in offsets.items() if meta is not None and meta.offset >= 0}
    finally:
        await admin.close()


class Offsets:
    """End offsets of topics (record counts, since nothing is ever deleted here)."""

    def __init__(self, bootstrap: str) -> None:
        self.consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)

    async def __aenter__(self) -> "Offsets":
        await self.consumer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.consumer.stop()

    async def ends(self, topic: str) -> dict[TopicPartition, int]:
        parts = self.consumer.partitions_for_topic(topic)
        if not parts:
            await self.consumer._client.force_metadata_update()  # a topic made after start
            parts = self.consumer.partitions_for_topic(topic) or set()
        return await self.consumer.end_offsets([TopicPartition(topic, p) for p in sorted(parts)])

    async def count(self, topic: str) -> int:
        return sum((await self.ends(topic)).values())


async def wait_count(bootstrap: str, topic: str, n: int, timeout: float, alive=lambda: True) -> float:
    """Wait until ``topic`` holds ``n`` records; the wall time it took. Raises on timeout or when
    ``alive()`` turns False (the process that should write them died)."""
    started = time.monotonic()
    async with Offsets(bootstrap) as offsets:
        while (have := await offsets.count(topic)) < n:
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"{topic}: {have} of {n} records after {timeout:.0f} s")
            if not alive():
                raise RuntimeError(f"{topic}: {have} of {n} records and the producing process has exited")
            await asyncio.sleep(0.2)
    return time.monotonic() - started


async def wait_drained(bootstrap: str, group: str, topics: list[str], timeout: float, alive=lambda: True) -> None:
    """Wait until ``group`` has committed every record of ``topics`` (all of it handled)."""
    deadline = time.monotonic() + timeout
    async with Offsets(bootstrap) as offsets:
        while True:
            ends = {tp: off for t in topics for tp, off in (await offsets.ends(t)).items()}
            done = await committed(bootstrap, group)
            behind = sum(end - done.get(tp, 0) for tp, end in ends.items())
            if behind <= 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"group {group}: {behind} records of {topics} not committed after {timeout:.0f} s")
            if not alive():
                raise RuntimeError(f"group {group}: {behind} records not committed and a worker has exited")
            await asyncio.sleep(0.25)


@dataclass(frozen=True)
class Record:
    timestamp_ms: int
    value: bytes


async def read_all(bootstrap: str, topic: str) -> list[Record]:
    """Every record of ``topic`` (reads to the end offsets taken at the start)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest",
                                max_partition_fetch_bytes=8 * 2**20, fetch_max_bytes=32 * 2**20)
    await consumer.start()
    try:
        parts = consumer.partitions_for_topic(topic)
        if not parts:
            await consumer._client.force_metadata_update()
            parts = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        if not tps:
            return []
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        remaining = {tp for tp in tps if ends[tp] > 0}
        records: list[Record] = []
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=1000)
            for tp, rows in batch.items():
                records.extend(Record(r.timestamp, r.value) for r in rows)
                if rows and rows[-1].offset + 1 >= ends[tp]:
                    remaining.discard(tp)
        return records
    finally:
        await consumer.stop()


def producer(bootstrap: str, **kwargs) -> AIOKafkaProducer:
    return AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", **kwargs)


def stamp(event: ParagraphEvent) -> bytes:
    """The event as the ingest stage would send it now (``ingested_at`` = this moment)."""
    return event.model_copy(update={"ingested_at": utc_now()}).to_bytes()


async def preload(bootstrap: str, topic: str, events: list[ParagraphEvent]) -> None:
    """Publish ``events`` as fast as the broker takes them, keyed by article (as ingest does)."""
    prod = producer(bootstrap, linger_ms=20, max_batch_size=256 * 1024)
    await prod.start()
    try:
        futures = [await prod.send(topic, key=e.article_id.encode(), value=stamp(e)) for e in events]
        await asyncio.gather(*futures)
    finally:
        await prod.stop()


def ingested_ms(value: bytes) -> float:
    """``ingested_at`` of a tagged paragraph or an alert, in epoch milliseconds."""
    from datetime import datetime
    return datetime.fromisoformat(json.loads(value)["ingested_at"]).timestamp() * 1000
