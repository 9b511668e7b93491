"""Rules hot reload in a running worker: no restart, nothing lost, nothing processed twice."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from stream.models import TaggedParagraph
from stream.tagging import DEFAULT_RULES_DIR
from stream.topics import ensure_topics
from stream.worker.process import WorkerProcess

from .conftest import isolated_settings
from .helpers import consume_until, produce

pytestmark = pytest.mark.integration

PROBE_TEXT = "Port inspectors documented a zorblax handover scheme run through the free zone."
NEW_TERM = "zorblax handover"


def event(event_id: str, text: str) -> bytes:
    return json.dumps({
        "event_id": event_id, "article_id": f"art-{event_id}", "paragraph_index": 0, "paragraph_count": 1,
        "text": text, "ingested_at": "2024-05-01T10:00:00Z",
    }).encode()


def write_atomically(path: Path, text: str) -> None:
    """How an operator (or a ConfigMap update) replaces a file: the watcher never sees half of it."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def add_compound_term(rules_dir: Path, term: str) -> None:
    path = rules_dir / "arms_trade.yaml"
    text = path.read_text()
    anchor = "    terms:\n"  # the first lexicon (arms_compound) lists its terms first
    assert anchor in text
    write_atomically(path, text.replace(anchor, f'{anchor}      - "{term}"\n', 1))


@pytest.fixture(scope="module")
def reload_worker(bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WorkerProcess, Path]]:
    state = tmp_path_factory.mktemp("reload")
    rules = state / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    settings = isolated_settings(bootstrap, state, rules_dir=rules, rules_poll_seconds=0.3)
    asyncio.run(ensure_topics(settings))
    worker = WorkerProcess(settings, state / "worker.log").start(ready_timeout=120)
    yield worker, rules
    worker.stop()


def wait_for_version_change(worker: WorkerProcess, old: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        version = worker.readiness()["rules_version"]
        if version != old:
            return version
        time.sleep(0.1)
    raise AssertionError(f"rules were not reloaded within {timeout} s:\n{worker.log_tail()}")


def tagged_records(worker: WorkerProcess, until_ids: set[str]) -> list[TaggedParagraph]:
    """Every tagged record, read until ``until_ids`` are all there and then 2 s more, so a
    duplicate arriving late is still seen."""
    s = worker.settings

    def seen(records) -> set[str]:
        return {TaggedParagraph.model_validate_json(r.value).event_id for r in records}

    first = asyncio.run(consume_until(s.bootstrap_servers, s.topic_tagged, lambda r: until_ids <= seen(r), timeout=60))
    assert until_ids <= seen(first), f"missing {sorted(until_ids - seen(first))[:5]}:\n{worker.log_tail()}"
    settled = asyncio.run(consume_until(s.bootstrap_servers, s.topic_tagged, lambda r: len(r) > len(first), timeout=2))
    return [TaggedParagraph.model_validate_json(r.value) for r in settled]


def test_changed_rules_apply_between_events_without_loss_or_duplicates(reload_worker):
    worker, rules = reload_worker
    s = worker.settings
    old_version = worker.readiness()["rules_version"]
    filler = "Officials discussed grain exports, tourism and a new rail link."

    async def stream_events() -> None:
        # 150 events, 10 ms apart; the rules change while they flow.
        producer = AIOKafkaProducer(bootstrap_servers=s.bootstrap_servers, acks="all")
        await producer.start()
        try:
            for i in range(150):
                text = PROBE_TEXT if i % 10 == 0 else filler
                await producer.send_and_wait(s.topic_paragraphs, event(f"e{i:03d}", text), key=f"art-{i}".encode())
                if i == 40:
                    add_compound_term(rules, NEW_TERM)
                await asyncio.sleep(0.01)
        finally:
            await producer.stop()

    asyncio.run(stream_events())
    new_version = wait_for_version_change(worker, old_version)
    asyncio.run(produce(s.bootstrap_servers, s.topic_paragraphs, [(b"art-last", event("e-last", PROBE_TEXT))]))

    sent = {f"e{i:03d}" for i in range(150)} | {"e-last"}
    tagged = tagged_records(worker, sent)
    ids = [t.event_id for t in tagged]
    assert len(ids) == len(set(ids)) == 151 and set(ids) == sent, "an event was lost or processed twice"
    streamed = {t.rules_version for t in tagged if t.event_id != "e-last"}
    assert streamed == {old_version, new_version}, "the reload did not land while events were flowing"
    by_id = {t.event_id: t for t in tagged}
    last = by_id["e-last"]
    assert last.rules_version == new_version
    assert [t.category for t in last.tags] == ["arms_trade"]
    assert NEW_TERM in {e.text.lower() for e in last.tags[0].evidence}
    # Every probe is tagged exactly when the rules it was stamped with contain the new term.
    for t in tagged:
        if t.text == PROBE_TEXT:
            assert bool(t.tags) == (t.rules_version == new_version), t.event_id


def reload_errors(worker: WorkerProcess) -> float:
    for family in text_string_to_metric_families(worker.metrics_text()):
        for sample in family.samples:
            if sample.name == "stream_rules_reloads_total" and sample.labels == {"outcome": "error"}:
                return sample.value
    raise AssertionError("stream_rules_reloads_total{outcome=error} is missing")


def test_invalid_rules_keep_the_running_ones_and_are_counted(reload_worker):
    worker, rules = reload_worker
    s = worker.settings
    version = worker.readiness()["rules_version"]
    errors_before = reload_errors(worker)
    write_atomically(rules / "sanctions.yaml", "kind: category\ncategory: sanctions\nthreshold: 7\n")
    deadline = time.monotonic() + 20
    while reload_errors(worker) == errors_before:
        assert time.monotonic() < deadline, worker.log_tail()
        time.sleep(0.1)
    assert reload_errors(worker) == errors_before + 1
    assert worker.readiness()["rules_version"] == version
    asyncio.run(produce(s.bootstrap_servers, s.topic_paragraphs, [(b"art-after", event("e-after-bad-rules", PROBE_TEXT))]))
    tagged = {t.event_id: t for t in tagged_records(worker, {"e-after-bad-rules"})}
    assert tagged["e-after-bad-rules"].rules_version == version
    assert worker.process is not None and worker.process.poll() is None
