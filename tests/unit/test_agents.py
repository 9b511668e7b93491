"""The agents' per-record handlers on stand-in topics: what is sent where, and what is counted."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

from stream.alerting.agents import StoryStage, route_tagged
from stream.alerting.store import StoryStore
from stream.alerting.stories import Thresholds
from stream.config import Settings
from stream.metrics import build_metrics
from stream.models import Alert, DeadLetter, StoryMention, TaggedParagraph
from stream.tagging import DEFAULT_RULES_DIR, load_tagger
from stream.tagging.agents import TaggingStage
from stream.tagging.reload import RulesWatcher
from stream.topics import TopicNames
from stream.worker.context import WorkerContext

TEXT = "Officials said North Korea shipped artillery shells to Russia in breach of UN sanctions."


class FakeTopic:
    def __init__(self, name: str) -> None:
        self.name, self.sent = name, []

    async def send(self, key: bytes | None, value: bytes) -> None:
        self.sent.append((key, value))

    def get_topic_name(self) -> str:
        return self.name


class FakeProducer:
    """Faust's producer as WorkerContext.publish uses it: records land on the FakeTopic of that name."""

    def __init__(self) -> None:
        self.topics: dict[str, FakeTopic] = {}

    def topic(self, name: str) -> FakeTopic:
        return self.topics.setdefault(name, FakeTopic(name))

    async def send(self, topic: str, key: bytes | None, value: bytes, **_: object) -> None:
        await self.topics[topic].send(key, value)


def context() -> WorkerContext:
    settings = Settings()
    names = TopicNames.from_settings(settings, load_tagger().categories)
    producer = FakeProducer()
    topic = producer.topic
    return WorkerContext(
        app=SimpleNamespace(producer=producer), settings=settings, metrics=build_metrics(),  # type: ignore[arg-type]
        names=names, paragraphs=topic(names.paragraphs), tagged=topic(names.tagged), mentions=topic(names.mentions),
        dlq=topic(names.dlq), alerts=topic(names.alerts),
        alerts_by_category={c: topic(t) for c, t in names.alerts_by_category.items()},
        make_topic=topic,
    )


TAGGING = TaggingStage(RulesWatcher(DEFAULT_RULES_DIR, load_tagger()))


def handle_paragraph(ctx: WorkerContext, msg) -> TaggedParagraph | None:
    return asyncio.run(ctx.process(msg, TAGGING.handle, "tagger_error"))


def message(value: bytes, topic: str = "paragraphs", offset: int = 5) -> SimpleNamespace:
    return SimpleNamespace(value=value, key=b"art", topic=topic, partition=0, offset=offset)


def paragraph_event(text: str = TEXT) -> bytes:
    return json.dumps({"event_id": "e1", "article_id": "art", "paragraph_index": 0, "paragraph_count": 1,
                       "text": text, "ingested_at": "2024-05-01T10:00:00Z"}).encode()


def test_a_paragraph_is_tagged_published_and_counted():
    ctx = context()
    tagged = (handle_paragraph(ctx, message(paragraph_event())))
    assert tagged is not None and {t.category for t in tagged.tags} == {"arms_trade", "sanctions"}
    [(key, value)] = ctx.tagged.sent
    assert key == b"art" and TaggedParagraph.model_validate_json(value) == tagged
    assert tagged.rules_version == TAGGING.watcher.tagger.version
    value_of = ctx.metrics.registry.get_sample_value
    assert value_of("stream_paragraphs_consumed_total", {"topic": "paragraphs"}) == 1
    assert value_of("stream_paragraphs_produced_total", {"topic": ctx.names.tagged}) == 1
    assert ctx.dlq.sent == []


def test_a_bad_record_goes_to_the_dead_letter_topic_and_nothing_else():
    ctx = context()
    assert (handle_paragraph(ctx, message(b"\xff not utf-8", offset=9))) is None
    [(_, value)] = ctx.dlq.sent
    letter = DeadLetter.model_validate_json(value)
    assert (letter.reason, letter.offset, letter.topic) == ("invalid_utf8", 9, "paragraphs")
    assert ctx.tagged.sent == []
    assert ctx.metrics.registry.get_sample_value("stream_dead_letters_total", {"reason": "invalid_utf8"}) == 1


def story_stage() -> StoryStage:
    return StoryStage(StoryStore({}), Thresholds())


