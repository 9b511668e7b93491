"""How long a fetch of the worker's consumer may wait at the broker for data.

aiokafka keeps one fetch request in flight per broker, and a request only names partitions with
nothing left in its buffer. Once the agents have taken what was buffered, the next request can
name only partitions that are empty at the broker, and the broker holds it for up to
``fetch_max_wait_ms``: until it returns, nothing else is fetched from that broker, not even the
partitions the agents have just drained. faust-streaming hard-codes that wait to 1,500 ms, so each
hop of the pipeline (paragraphs -> tagged -> mentions -> alerts) could stall for 1.5 s: seen as
alerts trickling out at ~170/s with the worker mostly idle, and the first alert 8 s after start.
"""

from __future__ import annotations

from typing import Any

from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

_original_create_worker_consumer = AIOKafkaConsumerThread._create_worker_consumer


def install(fetch_wait_ms: int) -> None:
    """Make the worker's consumer wait at most ``fetch_wait_ms`` for data per fetch."""

    def create_worker_consumer(self: AIOKafkaConsumerThread, transport: Any) -> Any:
        consumer = _original_create_worker_consumer(self, transport)
        consumer._fetch_max_wait_ms = fetch_wait_ms  # read by aiokafka when the consumer starts
        return consumer

    AIOKafkaConsumerThread._create_worker_consumer = create_worker_consumer  # type: ignore[method-assign]
