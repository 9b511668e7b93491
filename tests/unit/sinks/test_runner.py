"""The sink runner's per-record logic on stand-ins (no broker, no network): settle, DLQ, metrics."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import aiohttp
import pytest
from aiokafka import ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaConnectionError
from pydantic import SecretStr

from stream.config import Settings
from stream.errors import ConfigError
from stream.metrics import build_metrics
from stream.models import DeadLetter
from stream.sinks import build_sinks, register
from stream.sinks import runner as runner_module
from stream.sinks.retry import Answer
from stream.sinks.runner import LogLimiter, SinkRunner, group_id, max_poll_interval_ms
from stream.sinks.webhook import WebhookSink
from tests.support.sinks import sample_alert


def test_log_limiter_allows_one_line_per_interval_and_counts_the_rest():
    now = [0.0]
    limiter = LogLimiter(interval=60, clock=lambda: now[0])
    assert limiter.allow("retry") == 0
    assert [limiter.allow("retry") for _ in range(5)] == [None] * 5
    assert limiter.allow("broker") == 0  # keys are independent
    now[0] = 61.0
    assert limiter.allow("retry") == 5
    assert limiter.allow("retry") is None


def test_group_id_and_a_poll_interval_longer_than_the_slowest_delivery():
    assert group_id("stream-monitor", "webhook") == "stream-monitor-sink-webhook"
    assert max_poll_interval_ms(6, 5.0) == 300_000
    assert max_poll_interval_ms(100, 5.0) == (100 * 35 + 60) * 1000


def test_only_sinks_with_a_url_are_built_in_a_fixed_order():
    assert build_sinks(Settings()) == []
    names = [s.name for s in build_sinks(Settings(webhook_url="http://h/x", alertmanager_url="http://am:9093"))]
    assert names == ["alertmanager", "webhook"]
    [hook] = build_sinks(Settings(webhook_url="https://h/x", webhook_secret=SecretStr("k")))
    assert "X-Stream-Signature" in hook.request_for(sample_alert()).headers


@pytest.mark.parametrize("field", ["webhook_url", "alertmanager_url"])
def test_a_url_that_is_not_http_is_a_one_line_config_error(field):
    with pytest.raises(ConfigError, match=f"STREAM_{field.upper()}: expected an http"):
        build_sinks(Settings(**{field: "localhost:9093"}))


def test_register_without_urls_starts_nothing():
    tasks = []
    ctx = SimpleNamespace(settings=Settings(), app=SimpleNamespace(task=tasks.append))
    assert register(ctx) == ()
    assert tasks == []


class Ctx(SimpleNamespace):
    """The parts of WorkerContext a SinkRunner uses; publish() collects the dead letters."""

    def __init__(self, **settings: object) -> None:
        super().__init__(settings=Settings(**{"sink_backoff_seconds": 0.001, **settings}), metrics=build_metrics(),
                         names=SimpleNamespace(sink_dlq="sink-dlq"), sent=[])

    async def publish(self, topic, key, value) -> None:
        self.sent.append((topic, key, DeadLetter.model_validate_json(value)))

    def count(self, outcome: str) -> float:
        return self.metrics.registry.get_sample_value(
            "stream_sink_deliveries_total", {"sink": "webhook", "outcome": outcome}) or 0.0


def record(value: bytes | None, offset: int = 7) -> ConsumerRecord:
    return ConsumerRecord(topic="alerts", partition=1, offset=offset, timestamp=0, timestamp_type=0, key=b"k",
                          value=value, checksum=None, serialized_key_size=1,
                          serialized_value_size=len(value or b""), headers=())


@pytest.fixture()
def answers(monkeypatch):
    """Replace the HTTP POST with a script of answers (or exceptions); records what was posted."""
    script: list = []
    posted: list = []

    async def fake_post(session, request, timeout):
        posted.append(request)
        item = script.pop(0)
        if isinstance(item, BaseException):
            raise item
        return Answer(item, detail="nope" if item >= 400 else "")

    monkeypatch.setattr(runner_module, "post", fake_post)
    return SimpleNamespace(script=script, posted=posted)


async def test_an_alert_is_delivered_after_retries_and_counted(answers):
    ctx = Ctx()
    runner = SinkRunner(ctx, WebhookSink("http://h/x"), dlq="DLQ")
    answers.script.extend([503, aiohttp.ClientConnectionError("refused"), 200])
    alert = sample_alert(1)
    assert await runner.settle(record(alert.to_bytes()))
    assert [r.headers["X-Stream-Alert-Id"] for r in answers.posted] == [alert.alert_id] * 3
    assert (ctx.count("delivered"), ctx.count("retried"), ctx.count("failed")) == (1, 2, 0)
    assert ctx.metrics.registry.get_sample_value("stream_sink_delivery_seconds_count", {"sink": "webhook"}) == 3
    assert ctx.sent == []


async def test_a_refused_alert_goes_to_the_sink_dlq_with_the_status(answers):
    ctx = Ctx()
    runner = SinkRunner(ctx, WebhookSink("http://h/x"), dlq="DLQ")
    answers.script.append(400)
    raw = sample_alert(2).to_bytes()
    assert not await runner.settle(record(raw))
    [(topic, key, letter)] = ctx.sent
    assert (topic, key, letter.reason, letter.topic, letter.partition, letter.offset) == (
        "DLQ", b"k", "http_400", "alerts", 1, 7)
    assert "webhook: HTTP 400 nope" in letter.error
    assert (ctx.count("delivered"), ctx.count("retried"), ctx.count("failed")) == (0, 0, 1)


async def test_an_unreachable_receiver_exhausts_the_attempts(answers):
    ctx = Ctx(sink_max_attempts=3)
    runner = SinkRunner(ctx, WebhookSink("http://h/x"), dlq="DLQ")
    answers.script.extend([aiohttp.ClientConnectionError("refused")] * 3)
    assert not await runner.settle(record(sample_alert(3).to_bytes()))
    assert [letter.reason for _, _, letter in ctx.sent] == ["retries_exhausted"]
    assert (ctx.count("retried"), ctx.count("failed")) == (2, 1)


@pytest.mark.parametrize(("raw", "reason"), [(b"{not json", "invalid_json"), (b'{"alert_id": "x"}', "schema"),
                                             (None, "empty")])
async def test_an_undecodable_record_is_dead_lettered_and_never_posted(answers, raw, reason):
    ctx = Ctx()
    runner = SinkRunner(ctx, WebhookSink("http://h/x"), dlq="DLQ")
    assert not await runner.settle(record(raw))
    assert [letter.reason for _, _, letter in ctx.sent] == [reason]
    assert answers.posted == [] and ctx.count("failed") == 1


async def test_stopping_during_a_backoff_abandons_the_alert_uncommitted(answers):
    ctx = Ctx(sink_backoff_seconds=30.0)
    runner = SinkRunner(ctx, WebhookSink("http://h/x"), dlq="DLQ")
    answers.script.extend([503, 200])
    task = asyncio.ensure_future(runner.settle(record(sample_alert(4).to_bytes())))
    await asyncio.sleep(0.05)
    runner._stopped.set()  # what Service.stop() does first  # noqa: SLF001
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 2.0)
    assert ctx.sent == [] and len(answers.posted) == 1 and ctx.count("delivered") == 0


class FakeConsumer:
    """Stands in for AIOKafkaConsumer: the first one cannot reach the broker, the next serves records."""

    made: list["FakeConsumer"] = []

    def __init__(self, *topics: str, **config: object) -> None:
        self.topics, self.config, self.commits, self.stopped = topics, config, [], False
        self.batches = [[record(b"{not json", offset=3), record(sample_alert(5).to_bytes(), offset=4)]]
        FakeConsumer.made.append(self)

    async def start(self) -> None:
        if len(FakeConsumer.made) == 1:
            raise KafkaConnectionError("broker down")

    async def getmany(self, timeout_ms: int, max_records: int):
        assert max_records == 1
        if self.batches and self.batches[0]:
            return {TopicPartition("alerts", 1): [self.batches[0].pop(0)]}
        await asyncio.sleep(0.01)
        return {}

    async def commit(self, offsets) -> None:
        self.commits.append({tp.partition: meta.offset for tp, meta in offsets.items()})

    async def stop(self) -> None:
        self.stopped = True


async def test_the_consumer_reconnects_after_a_broker_failure_and_commits_each_settled_alert(answers, monkeypatch):
    FakeConsumer.made = []
    monkeypatch.setattr(runner_module, "AIOKafkaConsumer", FakeConsumer)
    monkeypatch.setattr(runner_module, "RECONNECT_BACKOFF_SECONDS", 0.01)
    ctx = Ctx(app_id="app")
    runner = SinkRunner(ctx, WebhookSink("http://h/x"), dlq="DLQ")
    answers.script.append(200)
    task = asyncio.ensure_future(runner._run_consumers())  # noqa: SLF001
    for _ in range(200):
        await asyncio.sleep(0.01)
        if len(FakeConsumer.made) == 2 and len(FakeConsumer.made[1].commits) == 2:
            break
    runner._stopped.set()  # noqa: SLF001
    await asyncio.wait_for(task, 2.0)
    down, up = FakeConsumer.made
    assert down.stopped and up.stopped and down.commits == []
    assert up.topics == ("alerts",)
    assert {k: up.config[k] for k in ("group_id", "auto_offset_reset", "enable_auto_commit")} == {
        "group_id": "app-sink-webhook", "auto_offset_reset": "earliest", "enable_auto_commit": False}
    assert up.commits == [{1: 4}, {1: 5}]  # the bad record (dead-lettered) and the delivered alert
    assert [letter.reason for _, _, letter in ctx.sent] == ["invalid_json"]
    assert ctx.count("delivered") == 1
