"""Shared helpers for tests/deploy (fixtures re-exported by conftest.py): tool lookup (a missing tool fails, never skips),
the metric names the worker really exports, and a throw-away Prometheus scraping a fake worker
that serves the real metrics (stream.metrics.build_metrics) with one sample on each."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from prometheus_client import generate_latest

from stream.broker.local import free_port
from stream.metrics import Metrics, build_metrics, prime, record_build_info
from tests.support.prometheus import PrometheusServer
from tests.support.tools import INSTALL_HINT, require_tool

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
PROM_DIR = DEPLOY / "prometheus"
RULES_FILE = PROM_DIR / "rules" / "stream-alerts.yml"
RULES_TEST_FILE = PROM_DIR / "tests" / "stream-alerts.test.yml"
CONSOLES_DIR = PROM_DIR / "consoles"
CONSOLE_LIBS_DIR = PROM_DIR / "console_libraries"
GRAFANA_DASHBOARD = DEPLOY / "grafana" / "dashboards" / "stream.json"


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

SINKS = ("alertmanager", "webhook")


def populated_metrics() -> Metrics:
    """Every worker metric with samples (real label values): primed like the worker primes them
    (with two sinks enabled), plus some increments, so every family and label set shows up."""
    m = build_metrics()
    prime(m, dead_letter_reasons=("invalid_json", "schema"), consumed_topics=("paragraphs",),
          produced_topics=("paragraphs-tagged",), sinks=SINKS)
    m.paragraphs_consumed.labels(topic="paragraphs").inc(42)
    m.paragraphs_produced.labels(topic="paragraphs-tagged").inc(40)
    m.tags.labels(category="arms_trade", stance="asserted").inc(7)
    m.tags.labels(category="sanctions", stance="denied").inc(3)
    m.alerts.labels(category="arms_trade", severity="high").inc(2)
    m.alerts.labels(category="sanctions", severity="critical").inc()
    m.alerts_suppressed.labels(category="sanctions", reason="duplicate").inc()
    m.alerts_suppressed.labels(category="arms_trade", reason="in_window").inc(3)
    m.alerts_escalated.labels(category="arms_trade", reason="corroborated").inc()
    m.story_mentions.labels(category="arms_trade").inc(6)
    m.story_mentions.labels(category="sanctions").inc(2)
    m.stories_active.set(4)
    m.sink_deliveries.labels(sink="webhook", outcome="delivered").inc(3)
    m.sink_deliveries.labels(sink="webhook", outcome="retried").inc(2)
    m.sink_deliveries.labels(sink="alertmanager", outcome="delivered").inc(3)
    m.sink_deliveries.labels(sink="alertmanager", outcome="failed").inc()
    m.sink_delivery_duration.labels(sink="webhook").observe(0.04)
    m.sink_delivery_duration.labels(sink="alertmanager").observe(0.2)
    m.live_clients.set(2)
    m.broker_contact_age.set(1.5)
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


@pytest.fixture(scope="session")
def prometheus(fake_worker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    """A real Prometheus (the Debian one) with our rules and consoles, scraping the fake worker
    every second as job stream-worker; ready once two scrapes have landed."""
    server = PrometheusServer(tmp_path_factory.mktemp("prometheus"), [fake_worker]).start()
    try:
        # Target discovery alone takes ~5 s.
        server.wait_for("two scrapes of the fake worker",
                        lambda: server.query('count_over_time(up{job="stream-worker"}[1m]) >= 2'), timeout=25)
        yield server
    finally:
        server.stop()
