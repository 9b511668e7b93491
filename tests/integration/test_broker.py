"""The local broker itself: CLI lifecycle in the background, readiness, status."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from stream.broker import BrokerConfig, LocalBroker
from stream.broker.local import free_port
from stream.broker.readiness import is_reachable
from stream.config import Settings
from stream.errors import BrokerError
from stream.topics import ensure_topics

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def broker_cli(action: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "stream", "broker", action], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=150)


def test_status_of_the_session_broker(bootstrap: str):
    assert is_reachable(bootstrap)
    env = {**os.environ, "STREAM_BOOTSTRAP_SERVERS": bootstrap}
    result = broker_cli("status", env)
    assert result.returncode == 0 and "ready=yes" in result.stderr


def test_start_status_stop_in_the_background(tmp_path: Path):
    port = free_port()
    env = {**os.environ, "STREAM_BOOTSTRAP_SERVERS": f"127.0.0.1:{port}", "STREAM_STATE_DIR": str(tmp_path),
           "STREAM_KAFKA_CACHE_DIR": str(REPO / ".cache" / "kafka")}
    try:
        started = broker_cli("start", env)
        assert started.returncode == 0, started.stderr
        assert is_reachable(f"127.0.0.1:{port}")
        assert (tmp_path / "broker" / "broker.pid").exists()
        again = broker_cli("start", env)
        assert again.returncode == 2 and "already running" in again.stderr
    finally:
        stopped = broker_cli("stop", env)
    assert stopped.returncode == 0 and "broker stopped" in stopped.stderr
    assert not is_reachable(f"127.0.0.1:{port}", timeout=2)
    assert broker_cli("status", env).returncode == 1


def test_topic_creation_errors_are_reported_not_swallowed(bootstrap: str):
    run = uuid.uuid4().hex[:8]
    settings = Settings(bootstrap_servers=bootstrap, topic_paragraphs=f"rf-{run}", topic_tagged=f"rf-{run}-t",
                        topic_dlq=f"rf-{run}-d", topic_alerts=f"rf-{run}-a", topic_alerts_prefix=f"rf-{run}-a-",
                        topic_replication_factor=3)  # one broker cannot hold three replicas
    with pytest.raises(BrokerError, match="cannot create topic"):
        asyncio.run(ensure_topics(settings))


def test_a_port_already_in_use_is_refused_before_starting(kafka_broker, tmp_path: Path):
    taken = LocalBroker(BrokerConfig(state_dir=tmp_path, cache_dir=kafka_broker.config.cache_dir,
                                     port=kafka_broker.config.port))
    with pytest.raises(BrokerError, match="already listens"):
        taken.start()
