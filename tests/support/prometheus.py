"""A throw-away real Prometheus (Debian's binary), for the deploy tests and the live monitoring test.

``PrometheusServer`` runs ``prometheus`` on 127.0.0.1 on a free port with a generated config that
scrapes given targets as job ``stream-worker``, loads the project's alert rules and serves the
project's consoles. It runs in its own process group with its output in a log file and is stopped
with SIGTERM, then SIGKILL. The config file name contains ``stream-test`` and ``--config.file`` is
the first argument, so CI's ``pkill -f "prometheus --config.file=.*stream-test"`` finds strays.

A missing tool fails the test (never skips) with how to install it.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

from stream.broker.local import free_port
from stream.procs import ManagedProcess
from tests.support.chromium import chromium_flags  # noqa: F401  (tests/support/browser.py imports it from here)
from tests.support.tools import require_tool

REPO = Path(__file__).resolve().parents[2]
PROM_DIR = REPO / "deploy" / "prometheus"
RULES_DIR = PROM_DIR / "rules"
CONSOLES_DIR = PROM_DIR / "consoles"
CONSOLE_LIBS_DIR = PROM_DIR / "console_libraries"
JOB = "stream-worker"


def rule_files() -> list[Path]:
    files = sorted(RULES_DIR.glob("*.yml")) + sorted(RULES_DIR.glob("*.yaml"))
    assert files, f"no rule files in {RULES_DIR}"
    return files


def rule_group_names() -> set[str]:
    return {g["name"] for f in rule_files() for g in (yaml.safe_load(f.read_text()) or {}).get("groups", [])}


class PrometheusServer:
    def __init__(self, workdir: Path, targets: list[str], scrape_interval: str = "1s") -> None:
        self.binary = require_tool("prometheus")
        self.workdir = workdir
        self.targets = targets
        self.scrape_interval = scrape_interval
        self.port = free_port()
        self.config_file = workdir / "prometheus-stream-test.yml"
        self._child = ManagedProcess(workdir / "prometheus.log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_config(self) -> None:
        self.config_file.write_text(yaml.safe_dump({
            "global": {"scrape_interval": self.scrape_interval, "scrape_timeout": self.scrape_interval,
                       "evaluation_interval": self.scrape_interval},
            "rule_files": [str(f) for f in rule_files()],
            "scrape_configs": [{"job_name": JOB, "metrics_path": "/metrics",
                                "static_configs": [{"targets": self.targets}]}],
        }, sort_keys=False))

    def start(self, ready_timeout: float = 30.0) -> "PrometheusServer":
        self.write_config()
        # --config.file first: CI's cleanup matches "prometheus --config.file=.*stream-test".
        self._child.spawn(
            [self.binary, f"--config.file={self.config_file}",
             f"--web.listen-address=127.0.0.1:{self.port}",
             f"--storage.tsdb.path={self.workdir / 'data'}",
             f"--web.console.templates={CONSOLES_DIR}",
             f"--web.console.libraries={CONSOLE_LIBS_DIR}",
             "--log.level=info"],
            cwd=self.workdir,
        )
        self.wait_ready(ready_timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                status, _ = self.get("/-/ready", timeout=1.0)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        pytest.fail(f"prometheus was not ready within {timeout:.0f} s:\n{self.log_tail()}", pytrace=False)

    def check_alive(self) -> None:
        if not self._child.running():
            pytest.fail(f"prometheus exited with code {self._child.returncode}:\n{self.log_tail()}", pytrace=False)

    def stop(self, timeout: float = 10.0) -> int | None:
        return self._child.stop(timeout)

    def log_tail(self, lines: int = 30) -> str:
        return self._child.log_tail(lines)

    # ------------------------------------------------------------------ HTTP API

    def get(self, path: str, timeout: float = 5.0, **params: str) -> tuple[int, bytes]:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        try:
            with urllib.request.urlopen(f"{self.url}{path}{query}", timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def get_text(self, path: str, **params: str) -> tuple[int, str]:
        status, body = self.get(path, **params)
        return status, body.decode()

    def raw_query(self, expr: str) -> tuple[int, dict]:
        """Status and JSON body of an instant query, without asserting success."""
        status, body = self.get("/api/v1/query", query=expr)
        return status, json.loads(body)

    def api(self, path: str, **params: str) -> dict | list:
        status, body = self.get(f"/api/v1/{path}", **params)
        payload = json.loads(body)
        assert status == 200 and payload.get("status") == "success", f"GET /api/v1/{path} {params}: {status} {payload}"
        return payload["data"]

    def query(self, expr: str) -> list[dict]:
        """Instant vector result of ``expr`` (list of {"metric": {...}, "value": [ts, "v"]})."""
        data = self.api("query", query=expr)
        assert data["resultType"] == "vector", f"{expr}: expected a vector, got {data['resultType']}"
        return data["result"]

    def scalar(self, expr: str) -> float | None:
        """The single sample of ``expr``, or None when the result is empty."""
        result = self.query(expr)
        assert len(result) <= 1, f"{expr}: more than one series: {result}"
        return float(result[0]["value"][1]) if result else None

    def by_label(self, expr: str, label: str) -> dict[str, float]:
        return {r["metric"].get(label, ""): float(r["value"][1]) for r in self.query(expr)}

    def wait_for(self, what: str, predicate, timeout: float = 20.0, interval: float = 0.2):
        """Poll ``predicate()`` until it returns a truthy value (returned) or fail with ``what``."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            self.check_alive()
            last = predicate()
            if last:
                return last
            time.sleep(interval)
        pytest.fail(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})\n"
                    f"prometheus log:\n{self.log_tail()}", pytrace=False)
