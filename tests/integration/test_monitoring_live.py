"""Live monitoring on the real broker: a real worker, a real Prometheus scraping it with the
project's rules and consoles, the seeds replayed, and the console rendered in headless Chromium.

Checks that what Prometheus stored equals the worker's own /metrics and the topics' contents, that
the alert rules are loaded and quiet, and that the console page shows the live numbers.
The screenshot goes to test-artifacts/console-stream.png (and docs/console-stream.png when
STREAM_UPDATE_DOCS_SCREENSHOT=1).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import struct
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from stream.models import Alert
from stream.worker.process import WorkerProcess, settings_env

from .helpers import consume_until
from tests.support.tools import require_tool
from tests.support.prometheus import JOB, PrometheusServer, finish, rule_group_names, start_chromium, text_by_id

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
SUMMARY = re.compile(r"replayed (\d+) articles, (\d+) paragraphs")
# Series whose value legitimately moves between two reads (a gauge refreshed by a timer).
MOVING = {"stream_consumer_lag_messages"}

Key = tuple[str, frozenset]


def worker_samples(worker: WorkerProcess) -> dict[Key, float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(worker.metrics_text()) for s in family.samples}


def total(samples: dict[Key, float], name: str, **labels: str) -> float:
    return sum(v for (n, lbls), v in samples.items() if n == name and set(labels.items()) <= lbls)


def processed_everything(samples: dict[Key, float], paragraphs: int) -> bool:
    """Every replayed paragraph went through both stages (tagged or dead-lettered, then alerted)."""
    consumed = total(samples, "stream_paragraphs_consumed_total")
    produced = total(samples, "stream_paragraphs_produced_total")
    dead = total(samples, "stream_dead_letters_total")
    alert_stage = total(samples, "stream_stage_duration_seconds_count", stage="alert")
    return consumed == paragraphs and produced + dead == paragraphs and alert_stage == produced


@dataclass
class Replay:
    articles: int
    paragraphs: int
    worker: dict[Key, float]            # the worker's /metrics once everything was processed
    alerts: list[Alert]                 # the combined alert topic
    scraped_after: float                # unix time after which Prometheus scraped at least once


@pytest.fixture(scope="module")
def prometheus(worker: WorkerProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    """A real Prometheus scraping the module's worker every second; yielded once it has scraped it."""
    server = PrometheusServer(tmp_path_factory.mktemp("prometheus-stream-test"),
                              targets=[f"127.0.0.1:{worker.settings.web_port}"])
    try:
        server.start(ready_timeout=30)
        # Target discovery is batched (about 5 s) before the first scrape.
        server.wait_for("the first scrape of the worker",
                        lambda: server.scalar(f'up{{job="{JOB}"}}') == 1.0, timeout=30)
        yield server
    finally:
        code = server.stop()
        assert code in (0, -15, None), f"prometheus exited with {code}:\n{server.log_tail()}"


