"""Session fixtures: one real Kafka broker for the whole run (never skipped: it fails loudly)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from stream.broker import BrokerConfig, LocalBroker
from stream.broker.local import free_port
from stream.errors import BrokerError

REPO_ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO_ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    """A real single-node KRaft broker on a free port, with a fresh log dir for this session."""
    state = tmp_path_factory.mktemp("kafka")
    cache = Path(os.environ.get("STREAM_KAFKA_CACHE_DIR", REPO_ROOT / ".cache" / "kafka"))
    broker = LocalBroker(BrokerConfig(state_dir=state, cache_dir=cache, port=free_port()))
    try:
        broker.start()
    except BrokerError as exc:
        pytest.fail(f"the Kafka broker for the integration tests could not start: {exc}", pytrace=False)
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def bootstrap(kafka_broker: LocalBroker) -> str:
    return kafka_broker.config.bootstrap


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
