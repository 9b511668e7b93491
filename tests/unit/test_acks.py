"""Events are acked only once their handler finished, and no unprocessed offset is committed."""

from types import SimpleNamespace

import faust.streams
from faust.events import Event
from faust.types import TP
from faust.transport.consumer import Consumer

from stream.worker import acks, seeking


def test_install_uses_the_iterator_that_acks_through_event_ack():
    acks.install()
    assert faust.streams._CStreamIterator is None
    assert Event.ack is acks._ack_when_processed and Consumer._new_offset is seeking._new_offset


def test_an_event_of_a_managed_topic_is_acked_only_once_processed():
    acks.install()
    acks.manage("managed-topic")
    calls: list[str] = []
    message = SimpleNamespace(topic="managed-topic", ack=lambda consumer: calls.append("acked") or True)
    event = SimpleNamespace(message=message, app=SimpleNamespace(consumer=None))
    assert acks._ack_when_processed(event) is False and calls == [], "skipped or interrupted: not acked"
    acks.mark_processed(event)
    assert acks._ack_when_processed(event) is True and calls == ["acked"]
    other = SimpleNamespace(message=SimpleNamespace(topic="faust-internal", ack=lambda c: True),
                            app=SimpleNamespace(consumer=None))
    assert acks._ack_when_processed(other) is True, "topics of no agent of ours keep Faust's behaviour"


class FakeConsumer:  # the attributes HeadWatch reads from faust.transport.consumer.Consumer
    def __init__(self, acked: dict, committed: dict) -> None:
        self._acked, self._committed_offset, self.seeks = acked, committed, []

    def assignment(self) -> set:
        return set(self._acked)

    async def seek(self, tp, offset) -> None:
        self.seeks.append((tp, offset))


async def test_a_partition_whose_head_stays_unacked_is_re_read_from_there():
    acks.manage("managed-topic")
    tp, other = TP("managed-topic", 1), TP("managed-topic", 2)
    hole = FakeConsumer({tp: [11, 12], other: [20]}, {tp: 10, other: 20})
    watch = acks.HeadWatch(hole)
    assert await watch.check() == [] and hole.seeks == [], "one check may catch an event in flight"
    assert await watch.check() == [tp] and hole.seeks == [(tp, 10)]
    hole._acked[tp] = [10, 11, 12]
    assert await watch.check() == [] and hole.seeks == [(tp, 10)], "filled: nothing more to do"
