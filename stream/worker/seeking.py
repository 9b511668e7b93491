"""Faust's consumer, hooked to :mod:`stream.worker.positions` for the topics of our agents.

Every seek bumps the partition's epoch and runs in the consumer's thread; a fetch that a seek
overlapped is dropped and read again; records reach Faust's fetch loop only when
:meth:`ReadPositions.deliverable` says so; Faust's own read offsets are hidden from that loop (so
it neither drops records nor counts gaps); the offset to commit is :func:`next_commit`'s.
"""

from __future__ import annotations

import asyncio
from typing import Any

from faust.transport.consumer import Consumer, ThreadDelegateConsumer

from stream.worker.positions import MANAGED_TOPICS, ReadPositions, log, next_commit, positions


class _ReadOffsets(dict):
    """Faust's read offsets, blind for managed partitions: its fetch loop then neither drops a
    record as older than one it saw nor counts a gap (:class:`ReadPositions` does both, right)."""

    def __init__(self, original: Any) -> None:
        super().__init__(original)

    def __missing__(self, tp: Any) -> None:
        return None

    def __getitem__(self, tp: Any) -> Any:
        if tp.topic in MANAGED_TOPICS:
            return None
        return super().__getitem__(tp)


_original_init = Consumer.__init__
_original_new_offset = Consumer._new_offset
_original_seek = Consumer.seek
_original_perform_seek = Consumer.perform_seek
_original_wait_next_records = Consumer._wait_next_records
_original_getmany = Consumer.getmany
_original_on_partitions_revoked = Consumer.on_partitions_revoked


def _init(self: Consumer, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    self._read_offset = _ReadOffsets(self._read_offset)


def _new_offset(self: Consumer, tp: Any) -> int | None:
    if tp.topic in MANAGED_TOPICS:
        return next_commit(self, tp)
    return _original_new_offset(self, tp)


async def _seek(self: Consumer, partition: Any, offset: int) -> None:
    if partition.topic in MANAGED_TOPICS:
        positions(self).sought(partition, offset)
    await _original_seek(self, partition, offset)


async def _perform_seek(self: Consumer) -> None:
    """Faust's seek to the committed offsets, then once more now that no fetch can be in flight
    from before it (a fetch that straddled it had its records dropped: see _wait_next_records),
    to the committed offset or past what the agents were given from there on."""
    pos = positions(self)
    if pos.seek_lock is None:
        pos.seek_lock = asyncio.Lock()
    async with pos.seek_lock:  # Faust's fetcher starts one too if it finds the flow stopped meanwhile
        await _perform_seek_once(self, pos)


async def _perform_seek_once(self: Consumer, pos: ReadPositions) -> None:
    managed = [tp for tp in self.assignment() if tp.topic in MANAGED_TOPICS]
    committed_before = {tp: self._committed_offset.get(tp) for tp in managed}
    for tp in managed:  # a fetch in flight now may be from before the seek: drop it
        pos.epoch[tp] += 1
    try:
        await _original_perform_seek(self)
    except BaseException:
        for tp in managed:  # where the stream is is not known any more
            pos.forget(tp)
        raise
    for tp in managed:  # a commit that finished meanwhile is newer than what was read back
        before, now = committed_before[tp], self._committed_offset.get(tp)
        if before is not None and (now is None or now < before):
            self._committed_offset[tp] = before
    targets = {tp: self._read_offset.get(tp) for tp in managed}
    uncommitted = [tp for tp, offset in targets.items() if offset is None]
    if uncommitted and self.app.conf.consumer_auto_offset_reset == "earliest":
        targets.update(await self.earliest_offsets(*uncommitted))  # a new group reads from the start
    for tp, offset in targets.items():
        first, expected = pos.first.get(tp), pos.expected.get(tp)
        if offset is not None and first is not None and expected is not None and first <= offset < expected:
            # Faust resumes the partitions a moment before this seek, so the agents may have the
            # records from the committed offset on already: go on from there rather than process
            # them twice (an unprocessed one among them holds the commit; HeadWatch re-reads it).
            offset = expected
        if offset is not None:
            await _seek(self, tp, offset)


async def _wait_next_records(self: Consumer, timeout: float) -> Any:
    pos = positions(self)
    before = dict(pos.epoch)
    records, active = await _original_wait_next_records(self, timeout)
    for tp in list(records or ()):
        if tp.topic in MANAGED_TOPICS and pos.epoch[tp] != before.get(tp, 0):
            # Sought while this fetch was in flight: the records may be from either side of the
            # seek, and the fetch position past them. Read again from where the stream is (or,
            # not known yet, from the first of these: they go back, not away).
            dropped = records.pop(tp)
            target = pos.expected.get(tp)
            if target is None and dropped:
                target = dropped[0].offset
            if target is not None:
                try:
                    await _seek(self, tp, target)
                except Exception as exc:  # e.g. no longer assigned: the next assignment seeks anew
                    log.warning("re-reading %s[%d] from %d failed: %r", tp.topic, tp.partition, target, exc)
                    pos.forget(tp)
    # The epochs the fetch was made under, not the ones now: a seek while this function waited
    # (above) makes that partition's records stale too; its seek brings them again.
    pos.batch_epoch = before
    return records, active


async def _getmany(self: Consumer, timeout: float) -> Any:
    pos = positions(self)
    async for tp, message in _original_getmany(self, timeout):
        if tp.topic in MANAGED_TOPICS and not pos.deliverable(tp, message.offset):
            continue
        yield tp, message


async def _on_partitions_revoked(self: Consumer, revoked: Any) -> None:
    pos = positions(self)
    for tp in revoked:
        if tp.topic in MANAGED_TOPICS:
            pos.forget(tp)
    await _original_on_partitions_revoked(self, revoked)


async def _seek_in_consumer_thread(self: ThreadDelegateConsumer, partition: Any, offset: int) -> None:
    """Faust calls aiokafka's seek from the main thread while the consumer thread fetches, and
    both touch the fetcher's buffers: a seek racing a fetch crashed the fetcher (KeyError in
    ``fetched_records``). Run it in the consumer's own thread, as Faust does seek_to_committed."""
    await self._thread.call_thread(self._thread.seek, partition, offset)


def install() -> None:
    ThreadDelegateConsumer._seek = _seek_in_consumer_thread  # type: ignore[method-assign]
    Consumer.__init__ = _init  # type: ignore[method-assign]
    Consumer._new_offset = _new_offset  # type: ignore[method-assign]
    Consumer.seek = _seek  # type: ignore[method-assign]
    Consumer.perform_seek = _perform_seek  # type: ignore[method-assign]
    Consumer._wait_next_records = _wait_next_records  # type: ignore[method-assign]
    Consumer.getmany = _getmany  # type: ignore[method-assign]
    Consumer.on_partitions_revoked = _on_partitions_revoked  # type: ignore[method-assign]
