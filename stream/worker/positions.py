"""Read positions of the partitions our agents consume: which offset may be committed.

Faust decides the offset to commit from the acked offsets plus "gaps": ranges its fetch loop
did not see and takes to be absent from the log (compaction, transaction markers). Two things
make that range wrong after a seek (Faust's own at the end of recovery, or :class:`acks.HeadWatch`
re-reading a skipped event):

- records of a batch fetched *before* the seek are still delivered after it. The first such
  record looks like a jump forward from the seek target, so Faust records a gap over offsets it
  never processed and, its read offset now past the target, drops the re-fetched records as
  old. Seen in a soak as 35 paragraphs committed unprocessed, at worker restarts.
- a gap's range includes the record being delivered, which is then as good as acked before
  its handler ran; and a seek sets the read offset to the *next* offset to read where the
  loop expects the last one read, so the seek target is never covered.

For the topics of our agents (:func:`acks.manage`) this module replaces that logic:

- every seek of a partition bumps its *epoch*; a record whose batch was fetched under an
  older epoch is dropped before Faust's fetch loop sees it (and if the seek happened while the
  fetch was in flight, the partition is sought again to where it should read: the records
  returned may be either side of the seek);
- the offsets skipped between the position and the next record actually delivered are the
  only ones counted absent;
- the offset to commit is the committed one advanced over acked or absent offsets, never past
  the first one that is neither.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from faust.transport.consumer import Consumer, ThreadDelegateConsumer

log = logging.getLogger("stream.worker")
MANAGED_TOPICS: set[str] = set()  # filled by acks.manage
_ATTR = "_stream_read_positions"


class Spans:
    """Offsets absent from the log, as sorted half-open ranges (a gap can be millions long)."""

    def __init__(self) -> None:
        self.ranges: list[tuple[int, int]] = []

    def add(self, start: int, end: int) -> None:
        if start >= end:
            return
        merged = []
        for lo, hi in self.ranges:
            if hi < start or lo > end:
                merged.append((lo, hi))
            else:
                start, end = min(lo, start), max(hi, end)
        merged.append((start, end))
        self.ranges = sorted(merged)

    def end_of_span_at(self, offset: int) -> int | None:
        """The end of the range holding ``offset``; None when it is not absent."""
        for lo, hi in self.ranges:
            if lo <= offset < hi:
                return hi
        return None

    def drop_below(self, offset: int) -> None:
        self.ranges = [(max(lo, offset), hi) for lo, hi in self.ranges if hi > offset]

    def __bool__(self) -> bool:
        return bool(self.ranges)


@dataclass
class ReadPositions:
    """What the stream has been given of each managed partition since it was assigned."""

    epoch: dict[Any, int] = field(default_factory=lambda: defaultdict(int))
    expected: dict[Any, int | None] = field(default_factory=dict)  # next offset to deliver; None: unknown
    absent: dict[Any, Spans] = field(default_factory=lambda: defaultdict(Spans))  # not in the log
    first: dict[Any, int] = field(default_factory=dict)  # start of the run delivered without a jump
    batch_epoch: dict[Any, int] = field(default_factory=dict)  # epochs when the current batch was fetched
    seek_lock: asyncio.Lock | None = None  # one perform_seek at a time

    def sought(self, tp: Any, offset: int | None) -> None:
        """The stream reads ``tp`` from ``offset`` next (None: from somewhere not known)."""
        self.epoch[tp] += 1
        first, expected = self.first.get(tp), self.expected.get(tp)
        if offset is None:
            self.first.pop(tp, None)
            self.absent.pop(tp, None)
        elif first is None or expected is None or not first <= offset <= expected:
            self.first[tp] = offset  # a jump: the delivered run starts again here
        self.expected[tp] = offset

    def forget(self, tp: Any) -> None:
        self.sought(tp, None)

    def deliverable(self, tp: Any, offset: int) -> bool:
        """Whether a record may go on to the stream; notes what it tells about the log."""
        if self.epoch[tp] != self.batch_epoch.get(tp, 0):
            return False  # fetched before a seek: the re-fetch brings it again, in order
        expected = self.expected.get(tp)
        if expected is not None and offset < expected:
            return False  # delivered already since the last seek: a seek back resets ``expected``
        if expected is not None and offset > expected:
            self.absent[tp].add(expected, offset)  # markers or compacted: never delivered
        self.first.setdefault(tp, offset)
        self.expected[tp] = offset + 1
        return True


_held: list[BaseException] = []  # a send finally failed: no commit may pass what it was for


def hold_commits(reason: BaseException) -> None:
    """Stop committing managed partitions: an output of some processed event was lost."""
    if not _held:
        log.error("a send failed for good (%r): offsets are no longer committed; restart the worker", reason)
    _held.append(reason)


def positions(consumer: Consumer) -> ReadPositions:
    found = consumer.__dict__.get(_ATTR)
    if found is None:
        found = ReadPositions()
        setattr(consumer, _ATTR, found)
    return found


def next_commit(consumer: Consumer, tp: Any) -> int | None:
    """The offset to commit for a managed partition: the committed one (or, none committed, the
    start of what was delivered) advanced over offsets acked or absent; None when nothing would
    move or the start is not known."""
    acked, index = consumer._acked[tp], consumer._acked_index[tp]
    if not acked or _held:
        return None
    pos = positions(consumer)
    absent = pos.absent.get(tp) or Spans()
    committed = consumer._committed_offset[tp]
    start = committed if committed is not None else pos.first.get(tp)
    if start is None:
        return None
    offset = start
    while True:
        if offset in index:
            offset += 1
            continue
        end = absent.end_of_span_at(offset)
        if end is None:
            break
        offset = end
    if offset == start:
        return None
    done = [o for o in acked if o < offset]
    acked[:] = [o for o in acked if o >= offset]
    index.difference_update(done)
    absent.drop_below(offset)
    return offset


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
