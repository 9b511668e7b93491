"""A 20 s broker outage under a running worker: quiet logs, /readyz 503, the outage in the
metrics, and a recovery that loses nothing. The test runs its own broker (it stops it)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from stream.broker.local import BrokerConfig, LocalBroker, free_port
from stream.cli.metrics_summary import metric_totals
from stream.ingest.publisher import publish_articles
from stream.topics import ensure_topics
from stream.worker.process import WorkerProcess, http_get
from tests.conftest import REPO_ROOT
from tests.faults.faultkit import corpus, event_ids, tagged_ids, wait_for
from tests.integration.conftest import isolated_settings

pytestmark = pytest.mark.integration
OUTAGE_SECONDS = 20
MAX_LOG_LINES = 300


def contact_age(worker: WorkerProcess) -> float:
    return metric_totals(worker.metrics_text())[("stream_broker_contact_age_seconds", ())]


def lines(path: Path) -> int:
    return len(path.read_text(errors="replace").splitlines())


def test_a_broker_outage_is_quiet_visible_and_loses_nothing(tmp_path: Path):
    broker = LocalBroker(BrokerConfig(state_dir=tmp_path / "broker", cache_dir=REPO_ROOT / ".cache" / "kafka",
                                      port=free_port(), partitions=2))
    broker.start()
    settings = isolated_settings(broker.config.bootstrap, tmp_path)
    asyncio.run(ensure_topics(settings))
    log = tmp_path / "worker.log"
    worker = WorkerProcess(settings, log).start(ready_timeout=120)
    try:
        before_articles, after_articles = corpus(200, "before"), corpus(200, "after")
        asyncio.run(publish_articles(before_articles, bootstrap=settings.bootstrap_servers,
                                     topic=settings.topic_paragraphs))
        done, _ = tagged_ids(settings.bootstrap_servers, settings.topic_tagged, event_ids(before_articles), 60)
        assert done == event_ids(before_articles), worker.log_tail()

        log_before = lines(log)
        broker.stop()
        stopped = time.monotonic()
        status = wait_for("/readyz to answer 503", lambda: http_get(worker.base_url + "/readyz")[0] == 503,
                          15, worker)
        not_ready_after = time.monotonic() - stopped
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped)))
        age = contact_age(worker)
        during = lines(log) - log_before
        assert worker.running(), f"the worker died in the outage:\n{worker.log_tail()}"

        broker.start()
        restarted = time.monotonic()
        wait_for("/readyz to answer 200 again", lambda: http_get(worker.base_url + "/readyz")[0] == 200, 60, worker)
        ready_after = time.monotonic() - restarted
        asyncio.run(publish_articles(after_articles, bootstrap=settings.bootstrap_servers,
                                     topic=settings.topic_paragraphs))
        wanted = event_ids(before_articles) | event_ids(after_articles)
        done, records = tagged_ids(settings.bootstrap_servers, settings.topic_tagged, wanted, 60)
        total_lines = lines(log) - log_before
    finally:
        worker.stop()
        broker.stop()
    counts = (f"outage {OUTAGE_SECONDS} s: {during} log lines during it, {total_lines} until recovered; /readyz 503 "
              f"after {not_ready_after:.1f} s; contact age {age:.0f} s; ready again {ready_after:.1f} s after the "
              f"broker; sent {len(wanted)}, tagged {len(done)} in {records} records")
    print(f"\noutage: {counts}")
    assert status and age >= OUTAGE_SECONDS - 5, counts
    assert total_lines <= MAX_LOG_LINES, f"the outage flooded the log: {counts}"
    assert done == wanted, f"lost paragraphs: {counts}"
