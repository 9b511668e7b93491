"""Shared helpers for tests/deploy (fixtures re-exported by conftest.py): tool lookup (a missing tool fails, never skips),
the metric names the worker really exports, and a throw-away Prometheus scraping a fake worker
that serves the real metrics (stream.metrics.build_metrics) with one sample on each."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from prometheus_client import generate_latest

from stream.metrics import Metrics, build_metrics, record_build_info

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
PROM_DIR = DEPLOY / "prometheus"
RULES_FILE = PROM_DIR / "rules" / "stream-alerts.yml"
RULES_TEST_FILE = PROM_DIR / "tests" / "stream-alerts.test.yml"
CONSOLES_DIR = PROM_DIR / "consoles"
CONSOLE_LIBS_DIR = PROM_DIR / "console_libraries"
GRAFANA_DASHBOARD = DEPLOY / "grafana" / "dashboards" / "stream.json"
INSTALL_HINT = "run `bash scripts/install-test-tools.sh` (as root) to install it"


def require_tool(name: str, *extra_paths: Path) -> str:
    """Absolute path of a tool, or fail (not skip) the test with how to install it."""
    for p in extra_paths:
        if p.is_file() and p.stat().st_mode & 0o111:
            return str(p)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} not found on PATH: {INSTALL_HINT}", pytrace=False)
    return found


def kustomize_cmd() -> list[str]:
    """`kustomize build` from .cache/bin (scripts/install-test-tools.sh), else `kubectl kustomize`."""
    local = REPO / ".cache" / "bin" / "kustomize"
    if local.is_file():
        return [str(local), "build"]
    if shutil.which("kustomize"):
        return [shutil.which("kustomize"), "build"]  # type: ignore[list-item]
    if shutil.which("kubectl"):
        return [shutil.which("kubectl"), "kustomize"]  # type: ignore[list-item]
    pytest.fail(f"neither kustomize ({local}) nor kubectl found: {INSTALL_HINT}", pytrace=False)


def run(cmd: list[str], timeout: float = 30, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)


# ---------------------------------------------------------------- metrics the worker exports

def populated_metrics() -> Metrics:
    """Every worker metric with one sample, so labelled metrics show up in the exposition."""
    m = build_metrics()
    m.paragraphs_consumed.labels(topic="paragraphs").inc(42)
    m.paragraphs_produced.labels(topic="paragraphs-tagged").inc(40)
    m.tags.labels(category="arms_trade", stance="supportive").inc(7)
    m.tags.labels(category="sanctions", stance="neutral").inc(3)
    m.alerts.labels(category="arms_trade", severity="high").inc(2)
    m.alerts_suppressed.labels(category="sanctions", reason="duplicate").inc()
    m.dead_letters.labels(reason="invalid_json").inc()
    m.stage_duration.labels(stage="tag").observe(0.0003)
    m.stage_duration.labels(stage="alert").observe(0.002)
    m.end_to_end_latency.labels(category="arms_trade").observe(0.3)
    m.consumer_lag.labels(topic="paragraphs", partition="0").set(5)
    m.consumer_lag.labels(topic="paragraphs", partition="1").set(0)
    m.rebalances.inc()
    m.rules_reloads.labels(outcome="success").inc()
    m.rules_info.info({"version": "1.0.0-test"})
    record_build_info(m, "0.1.0", "0.11.3")
    return m


def exposition_names(text: str) -> set[str]:
    names = set()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            names.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0))  # type: ignore[union-attr]
    return names


# Series Prometheus itself adds that the queries may use.
PROMETHEUS_BUILTINS = {"up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds", "scrape_samples_scraped"}


@pytest.fixture(scope="session")
def exported_names() -> set[str]:
    return exposition_names(generate_latest(populated_metrics().registry).decode())


@pytest.fixture(scope="session")
def rules_doc() -> dict:
    return yaml.safe_load(RULES_FILE.read_text())


@pytest.fixture(scope="session")
def recorded_names(rules_doc: dict) -> set[str]:
    return {r["record"] for g in rules_doc["groups"] for r in g["rules"] if "record" in r}


# ---------------------------------------------------------------- fake worker + Prometheus

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def fake_worker() -> Iterator[str]:
    """HTTP server on a free loopback port serving the real metrics, like `stream worker`."""
    metrics = populated_metrics()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path.startswith("/metrics"):
                metrics.paragraphs_consumed.labels(topic="paragraphs").inc(5)  # a moving counter
                body, ctype = generate_latest(metrics.registry), "text/plain; version=0.0.4"
            else:
                body, ctype = b"ok\n", "text/plain"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Prom:
    def __init__(self, url: str) -> None:
        self.url = url

    def get(self, path: str, **params: str) -> tuple[int, str]:
        q = f"?{urllib.parse.urlencode(params)}" if params else ""
        try:
            with urllib.request.urlopen(f"{self.url}{path}{q}", timeout=10) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def query(self, expr: str) -> tuple[int, dict]:
        status, body = self.get("/api/v1/query", query=expr)
        return status, json.loads(body)


@pytest.fixture(scope="session")
def prometheus(fake_worker: str) -> Iterator[Prom]:
    """A real Prometheus (the Debian one) on a free port, with our rules and consoles, scraping
    the fake worker every second as job stream-worker; ready once two scrapes have landed."""
    binary = require_tool("prometheus")
    with tempfile.TemporaryDirectory(prefix="stream-prom-") as tmp:
        config = Path(tmp) / "prometheus.yml"
        config.write_text(yaml.safe_dump({
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(RULES_FILE)],
            "scrape_configs": [{"job_name": "stream-worker", "static_configs": [{"targets": [fake_worker]}]}],
        }))
        port = free_port()
        log = open(Path(tmp) / "prometheus.log", "w")
        proc = subprocess.Popen(
            [binary, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}",
             f"--storage.tsdb.path={tmp}/data", f"--web.console.templates={CONSOLES_DIR}",
             f"--web.console.libraries={CONSOLE_LIBS_DIR}"],
            stdout=log, stderr=subprocess.STDOUT,
        )
        prom = Prom(f"http://127.0.0.1:{port}")
        try:
            deadline = time.monotonic() + 25  # target discovery alone takes ~5 s
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"prometheus exited: {(Path(tmp) / 'prometheus.log').read_text()[-2000:]}")
                try:
                    _, data = prom.query('count_over_time(up{job="stream-worker"}[1m]) >= 2')
                    if data.get("data", {}).get("result"):
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"prometheus scraped nothing: {(Path(tmp) / 'prometheus.log').read_text()[-2000:]}")
                time.sleep(0.25)
            yield prom
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
