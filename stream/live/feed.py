"""One client's reader of the alert topic: no consumer group, catch-up first, then live alerts.

Every client gets its own group-less reader (:class:`stream.reader.TopicReader`), so each sees
every alert whichever worker raised it, and a client leaving disturbs nobody.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from stream.live.catchup import (
    BackwardScan,
    Entry,
    Position,
    SeenIds,
    UnknownEventId,
    backlog_answer,
    ids_up_to,
    resume_answer,
)
from stream.live.filters import StreamRequest
from stream.models import Alert
from stream.reader import TopicReader
from stream.worker.decode import DecodeError, decode

log = logging.getLogger("stream.live")
SCAN_CHUNK = 500  # records per partition per backward read
SCAN_LIMIT = 20_000  # records one connection may read to find its backlog or resume point
STALLED_POLLS = 20  # empty polls (of 0.5 s) after which a backward read gives up on a range


class BadRecords:
    """Logs each unreadable record once per worker, however many clients read it."""

    def __init__(self, remember: int = 10_000) -> None:
        self._logged = SeenIds(remember)

    def note(self, record: ConsumerRecord, error: DecodeError) -> None:
        if self._logged.add(f"{record.topic}/{record.partition}/{record.offset}"):
            log.warning("skipping unreadable alert %s[%d]@%d: %s", record.topic, record.partition, record.offset, error)


class AlertFeed:
    def __init__(
        self, bootstrap: str, topic: str, request: StreamRequest, *, max_bytes: int, bad: BadRecords,
        security: Mapping[str, Any] | None = None, chunk: int = SCAN_CHUNK, limit: int = SCAN_LIMIT,
    ) -> None:
        self.request = request
        self.max_bytes = max_bytes
        self.bad = bad
        self.chunk = chunk
        self.limit = limit
        self.seen = SeenIds()
        self._reader = TopicReader(bootstrap, [topic], security)

    async def open(self) -> None:
        """Connect (raises :class:`stream.errors.BrokerError` when the broker or topic is missing)."""
        await self._reader.__aenter__()
        # No fetching until the catch-up has positioned every partition: an idle fetch waits at
        # the broker (fetch_max_wait_ms) and holds up the offset requests queued behind it.
        self._consumer.pause(*self._consumer.assignment())

    async def close(self) -> None:
        await self._reader.__aexit__(None, None, None)

    @property
    def _consumer(self) -> AIOKafkaConsumer:
        return self._reader.consumer

    def _entry(self, record: ConsumerRecord) -> Entry:
        try:
            alert: Alert | None = decode(Alert, record.value, max_bytes=self.max_bytes)
        except DecodeError as exc:
            self.bad.note(record, exc)
            alert = None
        return Entry(Position(record.timestamp, record.partition, record.offset), alert)

    async def catch_up(self) -> list[Alert]:
        """The alerts to send first (resume point or backlog); leaves the reader at the live end."""
        consumer = self._consumer
        tps = sorted(consumer.assignment(), key=lambda tp: tp.partition)
        for tp in tps:
            await consumer.position(tp)  # let the reset that assign() started land before we seek
        begin = await consumer.beginning_offsets(tps)
        end = await consumer.end_offsets(tps)
        scan = BackwardScan({tp.partition: begin[tp] for tp in tps}, {tp.partition: end[tp] for tp in tps},
                            chunk=self.chunk, limit=self.limit)
        keep = self.request.filter.matches
        answer: list[Entry] | None = None
        last_id = self.request.last_event_id
        if last_id is not None:
            self.seen.add(last_id)
            try:
                answer = await self._scan(tps, scan, lambda: resume_answer(scan, last_id, keep))
                for alert_id in ids_up_to(scan, last_id):
                    self.seen.add(alert_id)
            except UnknownEventId:
                log.info("resume id %s is not among the latest alerts: sending the backlog", last_id[:64])
        if answer is None:
            answer = await self._scan(tps, scan, lambda: backlog_answer(scan, self.request.backlog, keep))
        for tp in tps:
            consumer.seek(tp, end[tp])
        consumer.resume(*tps)
        alerts = [e.alert for e in answer if e.alert is not None]
        return [a for a in alerts if self.seen.add(a.alert_id)]

    async def _scan(self, tps: list[TopicPartition], scan: BackwardScan,
                    answer: Callable[[], list[Entry] | None]) -> list[Entry]:
        by_partition = {tp.partition: tp for tp in tps}
        while (result := answer()) is None:
            ranges = scan.ranges()
            read = await self._read_ranges({by_partition[p]: r for p, r in ranges.items()})
            for p, (lo, _hi) in ranges.items():
                scan.add(p, lo, (self._entry(r) for r in read[by_partition[p]]))
        return result

    async def _read_ranges(self, ranges: dict[TopicPartition, tuple[int, int]]) -> dict[TopicPartition, list]:
        """Records of offsets [lo, hi) of each partition (fewer if the broker stops giving any)."""
        consumer = self._consumer
        consumer.pause(*consumer.assignment())
        for tp, (lo, _hi) in ranges.items():
            consumer.seek(tp, lo)
        consumer.resume(*ranges)
        out: dict[TopicPartition, list] = {tp: [] for tp in ranges}
        pending = set(ranges)
        empty_polls = 0
        while pending and empty_polls < STALLED_POLLS:
            batches = await consumer.getmany(*pending, timeout_ms=500)
            empty_polls = 0 if batches else empty_polls + 1
            for tp, records in batches.items():
                out[tp] += [r for r in records if r.offset < ranges[tp][1]]
            for tp in list(pending):
                if await consumer.position(tp) >= ranges[tp][1]:
                    pending.discard(tp)
                    consumer.pause(tp)
        if pending:
            log.warning("backward read of %s stalled; going on without the rest", sorted(map(str, pending)))
        return out

    async def poll(self, timeout_ms: int = 500) -> list[Alert]:
        """New alerts for this client (filtered, each id once), in topic order; [] when none came."""
        batches = await self._consumer.getmany(timeout_ms=timeout_ms)
        entries = sorted((self._entry(r) for records in batches.values() for r in records), key=lambda e: e.position)
        keep = self.request.filter.matches
        return [e.alert for e in entries if e.alert is not None and keep(e.alert) and self.seen.add(e.alert.alert_id)]
