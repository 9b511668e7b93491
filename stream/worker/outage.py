"""Broker outages, told once and summarised: never a log line per reconnect attempt.

While Kafka is unreachable every client of the worker retries every 100 ms and aiokafka logs
each failure (about 70 lines a second for one worker). :class:`OutageReporter` lets the first
connection error through, swallows the rest, and writes one summary line every
``summary_seconds`` with the outage's duration and how many errors it held back; when a broker
round trip succeeds again it writes one line saying so. Errors that are not about reaching the
broker always pass.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable

log = logging.getLogger("stream.worker")

# What aiokafka (and Faust's driver) say when the broker cannot be reached.
CONNECTION_NOISE = re.compile(
    r"Unable connect to|Unable to update metadata|Unable to request metadata|Connect call failed"
    r"|NodeNotReadyError|KafkaConnectionError|Connection at .* closed|Coordinator (?:Request failed|dead)"
    r"|Marking the coordinator dead|Heartbeat send request failed|Error sending HeartbeatRequest"
    r"|Unable to bootstrap|RequestTimedOutError|Failed fetch messages from|broker round trip failed",
)
NOISY_LOGGER_PREFIXES = ("aiokafka", "faust.transport", "stream.worker")


class OutageReporter:
    def __init__(self, summary_seconds: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.summary_seconds = summary_seconds
        self.clock = clock
        self.since: float | None = None  # when the current outage began (None: no outage)
        self.suppressed = 0  # errors held back since the last summary
        self.suppressed_total = 0  # ... since the outage began
        self._last_summary = 0.0
        self._last_error = ""

    @property
    def in_outage(self) -> bool:
        return self.since is not None

    def outage_seconds(self) -> float:
        return 0.0 if self.since is None else self.clock() - self.since

    def filter(self, record: logging.LogRecord) -> bool:
        """A logging filter: False drops the record (it was counted instead)."""
        if record.levelno < logging.WARNING:
            return True
        message = record.getMessage()
        if not CONNECTION_NOISE.search(message):
            return True
        now = self.clock()
        self._last_error = message[:200]
        if self.since is None:
            self.since, self._last_summary = now, now
            record.msg, record.args = "%s (Kafka unreachable: further connection errors are summarised every %.0f s)", (
                message, self.summary_seconds)
            return True
        self.suppressed += 1
        self.suppressed_total += 1
        if now - self._last_summary < self.summary_seconds:
            return False
        record.msg, record.args = "Kafka unreachable for %.0f s: %d connection errors held back; last: %s", (
            now - self.since, self.suppressed, self._last_error)
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        self.suppressed, self._last_summary = 0, now
        return True

    def reachable(self) -> None:
        """A broker round trip succeeded: end the outage (one line) if there was one."""
        if self.since is None:
            return
        log.warning("Kafka reachable again after %.0f s of outage (%d connection errors held back)",
                    self.outage_seconds(), self.suppressed_total)
        self.since, self.suppressed, self.suppressed_total = None, 0, 0

    def install(self, prefixes: Iterable[str] = NOISY_LOGGER_PREFIXES) -> None:
        """Filter every existing logger under ``prefixes`` (a filter applies where a record is
        made, so each logger gets it; the clients' loggers exist once their modules are imported)."""
        names = [n for n in logging.root.manager.loggerDict if n.startswith(tuple(prefixes))]
        for name in [*prefixes, *names]:
            logger = logging.getLogger(name)
            if self.filter not in logger.filters:
                logger.addFilter(self.filter)
