"""The offset committed for a partition of ours never passes one that was neither processed nor
absent from the log, and records fetched before a seek never reach the stream after it."""

from collections import defaultdict
from types import SimpleNamespace

from faust.types import TP

from stream.worker import positions, seeking
from stream.worker.positions import ReadPositions, next_commit

TOPIC = "managed-positions"
positions.MANAGED_TOPICS.add(TOPIC)
TP0 = TP(TOPIC, 0)


def consumer(committed: int | None, acked: list[int]) -> SimpleNamespace:
    c = SimpleNamespace(_acked=defaultdict(list), _committed_offset=defaultdict(lambda: None),
                        _acked_index=defaultdict(set))
    c._acked[TP0], c._acked_index[TP0], c._committed_offset[TP0] = list(acked), set(acked), committed
    return c


def test_the_commit_moves_over_acked_offsets_from_the_committed_one():
    c = consumer(10, [12, 10, 11, 14])
    assert next_commit(c, TP0) == 13
    assert c._acked[TP0] == [14] and c._acked_index[TP0] == {14}, "what was committed is forgotten"


def test_an_unprocessed_offset_at_the_head_holds_the_commit():
    # Faust's own rule commits 13 here: offset 10 (next to read) was never acked.
    assert next_commit(consumer(10, [11, 12]), TP0) is None
    assert next_commit(consumer(0, [1]), TP0) is None, "offset 0 counts too"


def test_without_a_committed_offset_the_first_delivered_one_is_the_head():
    c = consumer(None, [6, 7])
    positions.positions(c).first[TP0] = 5
    assert next_commit(c, TP0) is None
    c._acked[TP0].append(5), c._acked_index[TP0].add(5)
    assert next_commit(c, TP0) == 8


def test_offsets_absent_from_the_log_are_stepped_over_but_only_those():
    c = consumer(10, [12, 15])
    pos = positions.positions(c)
    pos.expected[TP0] = 10
    pos.batch_epoch = dict(pos.epoch)
    assert pos.deliverable(TP0, 10) and pos.deliverable(TP0, 12), "11: a transaction marker, never delivered"
    c._acked[TP0].append(10), c._acked_index[TP0].add(10)
    assert next_commit(c, TP0) == 13, "10 acked, 11 absent, 12 acked: 13 is next"
    assert pos.deliverable(TP0, 13) and pos.deliverable(TP0, 14)
    assert next_commit(c, TP0) is None, "13 and 14 delivered but not acked: 15 acked does not count"


def test_a_record_fetched_before_a_seek_is_dropped_after_it():
    pos = ReadPositions()
    pos.sought(TP0, 100)
    pos.batch_epoch = dict(pos.epoch)  # a batch fetched now, from 100
    assert pos.deliverable(TP0, 100) and pos.deliverable(TP0, 101)
    pos.sought(TP0, 50)  # a re-read of a skipped event, while that batch is still being handed out
    assert not pos.deliverable(TP0, 102), "stale: its offsets would be counted as a gap"
    assert not pos.absent.get(TP0), "no gap recorded from a stale record"
    pos.batch_epoch = dict(pos.epoch)  # the next fetch, from 50
    assert pos.deliverable(TP0, 50) and pos.expected[TP0] == 51


def test_faust_never_sees_a_read_offset_for_a_managed_partition():
    offsets = seeking._ReadOffsets({TP0: 7, TP("other", 0): 3})
    assert offsets[TP0] is None and offsets.get(TP0) == 7
    assert offsets[TP("other", 0)] == 3 and offsets[TP("other", 1)] is None


def test_absent_offsets_are_kept_as_ranges_and_merged():
    spans = positions.Spans()
    spans.add(10, 20), spans.add(30, 40), spans.add(18, 31)
    assert spans.ranges == [(10, 40)]
    spans.add(1_000, 50_000_000)  # a long outage past retention: two numbers, not fifty million
    assert spans.end_of_span_at(25) == 40 and spans.end_of_span_at(40) is None
    spans.drop_below(35)
    assert spans.ranges == [(35, 40), (1_000, 50_000_000)]


def test_a_long_absent_range_is_stepped_over_at_once():
    c = consumer(10, [50_000_001])
    pos = positions.positions(c)
    pos.absent[TP0].add(10, 50_000_001)
    assert next_commit(c, TP0) == 50_000_002


def test_without_a_committed_offset_or_a_known_start_nothing_is_committed():
    assert next_commit(consumer(None, [6, 7]), TP0) is None, "6 may not be the first offset there is"


def test_a_seek_within_what_was_delivered_keeps_the_start_of_the_run_and_a_jump_resets_it():
    pos = ReadPositions()
    pos.sought(TP0, 100)
    pos.batch_epoch = dict(pos.epoch)
    assert all(pos.deliverable(TP0, o) for o in range(100, 110))
    pos.sought(TP0, 105)  # re-reading a skipped event
    assert pos.first[TP0] == 100 and pos.expected[TP0] == 105
    pos.sought(TP0, 500)  # past what was delivered
    assert pos.first[TP0] == 500


def test_after_a_send_failed_for_good_no_offset_is_committed():
    c = consumer(10, [10, 11])
    positions.hold_commits(RuntimeError("record too large"))
    try:
        assert next_commit(c, TP0) is None
    finally:
        positions._held.clear()
    assert next_commit(c, TP0) == 12
