"""Ack an event only once its handler finished: at-least-once through rebalances and stops.

faust-streaming's stream iterator acks an event in a ``finally`` clause, so two kinds of
events are acked though nothing processed them, and their offsets get committed:

- an event it *skips*: one of a stale consumer generation, or taken while flow control is
  suspended (a rebalance or a shutdown in progress);
- an event whose handler was *interrupted*: the agent cancelled mid-event at shutdown.

Seen as a few paragraphs missing after a SIGTERM under load (3 of 2,000 in one run, 12 of
130,000 in a soak). :func:`install` makes ``Event.ack`` a no-op for events of the topics our
agents consume until :func:`mark_processed` has been called on them; such an event stays
unacked, its offset uncommitted, and it is fetched again by whoever owns the partition next.

Two more changes make that hold. Faust's compiled stream iterator acks messages itself,
without ``Event.ack``, so the pure-Python iterator is used. And the offset to commit is worked
out by :mod:`stream.worker.positions`, never past an offset neither acked nor absent from the log
(Faust's own lets one unacked offset at the head through, and counts ranges it never saw).

An event Faust skipped as stale after a rebalance is not always fetched again (a partition the
worker kept is not re-read), so its partition's commits would wait for it until the next
restart. :class:`HeadWatch` notices a partition whose next offset to commit stays unacked while
later ones are acked, and re-reads it from there (what follows is processed again: harmless,
ids are deterministic and the story table deduplicates).
"""

from __future__ import annotations

import logging
from typing import Any

import faust.streams
from faust.events import Event

from stream.worker import positions, seeking
from stream.worker.positions import MANAGED_TOPICS as _MANAGED_TOPICS

log = logging.getLogger("stream.worker")
_PROCESSED = "_stream_processed"
_original_ack = Event.ack


def manage(topic: str) -> None:
    """Events of ``topic`` are acked only once marked processed."""
    _MANAGED_TOPICS.add(topic)


def mark_processed(event: Event) -> None:
    setattr(event, _PROCESSED, True)


def _ack_when_processed(self: Event) -> bool:
    if self.message.topic in _MANAGED_TOPICS and not getattr(self, _PROCESSED, False):
        return False  # skipped or interrupted: leave it for redelivery
    return _original_ack(self)


def install() -> None:
    faust.streams._CStreamIterator = None  # the pure-Python iterator acks through Event.ack
    Event.ack = _ack_when_processed  # type: ignore[method-assign]
    seeking.install()


class HeadWatch:
    """Re-read a managed partition whose head offset stayed unacked for two checks in a row."""

    def __init__(self, consumer: Any) -> None:
        self.consumer = consumer
        self._seen: dict[Any, int] = {}  # tp -> committed offset with a hole at the last check

    def holes(self) -> dict[Any, int]:
        """Managed partitions whose committed offset is unacked while later offsets are acked."""
        found = {}
        for tp in self.consumer.assignment():
            acked, committed = self.consumer._acked.get(tp), self.consumer._committed_offset.get(tp)
            if committed is None:  # none yet (or 0, which Faust keeps as None): where reading began
                committed = positions.positions(self.consumer).first.get(tp)
            if tp.topic in _MANAGED_TOPICS and acked and committed is not None and min(acked) > committed:
                found[tp] = committed
        return found

    async def check(self) -> list[Any]:
        holes = self.holes()
        stuck = [tp for tp, offset in holes.items() if self._seen.get(tp) == offset]
        self._seen = {tp: offset for tp, offset in holes.items() if tp not in stuck}
        for tp in stuck:
            log.warning("re-reading %s[%d] from offset %d: an event there was skipped, not processed",
                        tp.topic, tp.partition, holes[tp])
            await self.consumer.seek(tp, holes[tp])
        return stuck
