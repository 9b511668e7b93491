"""``stream demo``, the main job, end to end: it starts its own broker, shows alerts, exits 0."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from stream.broker.local import free_port
from stream.broker.readiness import is_reachable
from stream.worker.process import settings_env

from .conftest import isolated_settings

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def test_demo_starts_a_broker_replays_seeds_and_prints_alerts_and_summary(tmp_path: Path):
    bootstrap = f"127.0.0.1:{free_port()}"
    assert not is_reachable(bootstrap, timeout=1)
    settings = isolated_settings(bootstrap, tmp_path, kafka_cache_dir=REPO / ".cache" / "kafka")
    env = {**os.environ, **settings_env(settings), "COLUMNS": "200"}
    result = subprocess.run([sys.executable, "-m", "stream", "demo", "--timeout", "90"], env=env, cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "starting the local Kafka broker" in output and "stopping the local Kafka broker" in output
    alert_lines = re.findall(r"^\d\d:\d\d:\d\d  (?:high|medium|low)\s+(arms_trade|sanctions) ", output, re.MULTILINE)
    assert {"arms_trade", "sanctions"} <= set(alert_lines), output
    assert "summary (from http://127.0.0.1:" in output
    assert "were tagged within" not in output, output  # every paragraph came back in time
    assert not is_reachable(bootstrap, timeout=1), "the demo left its broker running"


def test_demo_exits_non_zero_when_paragraphs_do_not_come_back_in_time(bootstrap: str, tmp_path: Path):
    settings = isolated_settings(bootstrap, tmp_path)
    env = {**os.environ, **settings_env(settings), "COLUMNS": "200"}
    result = subprocess.run([sys.executable, "-m", "stream", "demo", "--timeout", "0"], env=env, cwd=REPO,
                            capture_output=True, text=True, timeout=240)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "did not come back within 0 s" in output and "Traceback" not in output
