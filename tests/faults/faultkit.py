"""What the fault tests share: a realistic corpus, waits that report counts, topic reads."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.corpus import corpus  # noqa: F401 - re-exported: the fault tests' realistic input
from stream.ingest.splitter import Article, article_events
from stream.models import DeadLetter, TaggedParagraph
from stream.worker.process import WorkerProcess
from tests.integration.helpers import consume_until

REPO = Path(__file__).resolve().parents[2]


def event_ids(articles: list[Article]) -> set[str]:
    return {e.event_id for a in articles for e in article_events(a)}


def read_all(bootstrap: str, topic: str, done: Callable[[list], bool], timeout: float) -> list:
    return asyncio.run(consume_until(bootstrap, topic, done, timeout))


def tagged_ids(bootstrap: str, topic: str, wanted: set[str], timeout: float) -> tuple[set[str], int]:
    """Distinct wanted event ids on the tagged topic, and how many records carried them."""
    records = read_all(bootstrap, topic,
                       lambda rs: wanted <= {TaggedParagraph.model_validate_json(r.value).event_id for r in rs},
                       timeout)
    ids = [TaggedParagraph.model_validate_json(r.value).event_id for r in records]
    return {i for i in ids if i in wanted}, sum(1 for i in ids if i in wanted)


def dead_letters(bootstrap: str, topic: str, expected: int, timeout: float) -> list[DeadLetter]:
    records = read_all(bootstrap, topic, lambda rs: len(rs) >= expected, timeout)
    return [DeadLetter.model_validate_json(r.value) for r in records]


def wait_for(what: str, check: Callable[[], object], timeout: float, *workers: WorkerProcess,
             interval: float = 0.2) -> object:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    tails = "\n".join(w.log_tail() for w in workers)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})\n{tails}", pytrace=False)
