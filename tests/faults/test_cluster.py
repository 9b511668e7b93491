"""A three-node cluster (replication 3, min.insync.replicas 2, acks=all): kill -9 of one broker
in the middle of a replay. Nothing is lost, the worker carries on, and no alert id names two
different alerts. The test runs its own cluster (it kills a node)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest

from stream.broker.cluster import LocalCluster
from stream.broker.local import free_port
from stream.ingest.publisher import publish_articles
from stream.models import Alert
from stream.topics import ensure_topics
from stream.worker.process import WorkerProcess
from tests.conftest import REPO_ROOT
from tests.faults.faultkit import corpus, event_ids, read_all, tagged_ids
from tests.integration.conftest import isolated_settings

pytestmark = pytest.mark.integration
PARAGRAPHS = 2000
RATE = 500  # paragraphs/s: the replay spans the kill


def test_losing_one_broker_of_three_mid_replay_loses_nothing(tmp_path: Path):
    cluster = LocalCluster(tmp_path / "cluster", REPO_ROOT / ".cache" / "kafka", nodes=3, port=free_port(),
                           partitions=4).start()
    settings = isolated_settings(cluster.bootstrap, tmp_path, topic_partitions=4, topic_replication_factor=3,
                                 topic_min_insync_replicas=2)
    asyncio.run(ensure_topics(settings))
    worker = WorkerProcess(settings, tmp_path / "worker.log").start(ready_timeout=120)
    articles = corpus(PARAGRAPHS, "cluster")
    wanted = event_ids(articles)
    replay_error: list[BaseException] = []

    def replay() -> None:
        try:
            asyncio.run(publish_articles(articles, bootstrap=cluster.bootstrap, topic=settings.topic_paragraphs,
                                         rate=RATE))
        except BaseException as exc:  # reported in the assertion below
            replay_error.append(exc)

    publisher = threading.Thread(target=replay)
    try:
        publisher.start()
        time.sleep(PARAGRAPHS / RATE / 2)
        victim = cluster.nodes[1]
        victim.kill()
        killed_at = time.monotonic()
        publisher.join(120)
        done, records = tagged_ids(cluster.bootstrap, settings.topic_tagged, wanted, timeout=90)
        finished_after = time.monotonic() - killed_at
        alerts = [Alert.model_validate_json(r.value)
                  for r in read_all(cluster.bootstrap, settings.topic_alerts, lambda rs: False, 3)]
        alive = worker.running()
    finally:
        worker.stop()
        cluster.stop()
    by_id: dict[str, set[str]] = defaultdict(set)
    for alert in alerts:
        by_id[alert.alert_id].add(alert.model_copy(update={"raised_at": alert.first_seen}).model_dump_json())
    conflicting = [i for i, versions in by_id.items() if len(versions) > 1]
    counts = (f"sent {len(wanted)}, tagged {len(done)} in {records} records, {len(alerts)} alert records with "
              f"{len(by_id)} ids ({len(conflicting)} ids with different alerts), node 2 killed "
              f"{PARAGRAPHS / RATE / 2:.0f} s into the replay, all tagged {finished_after:.1f} s after the kill, "
              f"replay error: {replay_error[0] if replay_error else None}")
    print(f"\ncluster: {counts}")
    assert not replay_error, counts
    assert alive, f"the worker died: {counts}\n{worker.log_tail()}"
    assert done == wanted, f"lost paragraphs: {counts}\n{worker.log_tail()}"
    assert alerts and not conflicting, counts
