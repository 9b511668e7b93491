"""``stream demo``, the main job, end to end: it starts its own broker, shows alerts, exits 0."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stream.broker.local import free_port
from stream.broker.readiness import is_reachable
from stream.worker.process import http_get, settings_env

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
    alert_lines = re.findall(r"^\d\d:\d\d:\d\d  (?:critical|high|medium|low)\s+(arms_trade|sanctions) ", output, re.MULTILINE)
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


def test_keep_running_leaves_metrics_up_until_ctrl_c(bootstrap: str, tmp_path: Path):
    settings = isolated_settings(bootstrap, tmp_path)
    env = {**os.environ, **settings_env(settings), "COLUMNS": "200"}
    log = tmp_path / "demo.out"
    with log.open("w") as out:
        demo = subprocess.Popen([sys.executable, "-m", "stream", "demo", "--keep-running"], env=env, cwd=REPO,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while "keep running" not in log.read_text():
            assert demo.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        time.sleep(1)  # still up after the summary
        status, body = http_get(f"http://{settings.web_host}:{settings.web_port}/metrics")
        assert status == 200 and b"stream_paragraphs_consumed_total" in body
        demo.send_signal(signal.SIGINT)
        assert demo.wait(60) == 0, log.read_text()
    finally:
        if demo.poll() is None:
            demo.kill()
    with pytest.raises(OSError):  # the worker went away with the demo
        http_get(f"http://{settings.web_host}:{settings.web_port}/metrics", timeout=1)
