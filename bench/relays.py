"""The two baselines the worker is measured against, over the same pre-loaded input topic.

- raw relay: an aiokafka consumer (fresh group) and producer (acks=all, as the worker's) in one
  loop: ``getmany`` then ``send`` each record unchanged, no per-record await; the ceiling of
  consume + produce in Python on this broker.
- Faust relay: ``bench.faust_relay`` in its own process (a default faust-streaming app whose agent
  sends each value on unchanged).

Each gets a fresh output topic and consumer group. Rate = records on the output topic over the
span of their timestamps (first output record to last), as for the worker.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaConsumer

from bench.kafka_io import Offsets, create_topics, producer, read_all, wait_count
from stream.broker.local import free_port
from stream.procs import ManagedProcess


@dataclass
class RelayResult:
    name: str
    delivered: int
    span_s: float

    @property
    def per_s(self) -> float:
        return rate(self.delivered, self.span_s)


def rate(count: int, span_s: float) -> float:
    """Records per second over a span (0 for an empty span)."""
    return count / span_s if span_s > 0 else 0.0


def span_of(timestamps_ms: list[int]) -> float:
    return (max(timestamps_ms) - min(timestamps_ms)) / 1000 if timestamps_ms else 0.0


async def raw_relay(bootstrap: str, source: str, dest: str, n: int, group: str, timeout: float) -> RelayResult:
    await create_topics(bootstrap, [dest])
    consumer = AIOKafkaConsumer(source, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest")
    prod = producer(bootstrap)
    await consumer.start()
    await prod.start()
    relayed, deadline = 0, time.monotonic() + timeout
    try:
        while relayed < n and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for r in records:
                    await prod.send(dest, key=r.key, value=r.value)  # queued; not awaited per record
                    relayed += 1
        await prod.flush()
    finally:
        await prod.stop()
        await consumer.stop()
    records = await read_all(bootstrap, dest)
    return RelayResult("raw aiokafka relay", len(records), span_of([r.timestamp_ms for r in records]))


async def faust_relay(bootstrap: str, source: str, dest: str, n: int, app_id: str, state: Path,
                      timeout: float) -> RelayResult:
    await create_topics(bootstrap, [dest])
    datadir = state / app_id
    datadir.mkdir(parents=True, exist_ok=True)
    child = ManagedProcess(state / f"{app_id}.log")
    child.spawn([sys.executable, "-m", "bench.faust_relay", bootstrap, app_id, source, dest, str(free_port()),
                 str(datadir)])
    try:
        await wait_count(bootstrap, dest, n, timeout, alive=child.running)
    except BaseException as exc:
        raise RuntimeError(f"the Faust relay failed: {exc}; log: {child.log_tail()}") from exc
    finally:
        await asyncio.to_thread(child.stop, 20.0)
    records = await read_all(bootstrap, dest)
    return RelayResult("default Faust relay", len(records), span_of([r.timestamp_ms for r in records]))


async def count(bootstrap: str, topic: str) -> int:
    async with Offsets(bootstrap) as offsets:
        return await offsets.count(topic)
