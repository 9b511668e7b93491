"""A local single-node Apache Kafka (KRaft) broker for development, demos and tests."""

from stream.broker.local import LocalBroker, BrokerConfig
from stream.broker.readiness import wait_until_ready, is_reachable

__all__ = ["LocalBroker", "BrokerConfig", "wait_until_ready", "is_reachable"]
