"""End to end on the real broker: replay -> worker -> alert topics, dead letters, /metrics."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from stream.ingest.readers import read_articles
from stream.models import Alert, DeadLetter, TaggedParagraph
from stream.worker.process import WorkerProcess, settings_env

from .helpers import consume_until, produce

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "seeds" / "putin-lukashenko-sochi-north-korea.txt"


def stream_cli(worker: WorkerProcess, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **settings_env(worker.settings)}
    return subprocess.run([sys.executable, "-m", "stream", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


def alerts_on(worker: WorkerProcess, topic: str, at_least: int) -> list[Alert]:
    records = asyncio.run(consume_until(worker.settings.bootstrap_servers, topic, lambda r: len(r) >= at_least))
    return [Alert.model_validate_json(r.value) for r in records]


@pytest.fixture(scope="module")
def seed_replayed(worker: WorkerProcess) -> list[str]:
    result = stream_cli(worker, "replay", str(SEED))
    assert result.returncode == 0, result.stderr
    assert "replayed 1 articles, 5 paragraphs" in result.stderr
    [article] = read_articles([SEED])
    return article.paragraphs


def test_seed_article_raises_both_categories_with_evidence_in_the_right_paragraph(worker, seed_replayed):
    s = worker.settings
    arms = alerts_on(worker, s.alert_topic_for("arms_trade"), 1)
    sanctions = alerts_on(worker, s.alert_topic_for("sanctions"), 1)
    assert arms and sanctions, worker.log_tail()
    assert {a.category for a in arms} == {"arms_trade"} and {a.category for a in sanctions} == {"sanctions"}
    for alert in arms + sanctions:
        paragraph = seed_replayed[alert.paragraph_index]
        assert alert.article_id == SEED.stem
        for ev in alert.evidence:
            assert paragraph[ev.start : ev.end] == ev.text
    # The ammunition-supply paragraph (the fourth) is the one that mentions both.
    assert 3 in {a.paragraph_index for a in arms} and 3 in {a.paragraph_index for a in sanctions}
    combined = alerts_on(worker, s.topic_alerts, len(arms) + len(sanctions))
    assert {a.alert_id for a in combined} == {a.alert_id for a in arms + sanctions}


def test_malformed_message_goes_to_dead_letters_and_the_worker_goes_on(worker, seed_replayed):
    s = worker.settings
    bad = b'{"this is": "not a paragraph event"'
    valid = json.dumps({
        "event_id": "probe-after-bad", "article_id": "probe", "paragraph_index": 0, "paragraph_count": 1,
        "text": "Customs officers seized a shipment of smuggled rifles bound for the rebels.",
        "ingested_at": "2024-05-01T10:00:00Z",
    }).encode()
    asyncio.run(produce(s.bootstrap_servers, s.topic_paragraphs, [(b"probe", bad), (b"probe", valid)]))

    [letter] = [DeadLetter.model_validate_json(r.value) for r in
                asyncio.run(consume_until(s.bootstrap_servers, s.topic_dlq, lambda r: len(r) >= 1))]
    assert letter.reason == "invalid_json" and letter.error
    assert base64.b64decode(letter.payload_b64) == bad
    assert letter.topic == s.topic_paragraphs and letter.offset >= 0 and letter.partition >= 0

    def probe_seen(records) -> bool:
        return any(TaggedParagraph.model_validate_json(r.value).event_id == "probe-after-bad" for r in records)

    tagged = asyncio.run(consume_until(s.bootstrap_servers, s.topic_tagged, probe_seen))
    assert probe_seen(tagged), f"the valid record after the bad one was not processed:\n{worker.log_tail()}"
    assert worker.process is not None and worker.process.poll() is None


def test_alerts_cli_prints_json_lines(worker, seed_replayed):
    alerts_on(worker, worker.settings.topic_alerts, 1)
    result = stream_cli(worker, "alerts", "--json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines and all({"alert_id", "category", "severity", "article_id", "paragraph_index", "summary",
                          "evidence"} <= set(line) for line in lines)
    only_sanctions = stream_cli(worker, "alerts", "--json", "--category", "sanctions")
    assert {json.loads(l)["category"] for l in only_sanctions.stdout.splitlines()} == {"sanctions"}


def test_kcat_reads_the_alert_topic(worker, seed_replayed):
    s = worker.settings
    expected = alerts_on(worker, s.alert_topic_for("arms_trade"), 1)
    result = subprocess.run(["kcat", "-C", "-b", s.bootstrap_servers, "-t", s.alert_topic_for("arms_trade"),
                             "-o", "beginning", "-e", "-q"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    ids = {Alert.model_validate_json(line).alert_id for line in result.stdout.splitlines() if line.strip()}
    assert ids == {a.alert_id for a in expected}


def _samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _total(samples: dict, name: str, **labels: str) -> float:
    return sum(v for (n, lbls), v in samples.items() if n == name and set(labels.items()) <= lbls)


def test_metrics_match_what_was_processed(worker, seed_replayed):
    s = worker.settings
    # Let the earlier tests' records settle, then compare /metrics with the topics' contents.
    tagged = asyncio.run(consume_until(s.bootstrap_servers, s.topic_tagged, lambda r: len(r) >= 6))
    dlq = asyncio.run(consume_until(s.bootstrap_servers, s.topic_dlq, lambda r: len(r) >= 1))
    alerts = asyncio.run(consume_until(s.bootstrap_servers, s.topic_alerts, lambda r: False, timeout=3))
    time.sleep(0.5)
    samples = _samples(worker.metrics_text())
    assert _total(samples, "stream_paragraphs_consumed_total") == len(tagged) + len(dlq)
    assert _total(samples, "stream_paragraphs_produced_total") == len(tagged)
    assert _total(samples, "stream_dead_letters_total", reason="invalid_json") == len(dlq) == 1
    by_category: dict[str, int] = {}
    tag_count = 0
    for record in tagged:
        for tag in TaggedParagraph.model_validate_json(record.value).tags:
            by_category[tag.category] = by_category.get(tag.category, 0) + 1
            tag_count += 1
    for category, count in by_category.items():
        assert _total(samples, "stream_tags_total", category=category) == count
        assert _total(samples, "stream_alerts_total", category=category) == count
    assert _total(samples, "stream_alerts_total") == len(alerts) == tag_count
    assert _total(samples, "stream_stage_duration_seconds_count", stage="tag") == len(tagged) + len(dlq)
    assert _total(samples, "stream_end_to_end_latency_seconds_count") == len(alerts)
