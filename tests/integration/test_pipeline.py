"""End to end on the real broker: replay -> worker -> alert topics, dead letters, /metrics.

Every wait is for a set derived from what was sent (deterministic event ids, the story keys of
their tags), never for "at least N records", so a slow machine only makes the tests slower.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from stream.alerting.stories import mentions_of
from stream.ingest.readers import read_articles
from stream.ingest.splitter import article_events
from stream.models import Alert, DeadLetter, TaggedParagraph
from stream.worker.process import WorkerProcess, http_get, settings_env

from .helpers import consume_until, produce

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "seeds" / "putin-lukashenko-sochi-north-korea.txt"
PROBE_ID = "probe-after-bad"


def stream_cli(worker: WorkerProcess, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **settings_env(worker.settings)}
    return subprocess.run([sys.executable, "-m", "stream", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


def read_until(worker: WorkerProcess, topic: str, model, done, timeout: float = 60.0) -> list:
    """Records of ``topic`` decoded with ``model`` once ``done(decoded)`` holds (or the timeout)."""
    s = worker.settings
    records = asyncio.run(consume_until(
        s.bootstrap_servers, topic, lambda rs: done([model.model_validate_json(r.value) for r in rs]), timeout))
    return [model.model_validate_json(r.value) for r in records]


def alert_ids(alerts: list[Alert]) -> set[str]:
    return {a.alert_id for a in alerts}


def story_keys(alerts: list[Alert]) -> set[str | None]:
    return {a.story_key for a in alerts}


def event_ids(alerts: list[Alert]) -> set[str]:
    return {a.event_id for a in alerts}


@dataclass(frozen=True)
class SeedRun:
    paragraphs: list[str]
    expected_alerts: dict[str, str]  # alert_id -> category: the alerts of the stories its tags belong to


@pytest.fixture(scope="module")
def seed_replayed(worker: WorkerProcess) -> SeedRun:
    """Replay the seed article and wait until all its paragraphs and alerts went through."""
    result = stream_cli(worker, "replay", str(SEED))
    assert result.returncode == 0, result.stderr
    assert "replayed 1 articles, 5 paragraphs" in result.stderr
    [article] = read_articles([SEED])
    event_ids = {e.event_id for e in article_events(article)}
    tagged = read_until(worker, worker.settings.topic_tagged, TaggedParagraph,
                        lambda ps: event_ids <= {p.event_id for p in ps})
    assert event_ids <= {p.event_id for p in tagged}, worker.log_tail()
    stories = {m.story_key for p in tagged if p.event_id in event_ids for m in mentions_of(p)}
    alerts = read_until(worker, worker.settings.topic_alerts, Alert, lambda a: stories <= story_keys(a))
    assert stories <= story_keys(alerts), worker.log_tail()
    expected = {a.alert_id: a.category for a in alerts if a.story_key in stories}
    return SeedRun(article.paragraphs, expected)


def test_seed_article_raises_both_categories_with_evidence_in_the_right_paragraph(worker, seed_replayed):
    s = worker.settings
    by_category: dict[str, list[Alert]] = {}
    for category in ("arms_trade", "sanctions"):
        wanted = {i for i, c in seed_replayed.expected_alerts.items() if c == category}
        assert wanted, f"the seed article raised no {category} alert"
        found = read_until(worker, s.alert_topic_for(category), Alert, lambda a, w=wanted: w <= alert_ids(a))
        assert wanted <= alert_ids(found), worker.log_tail()
        assert {a.category for a in found} == {category}
        by_category[category] = [a for a in found if a.alert_id in wanted]
    for alert in by_category["arms_trade"] + by_category["sanctions"]:
        paragraph = seed_replayed.paragraphs[alert.paragraph_index]
        assert alert.article_id == SEED.stem
        for ev in alert.evidence:
            assert paragraph[ev.start : ev.end] == ev.text
    # The ammunition-supply paragraph (the fourth) is the one that mentions both.
    assert 3 in {a.paragraph_index for a in by_category["arms_trade"]}
    assert 3 in {a.paragraph_index for a in by_category["sanctions"]}


def test_malformed_message_goes_to_dead_letters_and_the_worker_goes_on(worker, seed_replayed):
    s = worker.settings
    bad = b'{"this is": "not a paragraph event"'
    valid = json.dumps({
        "event_id": PROBE_ID, "article_id": "probe", "paragraph_index": 0, "paragraph_count": 1,
        "text": "Customs officers seized a shipment of smuggled rifles bound for the rebels.",
        "ingested_at": "2024-05-01T10:00:00Z",
    }).encode()
    asyncio.run(produce(s.bootstrap_servers, s.topic_paragraphs, [(b"probe", bad), (b"probe", valid)]))

    letters = read_until(worker, s.topic_dlq, DeadLetter, lambda d: len(d) >= 1)
    [letter] = [d for d in letters if base64.b64decode(d.payload_b64) == bad]
    assert letter.reason == "invalid_json" and letter.error and not letter.payload_truncated
    assert letter.topic == s.topic_paragraphs and letter.offset >= 0 and letter.partition >= 0
    assert letter.payload_size == len(bad)

    tagged = read_until(worker, s.topic_tagged, TaggedParagraph, lambda ps: PROBE_ID in {p.event_id for p in ps})
    [probe] = [p for p in tagged if p.event_id == PROBE_ID] or [None]
    assert probe is not None, f"the valid record after the bad one was lost:\n{worker.log_tail()}"
    assert [t.category for t in probe.tags] == ["arms_trade"]
    # The probe names nobody: its story is its own article, so it raises an alert of its own.
    assert PROBE_ID in event_ids(read_until(worker, s.topic_alerts, Alert, lambda a: PROBE_ID in event_ids(a)))
    assert worker.running()


def test_alerts_cli_prints_every_held_alert_as_json_lines(worker, seed_replayed):
    s = worker.settings
    held = alert_ids(read_until(worker, s.topic_alerts, Alert, lambda a: False, timeout=2))
    result = stream_cli(worker, "alerts", "--json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert all({"alert_id", "category", "severity", "article_id", "paragraph_index", "summary",
                "evidence"} <= set(line) for line in lines)
    assert {line["alert_id"] for line in lines} == held >= set(seed_replayed.expected_alerts)
    assert len(lines) == len(held), "an alert id was printed twice"

    sanctions = stream_cli(worker, "alerts", "--json", "--category", "sanctions")
    printed = [json.loads(line) for line in sanctions.stdout.splitlines()]
    assert {p["category"] for p in printed} == {"sanctions"}
    assert {i for i, c in seed_replayed.expected_alerts.items() if c == "sanctions"} <= {p["alert_id"] for p in printed}


def test_kcat_reads_the_alert_topic(worker, seed_replayed):
    s = worker.settings
    topic = s.alert_topic_for("arms_trade")
    held = alert_ids(read_until(worker, topic, Alert, lambda a: False, timeout=2))
    result = subprocess.run(["kcat", "-C", "-b", s.bootstrap_servers, "-t", topic, "-o", "beginning", "-e", "-q"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    ids = {Alert.model_validate_json(line).alert_id for line in result.stdout.splitlines() if line.strip()}
    assert ids == held and {i for i, c in seed_replayed.expected_alerts.items() if c == "arms_trade"} <= ids


def _samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _total(samples: dict, name: str, **labels: str) -> float:
    return sum(v for (n, lbls), v in samples.items() if n == name and set(labels.items()) <= lbls)


def _mismatches(worker: WorkerProcess) -> list[str]:
    """Where /metrics disagrees with what the topics hold (empty when they agree)."""
    s = worker.settings
    tagged = read_until(worker, s.topic_tagged, TaggedParagraph, lambda _: False, timeout=1.5)
    dlq = read_until(worker, s.topic_dlq, DeadLetter, lambda _: False, timeout=1.5)
    alerts = read_until(worker, s.topic_alerts, Alert, lambda _: False, timeout=1.5)
    samples = _samples(worker.metrics_text())
    expected = {
        ("stream_paragraphs_consumed_total", ()): len(tagged) + len(dlq),
        ("stream_paragraphs_produced_total", ()): len(tagged),
        ("stream_stage_duration_seconds_count", (("stage", "tag"),)): len(tagged) + len(dlq),
        ("stream_stage_duration_seconds_count", (("stage", "route"),)): len(tagged),
        ("stream_dead_letters_total", ()): len(dlq),
        ("stream_alerts_total", ()): len(alerts),
        ("stream_end_to_end_latency_seconds_count", ()): len(alerts),
    }
    for category in ("arms_trade", "sanctions"):
        tags = sum(1 for p in tagged for t in p.tags if t.category == category)
        expected[("stream_tags_total", (("category", category),))] = tags
        expected[("stream_story_mentions_total", (("category", category),))] = tags
        expected[("stream_alerts_total", (("category", category),))] = sum(1 for a in alerts if a.category == category)
    problems = [f"{name}{dict(labels)}: metrics {_total(samples, name, **dict(labels))} != topics {want}"
                for (name, labels), want in expected.items() if _total(samples, name, **dict(labels)) != want]
    # Every tag is either raised (first or escalation) or suppressed, exactly once.
    decided = _total(samples, "stream_alerts_total") + _total(samples, "stream_alerts_suppressed_total")
    tags = sum(len(p.tags) for p in tagged)
    if decided != tags:
        problems.append(f"alerts + suppressed = {decided} != tags {tags}")
    return problems


def test_metrics_match_what_the_topics_hold(worker, seed_replayed):
    deadline = time.monotonic() + 30
    while (problems := _mismatches(worker)) and time.monotonic() < deadline:
        time.sleep(0.5)  # a record may be between its topic and its counter
    assert not problems, problems


def test_health_endpoints(worker, seed_replayed):
    status, body = http_get(worker.base_url + "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"}
    ready = worker.readiness()
    assert ready["ready"] is True and "partitions assigned" in ready["detail"] and ready["rules_version"]


def test_alerts_follow_streams_only_new_alerts_until_ctrl_c(worker, seed_replayed):
    s = worker.settings
    env = {**os.environ, **settings_env(s)}
    follower = subprocess.Popen([sys.executable, "-m", "stream", "alerts", "--follow", "--json"], env=env, cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(60, follower.kill)  # a blocked readline() ends when the follower dies
    watchdog.start()
    try:
        assert "following" in follower.stderr.readline()  # attached at the end of the topic
        probe = json.dumps({
            "event_id": "probe-follow", "article_id": "probe-follow", "paragraph_index": 0, "paragraph_count": 1,
            "text": "Investigators said the cartel smuggled assault rifles and ammunition across the border.",
            "ingested_at": "2024-05-01T10:00:00Z",
        }).encode()
        asyncio.run(produce(s.bootstrap_servers, s.topic_paragraphs, [(b"probe-follow", probe)]))
        first = json.loads(follower.stdout.readline())  # blocks until the alert streams in
        assert (first["event_id"], first["category"]) == ("probe-follow", "arms_trade")
        assert first["story_key"] == "arms_trade:article:probe-follow" and first["text"]
        follower.send_signal(signal.SIGINT)
        assert follower.wait(30) == 0
        rest = [json.loads(line) for line in follower.stdout.read().splitlines() if line.strip()]
        assert all(a["event_id"] == "probe-follow" for a in rest), "--follow printed alerts held before it started"
    finally:
        watchdog.cancel()
        if follower.poll() is None:
            follower.kill()
