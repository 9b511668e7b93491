"""Backlog and resume selection over a topic read backwards (in-memory partitions, no broker).

Every answer is compared with the brute-force one over the whole topic, including when one
partition is much busier than the others and when chunks are small.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stream.live.catchup import (
    BackwardScan,
    Entry,
    Position,
    SeenIds,
    UnknownEventId,
    backlog_answer,
    first_occurrences,
    ids_up_to,
    latest_occurrences,
    resume_answer,
)
from stream.live.filters import AlertFilter
from tests.support.live import alert

Topic = dict[int, list[Entry]]  # partition -> entries, index = offset
ALERTS = {f"a{i}": alert(alert_id=f"a{i}", category=("arms_trade", "sanctions")[i % 2],
                         severity=("low", "medium", "high", "critical")[i % 4]) for i in range(12)}


def topic_from(rows: dict[int, list[tuple[int, str | None]]]) -> Topic:
    """rows: partition -> [(timestamp, alert id or None for an unreadable record)]."""
    return {p: [Entry(Position(ts, p, off), ALERTS[aid] if aid else None) for off, (ts, aid) in enumerate(recs)]
            for p, recs in rows.items()}


def scan_of(topic: Topic, begin: dict[int, int] | None = None, chunk: int = 2, limit: int = 10_000) -> BackwardScan:
    begin = begin or {p: 0 for p in topic}
    return BackwardScan(begin, {p: len(e) for p, e in topic.items()}, chunk=chunk, limit=limit)


def run(scan: BackwardScan, topic: Topic, answer: Callable[[], list[Entry] | None]) -> list[Entry]:
    """What stream.live.feed does, over lists instead of Kafka."""
    while (result := answer()) is None:
        ranges = scan.ranges()
        assert ranges, "an answer of None must leave something to read"
        for p, (lo, hi) in ranges.items():
            scan.add(p, lo, topic[p][lo:hi])
    return result


def ids(entries: list[Entry]) -> list[str]:
    return [e.alert.alert_id for e in entries]  # type: ignore[union-attr]


def everything(topic: Topic) -> list[Entry]:
    return [e for entries in topic.values() for e in entries]


def brute_backlog(topic: Topic, count: int, keep) -> list[str]:
    return ids([e for e in latest_occurrences(everything(topic)) if keep(e.alert)][-count:]) if count else []


def brute_resume(topic: Topic, last: str, keep) -> list[str]:
    anchor = max(e.position for e in everything(topic) if e.alert and e.alert.alert_id == last)
    later = [e for e in everything(topic) if e.position > anchor]
    return [i for i in ids(first_occurrences(later)) if i != last and keep(ALERTS[i])]


EVERY = AlertFilter().matches


def test_backlog_is_the_latest_across_partitions_oldest_first() -> None:
    topic = topic_from({0: [(1, "a0"), (4, "a3"), (6, "a5")], 1: [(2, "a1"), (3, "a2"), (5, "a4")]})
    scan = scan_of(topic, chunk=1)
    assert ids(run(scan, topic, lambda: backlog_answer(scan, 4, EVERY))) == ["a2", "a3", "a4", "a5"]


def test_the_backlog_reads_only_the_end_of_a_long_topic() -> None:
    topic = topic_from({0: [(t, f"a{t % 12}") for t in range(0, 100, 2)],
                        1: [(t, f"a{t % 12}") for t in range(1, 100, 2)]})
    scan = scan_of(topic, chunk=2)
    assert ids(run(scan, topic, lambda: backlog_answer(scan, 4, EVERY))) == ["a0", "a1", "a2", "a3"]  # t=96..99
    assert scan.read == 8  # two chunks per partition out of 100 records


def test_backlog_counts_only_matching_alerts() -> None:
    topic = topic_from({0: [(t, f"a{t}") for t in range(12)]})
    keep = AlertFilter(category="sanctions", min_severity="high").matches  # odd ids with rank >= 2: a3, a7, a11
    scan = scan_of(topic)
    assert ids(run(scan, topic, lambda: backlog_answer(scan, 2, keep))) == ["a7", "a11"]


def test_a_busy_partition_does_not_hide_newer_alerts_elsewhere() -> None:
    # Partition 0 holds many old alerts; partition 1 one recent alert that must be in the backlog.
    topic = topic_from({0: [(t, f"a{t % 10}") for t in range(10)], 1: [(100, "a11")]})
    scan = scan_of(topic, chunk=2)
    assert ids(run(scan, topic, lambda: backlog_answer(scan, 3, EVERY))) == ["a8", "a9", "a11"]


def test_backlog_zero_reads_nothing() -> None:
    topic = topic_from({0: [(1, "a0")]})
    scan = scan_of(topic)
    assert run(scan, topic, lambda: backlog_answer(scan, 0, EVERY)) == []
    assert scan.read == 0


def test_unreadable_records_and_repeated_ids_are_skipped() -> None:
    topic = topic_from({0: [(1, "a1"), (2, None), (3, "a2"), (4, "a1"), (5, None)]})
    scan = scan_of(topic, chunk=1)
    assert ids(run(scan, topic, lambda: backlog_answer(scan, 5, EVERY))) == ["a2", "a1"]  # a1 at its latest


def test_resume_sends_only_what_came_after() -> None:
    topic = topic_from({0: [(1, "a0"), (4, "a3"), (6, "a5")], 1: [(2, "a1"), (3, "a2"), (5, "a4")]})
    scan = scan_of(topic, chunk=1)
    assert ids(run(scan, topic, lambda: resume_answer(scan, "a2", EVERY))) == ["a3", "a4", "a5"]
    scan = scan_of(topic, chunk=1)
    assert run(scan, topic, lambda: resume_answer(scan, "a5", EVERY)) == []


def test_resume_applies_the_filter() -> None:
    topic = topic_from({0: [(t, f"a{t}") for t in range(8)]})
    scan = scan_of(topic)
    keep = AlertFilter(category="arms_trade").matches  # even ids
    assert ids(run(scan, topic, lambda: resume_answer(scan, "a3", keep))) == ["a4", "a6"]


def test_resume_from_a_repeated_id_anchors_on_its_latest_record() -> None:
    topic = topic_from({0: [(1, "a1"), (2, "a2"), (3, "a1"), (4, "a3")]})
    scan = scan_of(topic, chunk=1)
    assert ids(run(scan, topic, lambda: resume_answer(scan, "a1", EVERY))) == ["a3"]


def test_an_unknown_resume_id_is_reported_once_the_scan_is_done() -> None:
    topic = topic_from({0: [(1, "a1"), (2, "a2")], 1: [(3, "a3")]})
    scan = scan_of(topic, chunk=1)
    with pytest.raises(UnknownEventId):
        run(scan, topic, lambda: resume_answer(scan, "nope", EVERY))
    assert scan.finished
    # The same scan then answers the backlog from what it read.
    assert ids(backlog_answer(scan, 2, EVERY) or []) == ["a2", "a3"]


def test_the_scan_stops_at_its_limit_and_the_topic_beginning() -> None:
    topic = topic_from({0: [(t, f"a{t % 12}") for t in range(40)]})
    scan = scan_of(topic, chunk=5, limit=10)
    with pytest.raises(UnknownEventId):
        run(scan, topic, lambda: resume_answer(scan, "a5", EVERY))  # a5 is at offset 29, just past the limit
    assert scan.read == 10
    scan = scan_of(topic, begin={0: 38}, chunk=5)
    assert ids(run(scan, topic, lambda: backlog_answer(scan, 10, EVERY))) == ["a2", "a3"]


def test_seen_ids_remember_a_bounded_number() -> None:
    seen = SeenIds(size=2)
    assert seen.add("a") and seen.add("b")
    assert not seen.add("a")
    assert seen.add("c")  # evicts b, the least recently seen
    assert "a" in seen and "c" in seen and "b" not in seen


# ------------------------------------------------------------------ properties

partition_rows = st.lists(st.tuples(st.integers(0, 5), st.one_of(st.none(), st.sampled_from(sorted(ALERTS)))),
                          max_size=15)


def monotone(rows: list[tuple[int, str | None]]) -> list[tuple[int, str | None]]:
    """Timestamps that never go back within a partition (Kafka's usual case), ties allowed."""
    out, now = [], 0
    for step, aid in rows:
        now += step
        out.append((now, aid))
    return out


topics = st.dictionaries(st.integers(0, 3), partition_rows, min_size=1, max_size=4).map(
    lambda d: topic_from({p: monotone(r) for p, r in d.items()}))
filters = st.builds(AlertFilter, st.sampled_from([None, "arms_trade", "sanctions"]),
                    st.sampled_from([None, "low", "medium", "high", "critical"]))


@settings(max_examples=300, deadline=None)
@given(topic=topics, count=st.integers(0, 8), chunk=st.integers(1, 4), wanted=filters)
def test_backlog_equals_brute_force(topic: Topic, count: int, chunk: int, wanted: AlertFilter) -> None:
    scan = scan_of(topic, chunk=chunk)
    got = ids(run(scan, topic, lambda: backlog_answer(scan, count, wanted.matches)))
    assert got == brute_backlog(topic, count, wanted.matches)


@settings(max_examples=300, deadline=None)
@given(topic=topics, chunk=st.integers(1, 4), wanted=filters, data=st.data())
def test_resume_equals_brute_force(topic: Topic, chunk: int, wanted: AlertFilter, data: st.DataObject) -> None:
    present = sorted({e.alert.alert_id for e in everything(topic) if e.alert})
    if not present:
        scan = scan_of(topic, chunk=chunk)
        with pytest.raises(UnknownEventId):
            run(scan, topic, lambda: resume_answer(scan, "a0", wanted.matches))
        return
    last = data.draw(st.sampled_from(present))
    scan = scan_of(topic, chunk=chunk)
    got = ids(run(scan, topic, lambda: resume_answer(scan, last, wanted.matches)))
    assert got == brute_resume(topic, last, wanted.matches)


def test_a_resuming_client_has_every_id_up_to_its_last_event() -> None:
    topic = topic_from({0: [(1, "a1"), (3, "a3"), (5, "a5")], 1: [(2, "a2"), (4, "a4"), (6, None)]})
    scan = scan_of(topic, chunk=5)
    run(scan, topic, lambda: resume_answer(scan, "a3", EVERY))
    assert ids_up_to(scan, "a3") == {"a1", "a2", "a3"}
    assert ids_up_to(scan, "unknown") == set()
