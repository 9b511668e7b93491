"""What a new client gets before the live alerts: the backlog, or everything after its last event.

Alert ids are hashes, so "before" and "after" are positions on the topic: records are ordered
by (Kafka timestamp, partition, offset). The topic is read backwards, one chunk per partition
at a time, only as far as the answer needs (and never more than ``limit`` records). Pure: the
Kafka reads are done by :mod:`stream.live.feed`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from stream.models import Alert

Keep = Callable[[Alert], bool]


@dataclass(frozen=True, order=True)
class Position:
    timestamp: int
    partition: int
    offset: int


@dataclass(frozen=True)
class Entry:
    position: Position
    alert: Alert | None  # None: a record that is not a readable alert


class UnknownEventId(LookupError):
    """The resume id is not among the records the scan may read."""


class BackwardScan:
    """Where a backward read of a topic stands: what was read, and what might still be newer."""

    def __init__(self, begin: Mapping[int, int], end: Mapping[int, int], chunk: int = 500, limit: int = 20_000) -> None:
        self._begin = dict(begin)
        self._next_end = dict(end)  # per partition: the offset the unread part ends before
        self._oldest: dict[int, Position] = {}  # per partition: the oldest record read so far
        self.chunk = chunk
        self.limit = limit
        self.read = 0
        self.entries: list[Entry] = []

    def ranges(self) -> dict[int, tuple[int, int]]:
        """The next offset range [lo, hi) to read per partition; empty once nothing more will be read."""
        if self.read >= self.limit:
            return {}
        return {
            p: (max(self._begin[p], hi - self.chunk), hi) for p, hi in self._next_end.items() if hi > self._begin[p]
        }

    @property
    def finished(self) -> bool:
        return not self.ranges()

    def add(self, partition: int, lo: int, entries: Iterable[Entry]) -> None:
        """Record that ``partition`` was read down to offset ``lo``, giving ``entries``."""
        read = list(entries)
        self._next_end[partition] = lo
        self.read += len(read)
        if read:
            oldest = min(e.position for e in read)
            known = self._oldest.get(partition)
            self._oldest[partition] = oldest if known is None else min(known, oldest)
        self.entries.extend(read)

    def may_hold_newer(self, position: Position) -> bool:
        """Whether a record not read yet could come after ``position``."""
        if self.finished:
            return False
        for p, hi in self._next_end.items():
            if hi <= self._begin[p]:
                continue
            oldest = self._oldest.get(p)
            if oldest is None or oldest > position:
                return True
        return False


def first_occurrences(entries: Iterable[Entry]) -> list[Entry]:
    """Readable entries in topic order, an alert id repeated later on the topic dropped."""
    return _unique(sorted(entries, key=lambda e: e.position))


def latest_occurrences(entries: Iterable[Entry]) -> list[Entry]:
    """Readable entries in topic order, each alert id at its latest record only."""
    return _unique(sorted(entries, key=lambda e: e.position, reverse=True))[::-1]


def _unique(entries: list[Entry]) -> list[Entry]:
    seen: set[str] = set()
    out = []
    for entry in entries:
        if entry.alert is None or entry.alert.alert_id in seen:
            continue
        seen.add(entry.alert.alert_id)
        out.append(entry)
    return out


def backlog_answer(scan: BackwardScan, count: int, keep: Keep) -> list[Entry] | None:
    """The ``count`` latest alerts ``keep`` accepts, oldest first; None while the scan must go on.

    An alert id on the topic more than once counts at its latest record (what a backward read
    can know without reading the whole topic).
    """
    if count <= 0:
        return []
    chosen = [e for e in latest_occurrences(scan.entries) if keep(e.alert)][-count:]  # type: ignore[arg-type]
    if scan.finished or (len(chosen) == count and not scan.may_hold_newer(chosen[0].position)):
        return chosen
    return None


def resume_answer(scan: BackwardScan, event_id: str, keep: Keep) -> list[Entry] | None:
    """The alerts ``keep`` accepts that come after ``event_id``'s record, oldest first.

    None while the scan must go on; :class:`UnknownEventId` once it has read all it may without
    finding the id. If the id is on the topic twice, the later record is the anchor.
    """
    anchor = _anchor(scan, event_id)
    if anchor is None:
        if scan.finished:
            raise UnknownEventId(event_id)
        return None
    if scan.may_hold_newer(anchor):
        return None
    later = [e for e in scan.entries if e.position > anchor]
    return [e for e in first_occurrences(later) if e.alert.alert_id != event_id and keep(e.alert)]  # type: ignore[union-attr]


def ids_up_to(scan: BackwardScan, event_id: str) -> set[str]:
    """Alert ids read at or before ``event_id``'s record: a resuming client has them already.

    So a redelivered alert (at-least-once: a recent id published again) is not sent twice.
    """
    anchor = _anchor(scan, event_id)
    if anchor is None:
        return set()
    return {e.alert.alert_id for e in scan.entries if e.alert is not None and e.position <= anchor}


def _anchor(scan: BackwardScan, event_id: str) -> Position | None:
    found = [e.position for e in scan.entries if e.alert is not None and e.alert.alert_id == event_id]
    return max(found) if found else None


class SeenIds:
    """The alert ids a connection has sent, so a repeated id is sent once (oldest forgotten past ``size``)."""

    def __init__(self, size: int = 100_000) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self.size = size

    def add(self, alert_id: str) -> bool:
        """True when ``alert_id`` is new (and now remembered)."""
        if alert_id in self._ids:
            self._ids.move_to_end(alert_id)
            return False
        self._ids[alert_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True

    def __contains__(self, alert_id: object) -> bool:
        return alert_id in self._ids
