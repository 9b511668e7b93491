"""The local broker itself: CLI lifecycle in the background, readiness, status."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from stream.broker.local import free_port
from stream.broker.readiness import is_reachable

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
