"""A category is one rules file: dropped into a running worker's STREAM_RULES_DIR, it is tagged,
alerted on its own topic and counted in the metrics, with no code change and no restart."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path

import pytest

from stream.cli.metrics_summary import metric_totals, summary_table
from stream.models import Alert, TaggedParagraph
from stream.tagging import DEFAULT_RULES_DIR
from stream.topics import ensure_topics
from stream.worker.process import WorkerProcess

from .conftest import isolated_settings
from .helpers import consume_until, produce
from .test_hot_reload import event, write_atomically

pytestmark = pytest.mark.integration

DUAL_USE = """\
kind: category
category: dual_use
label: Dual-use goods
lexicons:
  dual_use_goods:
    description: Goods with both civilian and military uses, named as such.
    terms:
      - "dual use {good,goods,item,items,technology,technologies,component,components}"
rules:
  - id: dual_use.goods
    description: Dual-use goods named outright.
    match: [dual_use_goods]
    weight: 0.9
"""
TEXT = "Customs officers in Tallinn seized dual-use components bound for Russia, the ministry said."


def test_a_category_added_at_runtime_is_tagged_alerted_and_counted(bootstrap: str, tmp_path: Path):
    rules = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, rules)
    settings = isolated_settings(bootstrap, tmp_path, rules_dir=rules, rules_poll_seconds=0.3)
    asyncio.run(ensure_topics(settings))
    worker = WorkerProcess(settings, tmp_path / "worker.log").start(ready_timeout=120)
    try:
        before = worker.readiness()["rules_version"]
        write_atomically(rules / "dual_use.yaml", DUAL_USE)
        deadline = time.monotonic() + 30
        while worker.readiness()["rules_version"] == before and time.monotonic() < deadline:
            time.sleep(0.2)
        assert worker.readiness()["rules_version"] != before, f"the new rules file was not loaded:\n{worker.log_tail()}"
        asyncio.run(produce(bootstrap, settings.topic_paragraphs, [(b"art-du", event("du-1", TEXT))]))
        topic = settings.alert_topic_for("dual_use")
        records = asyncio.run(consume_until(bootstrap, topic, lambda rs: len(rs) >= 1, timeout=60))
        tagged = [TaggedParagraph.model_validate_json(r.value) for r in asyncio.run(consume_until(
            bootstrap, settings.topic_tagged, lambda rs: len(rs) >= 1, timeout=10))]
        metrics = worker.metrics_text()
    finally:
        worker.stop()
    assert topic == f"{settings.topic_alerts_prefix}dual-use"
    [alert] = [Alert.model_validate_json(r.value) for r in records]
    assert alert.category == "dual_use" and alert.story_key == "dual_use:EE+RU" and "Dual use" in alert.summary
    assert [t.category for p in tagged if p.event_id == "du-1" for t in p.tags] == ["dual_use"]
    totals = metric_totals(metrics)
    assert totals[("stream_tags_total", (("category", "dual_use"), ("stance", "asserted")))] == 1
    assert totals[("stream_alerts_total", (("category", "dual_use"), ("severity", "medium")))] == 1
    assert totals[("stream_alerts_suppressed_total", (("category", "dual_use"), ("reason", "duplicate")))] == 0
    assert "dual_use" in [c.header for c in summary_table(metrics, "x").columns], "the demo summary has its column"
    assert json.loads(json.dumps(alert.model_dump(mode="json")))["category"] == "dual_use"