def raise_alerts(ctx: WorkerContext, stage: StoryStage, tagged: TaggedParagraph) -> list[Alert]:
    """Route one tagged paragraph, then feed each mention to the story stage, as the agents do."""
    before = len(ctx.mentions.sent)
    asyncio.run(ctx.process(message(tagged.to_bytes(), topic=ctx.names.tagged), route_tagged, "routing_error"))
    alerts = []
    for offset, (key, value) in enumerate(ctx.mentions.sent[before:]):
        assert key == StoryMention.model_validate_json(value).story_key.encode()
        msg = message(value, topic=ctx.names.mentions, offset=offset)
        alert = asyncio.run(ctx.process(msg, stage.handle, "policy_error"))
        alerts += [alert] if alert else []
    return alerts


def test_alerts_go_to_the_combined_and_the_category_topics():
    ctx = context()
    tagged = handle_paragraph(ctx, message(paragraph_event()))
    alerts = raise_alerts(ctx, story_stage(), tagged)
    assert {a.category for a in alerts} == {"arms_trade", "sanctions"}
    assert {Alert.model_validate_json(v).alert_id for _, v in ctx.alerts.sent} == {a.alert_id for a in alerts}
    for category, topic in ctx.alerts_by_category.items():
        assert [Alert.model_validate_json(v).category for _, v in topic.sent] == [category]
    assert ctx.metrics.registry.get_sample_value(
        "stream_end_to_end_latency_seconds_count", {"category": "sanctions"}) == 1


def test_a_paragraph_seen_again_raises_nothing_and_is_counted_as_a_duplicate():
    ctx, stage = context(), story_stage()
    tagged = handle_paragraph(ctx, message(paragraph_event()))
    assert len(raise_alerts(ctx, stage, tagged)) == 2
    assert raise_alerts(ctx, stage, tagged) == []
    assert len(ctx.alerts.sent) == 2
    value_of = ctx.metrics.registry.get_sample_value
    assert value_of("stream_alerts_suppressed_total", {"category": "arms_trade", "reason": "duplicate"}) == 1
    assert value_of("stream_story_mentions_total", {"category": "arms_trade"}) == 2


def test_a_policy_failure_dead_letters_the_mention_and_the_stage_goes_on(monkeypatch):
    ctx, stage = context(), story_stage()
    tagged = handle_paragraph(ctx, message(paragraph_event()))
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("policy bug")
        return real(*args, **kwargs)

    import stream.alerting.agents as agents
    real = agents.decide
    monkeypatch.setattr(agents, "decide", flaky)
    alerts = raise_alerts(ctx, stage, tagged)
    assert len(alerts) == 1, "the second mention is still handled"
    [(_, value)] = ctx.dlq.sent
    letter = DeadLetter.model_validate_json(value)
    assert letter.reason == "policy_error" and "policy bug" in letter.error and letter.topic == ctx.names.mentions
    assert ctx.metrics.registry.get_sample_value("stream_dead_letters_total", {"reason": "policy_error"}) == 1


def test_an_undecodable_tagged_record_is_dead_lettered_by_the_router():
    ctx = context()
    asyncio.run(ctx.process(message(b"{}", topic=ctx.names.tagged), route_tagged, "routing_error"))
    [(_, value)] = ctx.dlq.sent
    assert DeadLetter.model_validate_json(value).reason == "schema"
    assert ctx.mentions.sent == []


def test_an_alert_of_a_category_new_since_start_gets_its_topic_on_first_use():
    ctx = context()
    ctx.alerts_by_category.pop("sanctions")
    tagged = handle_paragraph(ctx, message(paragraph_event()))
    raise_alerts(ctx, story_stage(), tagged)
    topic = ctx.alerts_by_category["sanctions"]
    assert topic.name == "alerts-sanctions" and [Alert.model_validate_json(v).category for _, v in topic.sent] == [
        "sanctions"]


def test_a_tagger_failure_dead_letters_the_paragraph_instead_of_tagging_nothing(monkeypatch):
    ctx = context()

    def broken(text: str):
        raise RuntimeError("rule bug")

    monkeypatch.setattr(TAGGING.watcher.tagger, "tag", broken)
    assert (handle_paragraph(ctx, message(paragraph_event()))) is None
    [(_, value)] = ctx.dlq.sent
    letter = DeadLetter.model_validate_json(value)
    assert letter.reason == "tagger_error" and "rule bug" in letter.error
    assert ctx.tagged.sent == []
    assert ctx.metrics.registry.get_sample_value("stream_dead_letters_total", {"reason": "tagger_error"}) == 1
