"""Plain aiokafka clients for the tests: what any third-party consumer or producer would do."""

from __future__ import annotations

import asyncio
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


async def produce(bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for key, value in records:
            await producer.send_and_wait(topic, value=value, key=key)
    finally:
        await producer.stop()


async def consume_until(bootstrap: str, topic: str, done, timeout: float = 60.0) -> list:
    """Read ``topic`` from the beginning until ``done(records)`` is true or the timeout passes."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    records: list = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and not done(records):
            batch = await consumer.getmany(timeout_ms=250)
            for tp_records in batch.values():
                records.extend(tp_records)
            await asyncio.sleep(0)
    finally:
        await consumer.stop()
    return records
