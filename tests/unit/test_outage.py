import logging

from stream.worker.outage import OutageReporter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def record(message: str, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord("aiokafka.client", level, __file__, 1, message, None, None)


def test_the_first_connection_error_passes_the_rest_become_one_summary_per_interval():
    clock = Clock()
    reporter = OutageReporter(summary_seconds=5, clock=clock)
    first = record("Unable connect to node with id 1: [Errno 111] Connect call failed")
    assert reporter.filter(first) and "summarised every 5 s" in first.getMessage()
    passed = []
    for tick in range(80):  # 20 s of errors every 250 ms
        clock.now += 0.25
        r = record("Unable to update metadata from [1]")
        if reporter.filter(r):
            passed.append(r.getMessage())
    assert len(passed) == 4, passed
    assert passed[0].startswith("Kafka unreachable for 5 s:") and "held back" in passed[0]
    assert reporter.in_outage and round(reporter.outage_seconds()) == 20


def test_other_errors_and_info_lines_always_pass():
    reporter = OutageReporter(clock=Clock())
    reporter.filter(record("Unable connect to node with id 1"))
    assert reporter.filter(record("Unexpected error in the tagger: KeyError"))
    assert reporter.filter(record("Unable connect to node with id 1", level=logging.INFO))


def test_reachable_again_ends_the_outage_with_one_line(caplog):
    clock = Clock()
    reporter = OutageReporter(clock=clock)
    reporter.reachable()  # no outage: says nothing
    assert not caplog.records
    reporter.filter(record("Failed fetch messages from 1: NodeNotReadyError"))
    clock.now += 12
    reporter.filter(record("Unable connect to node with id 1"))
    with caplog.at_level(logging.WARNING, logger="stream.worker"):
        reporter.reachable()
    [line] = [r.getMessage() for r in caplog.records]
    assert line == "Kafka reachable again after 12 s of outage (1 connection errors held back)"
    assert not reporter.in_outage
    again = record("Unable connect to node with id 1")
    assert reporter.filter(again) and "Kafka unreachable" in again.getMessage(), "a new outage is told again"


def test_install_filters_the_client_loggers_that_exist():
    logging.getLogger("aiokafka.client")
    reporter = OutageReporter()
    reporter.install()
    try:
        assert reporter.filter in logging.getLogger("aiokafka.client").filters
        assert reporter.filter not in logging.getLogger("stream.tagging").filters
    finally:
        for name in list(logging.root.manager.loggerDict) + ["aiokafka", "stream.worker", "faust.transport"]:
            logging.getLogger(name).removeFilter(reporter.filter)
