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

For the topics of our agents (:func:`acks.manage`) this module keeps the bookkeeping that
replaces that logic, and :mod:`stream.worker.seeking` hooks it into Faust's consumer:

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

from faust.transport.consumer import Consumer

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