@pytest.fixture(scope="module")
def replay(worker: WorkerProcess, prometheus: PrometheusServer) -> Replay:
    """`stream replay seeds/` with the worker's settings while Prometheus scrapes, then everything settled."""
    env = {**os.environ, **settings_env(worker.settings)}
    result = subprocess.run([sys.executable, "-m", "stream", "replay", "seeds/"], env=env, cwd=REPO,
                            capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stderr
    match = SUMMARY.search(result.stderr)
    assert match, f"no summary line on stderr: {result.stderr!r}"
    articles, paragraphs = int(match.group(1)), int(match.group(2))
    assert articles >= 1 and paragraphs >= articles

    # Wait until the worker has processed every paragraph and its counters stop moving.
    deadline = time.monotonic() + 60
    previous: dict[Key, float] | None = None
    while True:
        samples = {k: v for k, v in worker_samples(worker).items() if k[0] not in MOVING}
        if processed_everything(samples, paragraphs) and samples == previous:
            break
        assert time.monotonic() < deadline, (
            f"the worker did not process {paragraphs} paragraphs in time: consumed "
            f"{total(samples, 'stream_paragraphs_consumed_total')}\n{worker.log_tail()}")
        previous = samples if processed_everything(samples, paragraphs) else None
        time.sleep(0.4)

    s = worker.settings
    expected_alerts = int(total(samples, "stream_alerts_total"))
    records = asyncio.run(consume_until(s.bootstrap_servers, s.topic_alerts,
                                        lambda r: len(r) >= expected_alerts, timeout=30))
    alerts = [Alert.model_validate_json(r.value) for r in records]

    # Prometheus must have scraped the worker after the counters settled.
    settled = time.time()
    prometheus.wait_for("a scrape of the worker after the replay",
                        lambda: (prometheus.scalar(f'timestamp(up{{job="{JOB}"}})') or 0) > settled, timeout=15)
    return Replay(articles, paragraphs, samples, alerts, settled)


def test_prometheus_scrapes_the_live_worker(prometheus: PrometheusServer, replay: Replay, worker: WorkerProcess):
    assert prometheus.scalar(f'up{{job="{JOB}"}}') == 1.0
    targets = prometheus.api("targets", state="active")["activeTargets"]
    [target] = [t for t in targets if t["labels"]["job"] == JOB]
    assert target["health"] == "up", target
    assert target["scrapeUrl"] == f"{worker.base_url}/metrics"


def test_prometheus_counters_match_the_replay_and_the_alert_topic(prometheus: PrometheusServer, replay: Replay,
                                                                  worker: WorkerProcess):
    consumed = prometheus.scalar(f'sum(stream_paragraphs_consumed_total{{job="{JOB}"}})')
    assert consumed == replay.paragraphs, f"Prometheus has {consumed} consumed, replay sent {replay.paragraphs}"

    by_topic = prometheus.by_label(f'sum by (topic) (stream_paragraphs_consumed_total{{job="{JOB}"}})', "topic")
    assert by_topic == {worker.settings.topic_paragraphs: replay.paragraphs}, by_topic
    # The counters start at zero before the first record, so the whole burst shows in increase().
    burst = prometheus.scalar(f'sum(increase(stream_paragraphs_consumed_total{{job="{JOB}"}}[5m]))')
    assert burst is not None and burst > 0, burst

    produced = prometheus.scalar(f'sum(stream_paragraphs_produced_total{{job="{JOB}"}})')
    dead = prometheus.scalar(f'sum(stream_dead_letters_total{{job="{JOB}"}})')
    assert produced is not None and dead is not None
    assert produced + dead == replay.paragraphs

    on_topic = Counter(a.category for a in replay.alerts)
    assert on_topic, "the seeds raised no alert at all"
    in_prometheus = prometheus.by_label(f'sum by (category) (stream_alerts_total{{job="{JOB}"}})', "category")
    assert {c: v for c, v in in_prometheus.items() if v} == dict(on_topic), (in_prometheus, on_topic)
    assert prometheus.scalar(f'sum(stream_alerts_total{{job="{JOB}"}})') == len(replay.alerts)
    # Every published alert was timed end to end.
    timed = prometheus.by_label(f'sum by (category) (stream_end_to_end_latency_seconds_count{{job="{JOB}"}})',
                                "category")
    assert {c: v for c, v in timed.items() if v} == dict(on_topic)


def test_prometheus_holds_exactly_the_worker_metrics(prometheus: PrometheusServer, replay: Replay):
    stored: dict[Key, float] = {}
    for series in prometheus.query(f'{{__name__=~"stream_.*", job="{JOB}"}}'):
        labels = {k: v for k, v in series["metric"].items() if k not in ("__name__", "job", "instance")}
        stored[(series["metric"]["__name__"], frozenset(labels.items()))] = float(series["value"][1])
    stored = {k: v for k, v in stored.items() if k[0] not in MOVING}
    missing = sorted(str(k) for k in replay.worker.keys() - stored.keys())
    extra = sorted(str(k) for k in stored.keys() - replay.worker.keys())
    assert not missing and not extra, f"series only on /metrics: {missing}\nonly in Prometheus: {extra}"
    different = {str(k): (replay.worker[k], v) for k, v in stored.items() if v != replay.worker[k]}
    assert not different, f"(worker, prometheus) differ: {different}"


def test_promtool_finds_nothing_wrong_with_the_live_metrics(replay: Replay, worker: WorkerProcess):
    promtool = require_tool("promtool")
    result = subprocess.run([promtool, "check", "metrics"], input=worker.metrics_text(), capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), result.stdout + result.stderr


def test_alert_rules_are_loaded_and_the_worker_is_not_down(prometheus: PrometheusServer, replay: Replay):
    expected = rule_group_names()
    assert {"stream-recording", "stream-alerts"} <= expected

    def evaluated() -> list[dict] | None:
        groups = prometheus.api("rules")["groups"]
        down = [r for g in groups for r in g["rules"] if r["name"] == "StreamWorkerDown"]
        return groups if down and down[0]["health"] == "ok" else None

    groups = prometheus.wait_for("StreamWorkerDown to be evaluated", evaluated, timeout=10)
    assert {g["name"] for g in groups} == expected
    broken = [(r["name"], r.get("lastError")) for g in groups for r in g["rules"] if r["health"] == "err"]
    assert not broken, broken
    [down] = [r for g in groups for r in g["rules"] if r["name"] == "StreamWorkerDown"]
    assert down["type"] == "alerting" and down["state"] == "inactive" and not down["alerts"], down
    firing = [a for a in prometheus.api("alerts")["alerts"] if a["labels"]["alertname"] == "StreamWorkerDown"]
    assert not firing, firing
    assert prometheus.query('ALERTS{alertname="StreamWorkerDown"}') == []


NUMBER = re.compile(r"^\d+(\.\d+)?$")
DURATION = re.compile(r"^(\d+(\.\d+)?)(ns|us|µs|ms|s)$|^(\d+[dhm] )*\d+(\.\d+)?s$")


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_console_renders_the_live_numbers_in_chromium(prometheus: PrometheusServer, replay: Replay,
                                                      worker: WorkerProcess, artifacts_dir: Path,
                                                      tmp_path: Path):
    # The lag gauge is refreshed by a 5 s timer: make sure Prometheus has it before rendering.
    prometheus.wait_for("the consumer lag series",
                        lambda: prometheus.query(f'stream_consumer_lag_messages{{job="{JOB}"}}'), timeout=15)
    url = f"{prometheus.url}/consoles/stream.html?refresh=0"
    status, body = prometheus.get("/consoles/stream.html", refresh="0")
    assert status == 200, body[-2000:]
    assert b'http-equiv="refresh"' not in body, "?refresh=0 should turn the page refresh off"

    screenshot = tmp_path / "console-stream.png"
    shot = start_chromium(tmp_path / "profile-shot", f"--screenshot={screenshot}", url)
    dump = start_chromium(tmp_path / "profile-dom", "--dump-dom", url)
    dump_code, dom, dump_err = finish(dump)
    shot_code, _, shot_err = finish(shot)
    assert dump_code == 0 and "</html>" in dom, f"chromium --dump-dom failed ({dump_code}): {dump_err[-2000:]}"
    assert shot_code == 0 and screenshot.is_file(), f"chromium --screenshot failed ({shot_code}): {shot_err[-2000:]}"

    artifact = artifacts_dir / "console-stream.png"
    shutil.copyfile(screenshot, artifact)
    if os.environ.get("STREAM_UPDATE_DOCS_SCREENSHOT") == "1":
        (REPO / "docs").mkdir(exist_ok=True)
        shutil.copyfile(screenshot, REPO / "docs" / "console-stream.png")
    assert png_size(artifact) == (1400, 2000) and artifact.stat().st_size > 20_000, "screenshot looks empty"

    texts = text_by_id(dom)
    for element_id in ("consumed-total", "produced-total", "lag-total", "latency-p50", "latency-p99",
                       "alerts-total", "tags-total", "dead-letters-total"):
        assert texts.get(element_id), f"#{element_id} is missing or empty in the rendered console"
    assert texts["consumed-total"] == str(replay.paragraphs), texts["consumed-total"]
    assert texts["alerts-total"] == str(len(replay.alerts)), texts["alerts-total"]
    assert texts["produced-total"] == str(int(total(replay.worker, "stream_paragraphs_produced_total")))
    assert texts["dead-letters-total"] == str(int(total(replay.worker, "stream_dead_letters_total")))
    assert NUMBER.match(texts["lag-total"]), f"lag-total is not a number: {texts['lag-total']!r}"
    for element_id in ("latency-p50", "latency-p95", "latency-p99"):
        assert DURATION.match(texts[element_id]), f"{element_id} is not a duration: {texts[element_id]!r}"
    assert texts["workers"].endswith("UP") and f"127.0.0.1:{worker.settings.web_port}" in texts["workers"], \
        texts["workers"]
    assert texts["rules-version"] != "Rules: unknown" and "unknown" not in texts["build"], texts
