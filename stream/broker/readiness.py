"""Is a broker there? A TCP connect first, then a real Kafka metadata round trip."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Mapping
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient


def _first_host_port(bootstrap: str) -> tuple[str, int]:
    host, _, port = bootstrap.split(",")[0].strip().rpartition(":")
    return host, int(port)


def tcp_open(bootstrap: str, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(_first_host_port(bootstrap), timeout=timeout):
            return True
    except OSError:
        return False


async def metadata_round_trip(bootstrap: str, timeout: float = 5.0, min_brokers: int = 1,
                              security: Mapping[str, Any] | None = None) -> bool:
    """A DescribeCluster answered with ``min_brokers`` brokers (with the client ``security``
    arguments for a broker that demands TLS or SASL)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000),
                                **(security or {}))
    try:
        await asyncio.wait_for(admin.start(), timeout)
        cluster = await asyncio.wait_for(admin.describe_cluster(), timeout)
        return len(cluster.get("brokers") or ()) >= min_brokers
    except Exception:  # any failure means "not ready yet"
        return False
    finally:
        try:
            await admin.close()
        except Exception:
            pass


def is_reachable(bootstrap: str, timeout: float = 5.0, security: Mapping[str, Any] | None = None) -> bool:
    return tcp_open(bootstrap) and asyncio.run(metadata_round_trip(bootstrap, timeout, security=security))


def wait_until_ready(
    bootstrap: str, timeout: float = 90.0, still_running: Callable[[], bool] = lambda: True, min_brokers: int = 1,
    security: Mapping[str, Any] | None = None,
) -> bool:
    """Poll until a metadata request lists ``min_brokers`` brokers; stop early if a broker died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not still_running():
            return False
        if tcp_open(bootstrap) and asyncio.run(metadata_round_trip(bootstrap, min_brokers=min_brokers,
                                                                   security=security)):
            return True
        time.sleep(0.3)
    return False
