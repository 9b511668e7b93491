"""Alert sinks on the real broker: a real worker delivers the alert topic to a real Alertmanager
and to a webhook receiver (tests/support/sinks.py) that fails, refuses or disappears on demand.

The tests publish Alert records straight onto the worker's alert topic (the sinks' only input).
Every wait is for a set of alert ids derived from what was sent, never for a count or a time.
Module order matters only for the last test, which stops the receiver for good.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from stream.models import Alert, DeadLetter, ParagraphEvent, TaggedParagraph
from stream.sinks.webhook import verify
from stream.topics import ensure_topics
from stream.worker.process import WorkerProcess
from tests.support.alertmanager import AlertmanagerServer
from tests.support.sinks import Receiver, sample_alert

from .conftest import isolated_settings
from .helpers import consume_until, produce

pytestmark = pytest.mark.integration
SECRET = "test-secret"


@dataclass
class Rig:
    worker: WorkerProcess
    alertmanager: AlertmanagerServer
    receiver: Receiver

    def publish(self, *alerts: Alert) -> set[str]:
        s = self.worker.settings
        asyncio.run(produce(s.bootstrap_servers, s.topic_alerts, [(a.story_key.encode(), a.to_bytes()) for a in alerts]))
        return {a.alert_id for a in alerts}

    def metric(self, sink: str, outcome: str) -> float:
        for family in text_string_to_metric_families(self.worker.metrics_text()):
            for sample in family.samples:
                if sample.name == "stream_sink_deliveries_total" and sample.labels == {"sink": sink, "outcome": outcome}:
                    return sample.value
        raise AssertionError(f"no stream_sink_deliveries_total{{sink={sink!r},outcome={outcome!r}}}")

    def wait(self, what: str, predicate, timeout: float = 45.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.worker.running(), f"the worker exited:\n{self.worker.log_tail(40)}"
            value = predicate()
            if value:
                return value
            time.sleep(0.1)
        pytest.fail(f"timed out waiting for {what}\nworker log:\n{self.worker.log_tail(40)}", pytrace=False)

    def sink_dead_letters(self, done) -> list[DeadLetter]:
        s = self.worker.settings
        records = asyncio.run(consume_until(
            s.bootstrap_servers, s.topic_sink_dlq, lambda rs: done([DeadLetter.model_validate_json(r.value) for r in rs])))
        return [DeadLetter.model_validate_json(r.value) for r in records]


@pytest.fixture(scope="module")
def rig(bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    state = tmp_path_factory.mktemp("sinks")
    alertmanager = AlertmanagerServer(state).start()
    receiver = Receiver()
    settings = isolated_settings(bootstrap, state, alertmanager_url=alertmanager.url, webhook_url=receiver.url,
                                 webhook_secret=SECRET, sink_backoff_seconds=0.05, sink_timeout_seconds=2.0)
    asyncio.run(ensure_topics(settings))
    worker = WorkerProcess(settings, state / "worker.log")
    try:
        worker.start(ready_timeout=120)
        yield Rig(worker, alertmanager, receiver)
        code = worker.stop()
        assert code in (0, -15, None), f"worker exited with {code}:\n{worker.log_tail()}"
    finally:
        worker.stop()
        receiver.stop()
        assert alertmanager.stop() in (0, -15, None), alertmanager.log_tail()


def story() -> str:
    return f"arms_trade:KP->RU#{uuid.uuid4().hex[:8]}"


def test_alerts_reach_alertmanager_with_labels_annotations_and_inhibition(rig: Rig):
    s1, s2 = story(), story()
    low = sample_alert(1, story=s1, severity="low")
    high = sample_alert(2, story=s1, severity="high", supersedes=low.alert_id)
    other = sample_alert(3, story=s2, severity="medium")
    old = sample_alert(4, story=story(), window_start=datetime(2019, 5, 4, tzinfo=timezone.utc),
                       window=timedelta(hours=6))
    ids = rig.publish(low, high, other, old)

    def holding():
        held = rig.alertmanager.alerts_by_id()
        return held if ids <= set(held) else None

    held = rig.wait("the alerts in Alertmanager", holding)

    am = held[high.alert_id]
    assert am["labels"] == {"alertname": "StreamContentAlert", "category": "arms_trade", "severity": "high",
                            "story": s1, "actors": "KP->RU"}
    assert am["annotations"] == {
        "summary": high.summary,
        "evidence": "Officials said North Korea «shipped artillery shells» to Russia, «in breach of UN sanctions».",
        "article": "https://news.example/kp-ru", "title": high.title, "alert_id": high.alert_id,
        "supersedes": low.alert_id,
    }
    assert am["generatorURL"] == "https://news.example/kp-ru"
    assert "supersedes" not in held[low.alert_id]["annotations"]
    # An old article's window ended in 2019: the alert is still active, for one window from raised_at.
    ends = datetime.fromisoformat(held[old.alert_id]["endsAt"].replace("Z", "+00:00"))
    assert ends > datetime.now(timezone.utc) + timedelta(hours=5)
    assert held[old.alert_id]["status"]["state"] == "active"

    # The shipped inhibit rules: the story's high alert mutes its low one; another story is untouched.
    def inhibition():
        now = rig.alertmanager.alerts_by_id()
        return now if now[low.alert_id]["status"]["inhibitedBy"] else None

    now = rig.wait("the low alert to be inhibited", inhibition, timeout=20)
    assert now[low.alert_id]["status"]["state"] == "suppressed"
    assert now[high.alert_id]["status"] == {"state": "active", "silencedBy": [], "inhibitedBy": []}
    assert now[other.alert_id]["status"]["state"] == "active"
    assert now[high.alert_id]["fingerprint"] in now[low.alert_id]["status"]["inhibitedBy"]
    # Alerts without a story (the worker's own, from Prometheus) never inhibit each other.
    marker = uuid.uuid4().hex[:8]
    rig.alertmanager.post([{"labels": {"alertname": f"StreamWorkerDown{marker}", "severity": "critical"}},
                           {"labels": {"alertname": f"StreamSinkSlow{marker}", "severity": "low"}}])
    others = rig.wait("the worker alerts", lambda: [a for a in rig.alertmanager.alerts()
                                                    if a["labels"]["alertname"].endswith(marker)] or None)
    assert sorted((a["labels"]["severity"], a["status"]["state"]) for a in others) == [
        ("critical", "active"), ("low", "active")]
    # The webhook got them too (so the next tests start with a quiet receiver).
    rig.wait("the webhook deliveries", lambda: rig.receiver.delivered(ids) == ids)


def test_webhook_through_a_failing_then_recovering_receiver_delivers_each_alert_once(rig: Rig):
    before = {o: rig.metric("webhook", o) for o in ("delivered", "retried", "failed")}
    failures = [503, 503, 429, 502]
    with rig.receiver.lock:
        rig.receiver.plan.extend(failures)
    alerts = [sample_alert(n, story=story()) for n in range(10, 15)]
    ids = rig.publish(*alerts)
    rig.wait("every alert delivered", lambda: rig.receiver.delivered(ids) == ids)

    posts = rig.receiver.posts_for(ids)
    ok = [p for p in posts if p.status == 200]
    assert sorted(p.alert_id for p in ok) == sorted(ids), "an alert was delivered twice"
    assert sorted(p.status for p in posts if p.status != 200) == sorted(failures)
    by_id = {a.alert_id: a for a in alerts}
    for post in ok:
        assert post.body == by_id[post.alert_id].model_dump_json().encode()
        assert post.content_type == "application/json"
        assert verify(SECRET, post.body, post.signature), post.signature

    def counted():
        now = {o: rig.metric("webhook", o) for o in before}
        return now if now["delivered"] - before["delivered"] >= len(ids) else None

    after = rig.wait("the delivered count", counted)
    assert after["delivered"] - before["delivered"] == len(ids)
    assert after["retried"] - before["retried"] == len(failures)
    assert after["failed"] == before["failed"]


def test_a_refused_alert_goes_to_the_sink_dlq_and_the_sink_moves_on(rig: Rig):
    before = rig.metric("webhook", "failed")
    rig.receiver.default = 400
    try:
        refused = sample_alert(20, story=story())
        rig.publish(refused)
        rig.wait("the refusal", lambda: rig.receiver.posts_for({refused.alert_id}))
    finally:
        rig.receiver.default = 200
    letters = rig.sink_dead_letters(lambda ls: any(_alert_id(d) == refused.alert_id for d in ls))
    [letter] = [d for d in letters if _alert_id(d) == refused.alert_id]
    assert letter.reason == "http_400" and letter.error.startswith("webhook: HTTP 400")
    assert letter.topic == rig.worker.settings.topic_alerts
    assert len(rig.receiver.posts_for({refused.alert_id})) == 1  # final at once, never retried
    following = sample_alert(21, story=story())
    ids = rig.publish(following)
    rig.wait("the next alert delivered", lambda: rig.receiver.delivered(ids) == ids)
    assert rig.metric("webhook", "failed") == before + 1


def test_an_undecodable_alert_record_is_dead_lettered_by_each_sink(rig: Rig):
    s = rig.worker.settings
    marker = uuid.uuid4().hex.encode()
    asyncio.run(produce(s.bootstrap_servers, s.topic_alerts, [(marker, b"{not json " + marker)]))
    letters = rig.sink_dead_letters(lambda ls: len([d for d in ls if marker in _payload(d)]) >= 2)
    mine = [d for d in letters if marker in _payload(d)]
    assert sorted((d.reason, d.error.split(":")[0]) for d in mine) == [
        ("invalid_json", "alertmanager"), ("invalid_json", "webhook")]
    ids = rig.publish(sample_alert(30, story=story()))
    rig.wait("the next alert delivered", lambda: rig.receiver.delivered(ids) == ids)


def test_a_dead_receiver_does_not_stall_tagging(rig: Rig, artifacts_dir: Path):
    """Tags the same N paragraphs with the webhook healthy and dead, alternately; reports the rates.

    Every round first publishes a backlog of alerts (the same load for both sinks either way), so
    in a dead round the webhook sink is busy retrying connections nobody accepts while the
    paragraphs are tagged. Each round starts after a pause, so it never competes with the tail
    of the previous one. Rates, and the worker's CPU time per paragraph (less sensitive to other
    load on the machine), are reported (stdout, test-artifacts/), never asserted.
    SINK_OUTAGE_PARAGRAPHS and SINK_OUTAGE_ROUNDS scale the measurement up.
    """
    n, rounds = int(os.environ.get("SINK_OUTAGE_PARAGRAPHS", 300)), int(os.environ.get("SINK_OUTAGE_ROUNDS", 1))
    pause = max(2.0, n / 300)
    rates: dict[str, list[float]] = {"healthy": [], "dead": []}
    cpu: dict[str, list[float]] = {"healthy": [], "dead": []}  # worker CPU ms per paragraph
    for round_ in range(rounds):
        for state in ("healthy", "dead") if round_ % 2 == 0 else ("dead", "healthy"):  # cancels out drift
            retried, log_lines = rig.metric("webhook", "retried"), _sink_log_lines(rig)
            if state == "dead":
                rig.receiver.stop()  # nothing listens on the webhook's port now
            backlog = rig.publish(*[sample_alert(k, story=story()) for k in range(20)])
            if state == "dead":
                rig.wait("the webhook sink to be failing", lambda: rig.metric("webhook", "retried") > retried)
            time.sleep(pause)
            cpu_before = _cpu_seconds(rig.worker)
            rates[state].append(_tagging_rate(rig, n))
            cpu[state].append((_cpu_seconds(rig.worker) - cpu_before) * 1000 / n)
            if state == "dead":
                assert not rig.receiver.delivered(backlog)
                assert _sink_log_lines(rig) - log_lines <= 4  # retry, dead letter, broker, commit: each once a minute
                if round_ == 0:  # an alert whose attempts ran out while nobody listened is in the sink DLQ
                    letters = rig.sink_dead_letters(lambda ls: any(d.reason == "retries_exhausted" for d in ls))
                    assert any(d.reason == "retries_exhausted" for d in letters), rig.worker.log_tail(40)
                rig.receiver.start()
    report = {"paragraphs": n, **{f"{k}_per_s": [round(r, 1) for r in v] for k, v in rates.items()},
              "ratio_of_means": round(sum(rates["dead"]) / sum(rates["healthy"]), 2),
              **{f"{k}_cpu_ms_per_paragraph": [round(c, 3) for c in v] for k, v in cpu.items()}}
    (artifacts_dir / "sink-outage-tagging.json").write_text(json.dumps(report) + "\n")
    print(f"\ntagging with the webhook healthy vs dead: {report}")


def _cpu_seconds(worker: WorkerProcess) -> float:
    """User + system CPU time of the worker process so far (Linux /proc)."""
    assert worker.process is not None
    fields = Path(f"/proc/{worker.process.pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _sink_log_lines(rig: Rig) -> int:
    return sum("webhook sink:" in line for line in rig.worker.log_file.read_text().splitlines())


def _tagging_rate(rig: Rig, n: int) -> float:
    """Publish n paragraphs at once; paragraphs/s from the first send to the last ``tagged_at``.

    One new article per call, so every call is one new story of n mentions for the alerting stage
    (the same work each time). The reader starts at the topic's end before the first send and
    only looks at new records, so the test's own CPU use stays small and flat.
    """
    s = rig.worker.settings
    article = f"sink-load-{uuid.uuid4().hex[:8]}"
    texts = [f"{LOAD_TEXT} (report {i})" for i in range(n)]
    events = [ParagraphEvent(event_id=ParagraphEvent.make_event_id(article, i, text), article_id=article,
                             paragraph_index=i, paragraph_count=n, text=text) for i, text in enumerate(texts)]
    ids = {e.event_id for e in events}

    async def run() -> tuple[datetime, list[TaggedParagraph]]:
        reader = AIOKafkaConsumer(bootstrap_servers=s.bootstrap_servers, group_id=None, enable_auto_commit=False)
        producer = AIOKafkaProducer(bootstrap_servers=s.bootstrap_servers, acks="all", linger_ms=5)
        await reader.start()
        await producer.start()
        try:
            tps = [TopicPartition(s.topic_tagged, p) for p in sorted(await producer.partitions_for(s.topic_tagged))]
            reader.assign(tps)
            await reader.seek_to_end(*tps)
            for tp in tps:
                await reader.position(tp)  # resolve the end offsets now, before anything is sent
            started = datetime.now(timezone.utc)
            futures = [await producer.send(s.topic_paragraphs, e.to_bytes(), key=article.encode()) for e in events]
            await asyncio.gather(*futures)
            mine: list[TaggedParagraph] = []
            deadline = time.monotonic() + 60
            while len(mine) < n and time.monotonic() < deadline:
                for records in (await reader.getmany(timeout_ms=250)).values():
                    mine.extend(t for t in (TaggedParagraph.model_validate_json(r.value) for r in records)
                                if t.event_id in ids)
            return started, mine
        finally:
            await producer.stop()
            await reader.stop()

    started, mine = asyncio.run(run())
    assert {t.event_id for t in mine} == ids, f"tagging stalled\n{rig.worker.log_tail(40)}"
    assert all(t.tags for t in mine)
    return n / (max(t.tagged_at for t in mine) - started).total_seconds()


# Tagged (arms trade and sanctions) but names no country: one story per article, not one shared one.
LOAD_TEXT = "Officials said a shipment of artillery shells was delivered to the rebels in breach of the arms embargo"


def _payload(letter: DeadLetter) -> bytes:
    return base64.b64decode(letter.payload_b64)


def _alert_id(letter: DeadLetter) -> str | None:
    try:
        return Alert.model_validate_json(_payload(letter)).alert_id
    except ValueError:
        return None
