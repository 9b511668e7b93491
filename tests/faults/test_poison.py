"""A record that makes a stage's logic raise is dead-lettered with that stage's reason, and the
agent goes on: one poison record injected into each stage of a real worker on the real broker.

The stages' logic has no input known to make it raise (the fuzz tests look for one), so the
worker process is started with a ``sitecustomize`` that wraps each stage's function to raise on
a marker, the way a bug would: the agents, Faust, the broker and the dead-letter path are real.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from stream.alerting.stories import mentions_of
from stream.models import TaggedParagraph, Timings, utc_now
from stream.tagging import load_tagger
from stream.topics import ensure_topics
from stream.worker.process import WorkerProcess
from tests.conftest import REPO_ROOT
from tests.faults.faultkit import dead_letters, read_all
from tests.integration.conftest import isolated_settings
from tests.integration.helpers import produce

pytestmark = pytest.mark.integration

SITECUSTOMIZE = '''
import stream.alerting.agents as alerting, stream.tagging.tagger as tagger

def poisoned(real, marker, when):
    def wrapper(*args, **kwargs):
        if when(*args):
            raise RuntimeError(f"poisoned by {marker}")
        return real(*args, **kwargs)
    return wrapper

tagger.Tagger.tag = poisoned(tagger.Tagger.tag, "POISON-TAG", lambda self, text: "POISON-TAG" in text)
alerting.mentions_of = poisoned(alerting.mentions_of, "POISON-ROUTE", lambda p: "POISON-ROUTE" in p.text)
alerting.decide = poisoned(alerting.decide, "POISON-ALERT", lambda state, m, *a: "POISON-ALERT" in m.text)
'''
HEALTHY = "Customs officers seized a shipment of smuggled rifles bound for the rebels."


def paragraph(event_id: str, text: str) -> bytes:
    return json.dumps({"event_id": event_id, "article_id": event_id, "paragraph_index": 0, "paragraph_count": 1,
                       "text": text, "ingested_at": "2024-05-01T10:00:00Z"}).encode()


def tagged(event_id: str, text: str) -> TaggedParagraph:
    return TaggedParagraph(event_id=event_id, article_id=event_id, paragraph_index=0, paragraph_count=1, text=text,
                           ingested_at=utc_now(), tags=load_tagger().tag(text), rules_version="test",
                           timings=Timings(tag_seconds=0.0))


def test_a_poison_record_in_each_stage_is_dead_lettered_and_the_stage_goes_on(bootstrap: str, tmp_path: Path):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE)
    settings = isolated_settings(bootstrap, tmp_path)
    asyncio.run(ensure_topics(settings))
    worker = WorkerProcess(settings, tmp_path / "worker.log",
                           extra_env={"PYTHONPATH": f"{hook}:{REPO_ROOT}"}).start(ready_timeout=120)
    route_poison = tagged("p-route", f"{HEALTHY} POISON-ROUTE")
    try:
        records = [
            (b"p-tag", paragraph("p-tag", f"{HEALTHY} POISON-TAG")),       # the tagger raises
            (b"p-alert", paragraph("p-alert", f"{HEALTHY} POISON-ALERT")),  # the story policy raises
            (b"ok-1", paragraph("ok-1", HEALTHY)),
        ]
        asyncio.run(produce(bootstrap, settings.topic_paragraphs, records))
        asyncio.run(produce(bootstrap, settings.topic_tagged, [(b"p-route", route_poison.to_bytes())]))
        asyncio.run(produce(bootstrap, settings.topic_paragraphs, [(b"ok-2", paragraph("ok-2", HEALTHY))]))
        letters = dead_letters(bootstrap, settings.topic_dlq, expected=3, timeout=60)
        alerts = read_all(bootstrap, settings.topic_alerts,
                          lambda rs: {b"arms_trade:article:ok-1", b"arms_trade:article:ok-2"} <= {r.key for r in rs}, 60)
        alive = worker.running()
    finally:
        worker.stop()
    by_reason = {d.reason: d for d in letters}
    counts = (f"dead letters {len(letters)}: {sorted((d.reason, d.topic) for d in letters)}; alerts after the poison: "
              f"the poison: {sorted(r.key.decode() for r in alerts)}; worker alive: {alive}")
    assert set(by_reason) == {"tagger_error", "routing_error", "policy_error"}, counts
    assert by_reason["tagger_error"].topic == settings.topic_paragraphs, counts
    assert by_reason["routing_error"].topic == settings.topic_tagged, counts
    assert by_reason["policy_error"].topic == settings.topic_mentions, counts
    assert all("poisoned by POISON-" in d.error for d in letters), counts
    assert {b"arms_trade:article:ok-1", b"arms_trade:article:ok-2"} <= {r.key for r in alerts}, counts
    assert alive, counts
    assert len(mentions_of(route_poison)) == 1, "precondition: the route poison is a valid tagged paragraph"
