"""A real worker process per test module, with its own topics and consumer group."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from stream.broker.local import free_port
from stream.config import Settings
from stream.topics import ensure_topics
from stream.worker.process import WorkerProcess

pytestmark = pytest.mark.integration


def isolated_settings(bootstrap: str, state_dir: Path, **overrides: object) -> Settings:
    """Settings whose app id and topics are unique, so test modules never see each other's data."""
    run = uuid.uuid4().hex[:8]
    overrides = {"topic_partitions": 2, "web_port": free_port(), **overrides}
    return Settings(
        bootstrap_servers=bootstrap,
        app_id=f"it-{run}",
        topic_paragraphs=f"it-{run}-paragraphs",
        topic_tagged=f"it-{run}-paragraphs-tagged",
        topic_mentions=f"it-{run}-story-mentions",
        topic_sink_dlq=f"it-{run}-sink-dead-letters",
        topic_dlq=f"it-{run}-paragraphs-dlq",
        topic_alerts=f"it-{run}-alerts",
        topic_alerts_prefix=f"it-{run}-alerts-",
        state_dir=state_dir,
        **overrides,
    )


@pytest.fixture(scope="module")
def worker(bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    state = tmp_path_factory.mktemp("worker")
    settings = isolated_settings(bootstrap, state, rules_poll_seconds=0.5)
    asyncio.run(ensure_topics(settings))
    process = WorkerProcess(settings, state / "worker.log")
    process.start(ready_timeout=120)
    yield process
    code = process.stop()
    assert code in (0, -15, None), f"worker exited with {code}:\n{process.log_tail()}"
