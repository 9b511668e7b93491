"""A throw-away real Alertmanager (Debian's ``prometheus-alertmanager``) for the sink tests.

``AlertmanagerServer`` runs the binary on 127.0.0.1 on a free port with the project's
``deploy/alertmanager/alertmanager.yml`` (routes and inhibit rules as shipped; receivers emptied so
nothing is sent anywhere), storage in a temporary directory and clustering disabled
(``--cluster.listen-address=``). It runs in its own process group, output in a log file, and is
stopped with SIGTERM, then SIGKILL. The config file name contains ``stream-test`` and
``--config.file`` is the first argument, so CI's
``pkill -f "prometheus-alertmanager --config.file=.*stream-test"`` finds strays.

A missing tool fails the test (never skips) with how to install it.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from stream.broker.local import free_port
from stream.procs import ManagedProcess
from tests.support.tools import require_tool

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "deploy" / "alertmanager" / "alertmanager.yml"
BINARY = "/usr/bin/prometheus-alertmanager"


def quiet_config(source: Path = CONFIG) -> dict:
    """The shipped config with every receiver's integrations removed (a test notifies nobody)."""
    config = yaml.safe_load(source.read_text())
    config["receivers"] = [{"name": r["name"]} for r in config["receivers"]]
    return config


class AlertmanagerServer:
    def __init__(self, workdir: Path) -> None:
        self.binary = require_tool("prometheus-alertmanager", BINARY)
        self.workdir = workdir
        self.port = free_port()
        self.config_file = workdir / "alertmanager-stream-test.yml"
        self._child = ManagedProcess(workdir / "alertmanager.log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_timeout: float = 30.0) -> "AlertmanagerServer":
        self.config_file.write_text(yaml.safe_dump(quiet_config(), sort_keys=False))
        # --config.file first: CI's cleanup matches "prometheus-alertmanager --config.file=.*stream-test".
        self._child.spawn(
            [self.binary, f"--config.file={self.config_file}",
             f"--storage.path={self.workdir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}",
             "--cluster.listen-address=",
             "--log.level=info"],
            cwd=self.workdir,
        )
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if self.get("/-/ready")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        pytest.fail(f"alertmanager was not ready within {ready_timeout:.0f} s:\n{self.log_tail()}", pytrace=False)

    def check_alive(self) -> None:
        if not self._child.running():
            pytest.fail(f"alertmanager exited with code {self._child.returncode}:\n{self.log_tail()}", pytrace=False)

    def stop(self, timeout: float = 10.0) -> int | None:
        return self._child.stop(timeout)

    def log_tail(self, lines: int = 30) -> str:
        return self._child.log_tail(lines)

    def get(self, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def post(self, alerts: list[dict]) -> None:
        """POST /api/v2/alerts directly (as Prometheus would)."""
        request = urllib.request.Request(f"{self.url}/api/v2/alerts", data=json.dumps(alerts).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=5.0) as response:
            assert response.status == 200, response.read()

    def alerts(self) -> list[dict]:
        """GET /api/v2/alerts: every alert it holds, active, silenced and inhibited ones included."""
        status, body = self.get("/api/v2/alerts")
        assert status == 200, f"GET /api/v2/alerts: {status} {body[:300]!r}"
        return json.loads(body)

    def alerts_by_id(self) -> dict[str, dict]:
        """Alerts it holds, by their ``alert_id`` annotation."""
        return {a["annotations"].get("alert_id", ""): a for a in self.alerts()}
