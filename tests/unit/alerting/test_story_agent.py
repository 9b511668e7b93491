"""The raise-alerts agent in Faust's test_context(): a real Faust app, agent and story table.

The table's changelog writes are captured instead of sent (no broker here); the broker-backed
recovery from the changelog is tested in tests/integration/test_stories.py.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from stream.alerting.agents import STORY_TABLE
from stream.alerting.stories import StoryState
from stream.app import build_app
from stream.config import Settings
from stream.models import Alert, utc_now
from tests.unit.alerting.storyfixtures import mention


@pytest.fixture()
def worker(tmp_path):
    ctx = build_app(Settings(state_dir=tmp_path))
    ctx.app.finalize()
    ctx.app.flow_control.resume()
    published: list[tuple[str, bytes, bytes]] = []
    changelog: list[tuple[bytes, bytes | None]] = []

    async def publish(topic, key, value):
        published.append((topic.get_topic_name(), key, value))

    def send_changelog(partition, key, value, *args, **kwargs):
        changelog.append((key, value))
        return SimpleNamespace(message=SimpleNamespace(partition=partition if partition is not None else 0))

    ctx.publish = publish  # type: ignore[method-assign]
    table = ctx.app.tables[STORY_TABLE]
    table.send_changelog = send_changelog  # type: ignore[method-assign]
    return SimpleNamespace(ctx=ctx, table=table, published=published, changelog=changelog)


async def test_a_story_of_four_articles_raises_two_alerts_and_keeps_its_state_in_the_table(worker):
    async with worker.ctx.app.agents["raise-alerts"].test_context() as agent:
        for i in range(4):
            m = mention(f"a{i}", 0, f"outlet {i}")
            await agent.put(key=m.story_key.encode(), value=m.to_bytes())
        await agent.put(key=b"arms_trade:KP->RU", value=mention("a0", 0, "outlet 0").to_bytes())  # seen before
    alerts = [Alert.model_validate_json(v) for t, _, v in worker.published if t == "alerts"]
    assert [(a.severity, a.escalation) for a in alerts] == [("medium", None), ("high", "corroborated")]
    assert {t for t, _, _ in worker.published} == {"alerts", "alerts-arms-trade"}
    state = StoryState.model_validate_json(worker.table[b"arms_trade:KP->RU"])
    assert state.windows[0].mentions == 4 and state.windows[0].alert_id == alerts[-1].alert_id
    assert [k for k, _ in worker.changelog] == [b"arms_trade:KP->RU"] * 4, "the duplicate wrote nothing"
    value_of = worker.ctx.metrics.registry.get_sample_value
    assert value_of("stream_alerts_suppressed_total", {"category": "arms_trade", "reason": "in_window"}) == 2
    assert value_of("stream_alerts_suppressed_total", {"category": "arms_trade", "reason": "duplicate"}) == 1
    assert value_of("stream_alerts_escalated_total", {"category": "arms_trade", "reason": "corroborated"}) == 1


async def test_expiry_deletes_stale_stories_with_a_changelog_tombstone(worker):
    async with worker.ctx.app.agents["raise-alerts"].test_context() as agent:
        m = mention()
        await agent.put(key=m.story_key.encode(), value=m.to_bytes())
    from stream.alerting.store import StoryStore

    store = StoryStore(worker.table)
    later = utc_now() + timedelta(days=3)
    assert store.expire(utc_now(), 172_800, partitions=None) == 0
    assert store.expire(later, 172_800, partitions={99}) == 0, "only stories of this worker's partitions"
    assert store.expire(later, 172_800, partitions=None) == 1
    assert b"arms_trade:KP->RU" not in worker.table and worker.changelog[-1] == (b"arms_trade:KP->RU", None)
