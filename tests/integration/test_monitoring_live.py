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
from tests.support.chromium import SCREEN, graphs, png_size, render_console, text_by_id
from tests.support.prometheus import JOB, PrometheusServer, rule_group_names

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"
SUMMARY = re.compile(r"replayed (\d+) articles, (\d+) paragraphs")
# For the docs picture (STREAM_UPDATE_DOCS_SCREENSHOT=1) the replay runs slower and the shot waits
# until the graphs hold a minute of data; an ordinary run replays fast and shoots at once.
DOCS_SCREENSHOT = os.environ.get("STREAM_UPDATE_DOCS_SCREENSHOT") == "1"
# Series whose value legitimately moves between two reads (a gauge refreshed by a timer).
MOVING = {"stream_consumer_lag_messages", "stream_broker_contact_age_seconds", "stream_stories_active"}

Key = tuple[str, frozenset]


def worker_samples(worker: WorkerProcess) -> dict[Key, float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(worker.metrics_text()) for s in family.samples}


def total(samples: dict[Key, float], name: str, **labels: str) -> float:
    return sum(v for (n, lbls), v in samples.items() if n == name and set(labels.items()) <= lbls)


PROGRESS = (("stream_paragraphs_consumed_total", {}), ("stream_paragraphs_produced_total", {}),
            ("stream_dead_letters_total", {}), ("stream_stage_duration_seconds_count", {"stage": "route"}),
            ("stream_tags_total", {}), ("stream_story_mentions_total", {}))


def processed_everything(samples: dict[Key, float], paragraphs: int) -> bool:
    """Every replayed paragraph went through every stage: tagged (or dead-lettered), routed as one
    story mention per tag, and each mention handled by the story stage (raised or suppressed)."""
    consumed = total(samples, "stream_paragraphs_consumed_total")
    produced = total(samples, "stream_paragraphs_produced_total")
    dead = total(samples, "stream_dead_letters_total")
    routed = total(samples, "stream_stage_duration_seconds_count", stage="route")
    mentions = total(samples, "stream_story_mentions_total")
    return (consumed == paragraphs and produced + dead == paragraphs and routed == produced
            and mentions == total(samples, "stream_tags_total"))


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
    # A few seconds long rather than one burst, so the console's graphs show it as it happened.
    rate = "1" if DOCS_SCREENSHOT else "5"
    result = subprocess.run([sys.executable, "-m", "stream", "replay", "seeds/", "--rate", rate], env=env, cwd=REPO,
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
            f"the worker did not process {paragraphs} paragraphs in time: "
            + ", ".join(f"{name} {total(samples, name, **labels)}" for name, labels in PROGRESS)
            + f"\n{worker.log_tail()}")
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


def test_console_renders_the_live_numbers_and_graphs_in_chromium(prometheus: PrometheusServer, replay: Replay,
                                                                 worker: WorkerProcess, artifacts_dir: Path,
                                                                 tmp_path: Path):
    # The lag gauge is refreshed by a 5 s timer: make sure Prometheus has it before rendering.
    prometheus.wait_for("the consumer lag series",
                        lambda: prometheus.query(f'stream_consumer_lag_messages{{job="{JOB}"}}'), timeout=15)
    # The graphs' last step must include the settled counters (5 s steps).
    prometheus.wait_for("a scrape 5 s after the replay settled",
                        lambda: (prometheus.scalar(f'timestamp(up{{job="{JOB}"}})') or 0) > replay.scraped_after + 5,
                        timeout=15)
    if DOCS_SCREENSHOT:
        prometheus.wait_for("a minute of scrapes", timeout=90, interval=1,
                            predicate=lambda: prometheus.query(f'count_over_time(up{{job="{JOB}"}}[2m]) >= 60'))
    # The shortest range the graphs take: this worker has run for about a minute.
    url = f"{prometheus.url}/consoles/stream.html?refresh=0&range=1m"
    status, body = prometheus.get("/consoles/stream.html", refresh="0")
    assert status == 200, body[-2000:]
    assert b'http-equiv="refresh"' not in body, "?refresh=0 should turn the page refresh off"

    screenshot = tmp_path / "console-stream.png"
    dom = render_console(url, tmp_path, screenshot)
    artifact = artifacts_dir / "console-stream.png"
    shutil.copyfile(screenshot, artifact)
    if DOCS_SCREENSHOT:
        (REPO / "docs").mkdir(exist_ok=True)
        shutil.copyfile(screenshot, REPO / "docs" / "console-stream.png")
    assert png_size(artifact) == SCREEN and artifact.stat().st_size > 20_000, "screenshot looks empty"

    texts = text_by_id(dom)
    for element_id in ("consumed-total", "produced-total", "lag-total", "latency-p50", "latency-p99",
                       "alerts-total", "tags-total", "dead-letters-total", "stories-active", "story-mentions-total"):
        assert texts.get(element_id), f"#{element_id} is missing or empty in the rendered console"
    assert texts["consumed-total"] == str(replay.paragraphs), texts["consumed-total"]
    assert texts["alerts-total"] == str(len(replay.alerts)), texts["alerts-total"]
    assert texts["produced-total"] == str(int(total(replay.worker, "stream_paragraphs_produced_total")))
    assert texts["dead-letters-total"] == str(int(total(replay.worker, "stream_dead_letters_total")))
    assert texts["story-mentions-total"] == str(int(total(replay.worker, "stream_story_mentions_total")))
    assert texts["stories-active"] == str(int(total(worker_samples(worker), "stream_stories_active")))  # timer-set
    assert NUMBER.match(texts["lag-total"]), f"lag-total is not a number: {texts['lag-total']!r}"
    for element_id in ("latency-p50", "latency-p95", "latency-p99"):
        assert DURATION.match(texts[element_id]), f"{element_id} is not a duration: {texts[element_id]!r}"
    assert texts["workers"].endswith("UP") and f"127.0.0.1:{worker.settings.web_port}" in texts["workers"], \
        texts["workers"]
    assert texts["rules-version"] != "Rules: unknown" and "unknown" not in texts["build"], texts

    # The graphs, drawn by the console's script from /api/v1/query_range: a line through >= 2 points
    # in every series of every graph that has data; this worker has no sink, so that graph says so.
    drawn = graphs(dom)
    assert {g: d.error for g, d in drawn.items() if d.error} == {}, "a graph query failed"
    sinks = drawn.pop("graph-sinks")
    assert not sinks.paths and "no data in this range" in sinks.text
    assert set(drawn) == {"graph-throughput", "graph-lag", "graph-latency", "graph-alerts", "graph-stories"}
    assert not {g: d.thin_paths() or "no path" for g, d in drawn.items() if not d.paths or d.thin_paths()}
    assert set(drawn["graph-throughput"].paths) == {"consumed", "produced (tagged)"}
    assert set(drawn["graph-latency"].paths) == {"p50", "p95", "p99"}
    alerted = {a.category for a in replay.alerts}
    assert alerted <= set(drawn["graph-alerts"].paths), (alerted, drawn["graph-alerts"].paths.keys())
    assert worker.settings.topic_paragraphs in drawn["graph-lag"].paths
