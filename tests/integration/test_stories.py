"""Stories on the real broker: dedup across a graceful restart, escalation, state from the changelog.

Each test runs its own worker processes (stopped and started again mid-test) on its own topics.
Waits are for counts the worker reports about exactly what was sent, never for a sleep.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from stream.cli.metrics_summary import metric_totals
from stream.ingest.publisher import publish_articles
from stream.ingest.readers import read_articles
from stream.ingest.splitter import article_events
from stream.models import Alert, severity_rank
from stream.tagging import load_tagger
from stream.alerting.stories import story_key
from stream.topics import ensure_topics
from stream.worker.process import WorkerProcess

from .conftest import isolated_settings
from .helpers import consume_until

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds"


def total(worker: WorkerProcess, name: str, **labels: str) -> float:
    return sum(v for (n, lbls), v in metric_totals(worker.metrics_text()).items()
               if n == name and set(labels.items()) <= set(lbls))


def wait_until(what: str, check: Callable[[], bool], worker: WorkerProcess, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        assert worker.running(), f"the worker died while waiting for {what}:\n{worker.log_tail()}"
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}:\n{worker.log_tail()}", pytrace=False)


def expected_tags(paths: list[Path]) -> int:
    tagger = load_tagger()
    return sum(len(tagger.tag(e.text)) for a in read_articles(paths) for e in article_events(a))


def replay_and_settle(worker: WorkerProcess, paths: list[Path], tags: int) -> None:
    """Publish the articles and wait until the story stage has decided on each of their tags."""
    s = worker.settings
    asyncio.run(publish_articles(read_articles(paths), bootstrap=s.bootstrap_servers, topic=s.topic_paragraphs))
    wait_until(f"{tags} story mentions", lambda: total(worker, "stream_story_mentions_total") >= tags, worker)


def alerts_on_topic(worker: WorkerProcess, expected: int, timeout: float = 30.0) -> list[Alert]:
    s = worker.settings
    records = asyncio.run(consume_until(s.bootstrap_servers, s.topic_alerts, lambda r: len(r) >= expected, timeout))
    return [Alert.model_validate_json(r.value) for r in records]


def restart(worker: WorkerProcess, log: Path) -> WorkerProcess:
    code = worker.stop()
    assert code in (0, -15), f"the worker did not stop gracefully ({code}):\n{worker.log_tail()}"
    return WorkerProcess(worker.settings, log).start(ready_timeout=120)


def test_replaying_the_seeds_after_a_graceful_restart_adds_no_alert_record(bootstrap: str, tmp_path: Path):
    settings = isolated_settings(bootstrap, tmp_path)
    asyncio.run(ensure_topics(settings))
    tags = expected_tags([SEEDS])
    worker = WorkerProcess(settings, tmp_path / "first.log").start(ready_timeout=120)
    try:
        replay_and_settle(worker, [SEEDS], tags)
        raised = int(total(worker, "stream_alerts_total"))
        first = alerts_on_topic(worker, raised)
        assert len(first) == raised and 0 < raised <= tags
        worker = restart(worker, tmp_path / "second.log")
        replay_and_settle(worker, [SEEDS], tags)
        duplicates = total(worker, "stream_alerts_suppressed_total", reason="duplicate")
        assert duplicates == tags, (f"after the restart {duplicates} of {tags} replayed tags were recognised: "
                                    "the story table was not recovered from its changelog")
        assert total(worker, "stream_alerts_total") == 0
        # Every decision is made (and its alert sent) before it is counted: a new record would be
        # there within milliseconds; give it seconds.
        after = alerts_on_topic(worker, raised + 1, timeout=5)
        ids = [a.alert_id for a in after]
        assert len(ids) == len(set(ids)) == raised, (
            f"{len(ids)} alert records, {len(set(ids))} distinct ids, {raised} raised by the first replay")
    finally:
        worker.stop()


def six_reports(tmp_path: Path) -> Path:
    """Six outlets report the same North Korea -> Russia shell deliveries on one day."""
    phrasings = [
        "North Korea shipped artillery shells to Russia, officials in Seoul said.",
        "North Korea has supplied millions of artillery shells to Russia, according to a think tank.",
        "Russia received ballistic missiles and shells from North Korea, intelligence officials said.",
        "North Korea delivered more artillery ammunition to Russia by rail this month, satellite images show.",
        "North Korea sent thousands of containers of munitions to Russia, the defence ministry said.",
        "North Korea shipped rockets and artillery shells to Russia in violation of UN resolutions, diplomats said.",
    ]
    path = tmp_path / "six-outlets.jsonl"
    with path.open("w") as out:
        for i, text in enumerate(phrasings):
            out.write(json.dumps({"id": f"kp-ru-{i}", "title": f"Report {i}", "text": text, "source": f"Outlet {i}",
                                  "url": f"https://outlet{i}.example/kp-ru", "published_at": f"2024-06-03T0{i}:15:00Z"})
                      + "\n")
    return path


def test_six_reports_of_one_story_escalate_across_a_restart_with_fewer_alerts_than_paragraphs(
        bootstrap: str, tmp_path: Path):
    path = six_reports(tmp_path)
    articles = list(read_articles([path]))
    tagger = load_tagger()
    keys = {story_key(t, a.article_id) for a in articles for t in tagger.tag(a.paragraphs[0]) if t.category == "arms_trade"}
    assert keys == {"arms_trade:KP->RU"}, f"precondition: every report is one story, got {keys}"
    tags = expected_tags([path])
    settings = isolated_settings(bootstrap, tmp_path)
    asyncio.run(ensure_topics(settings))
    first_half, second_half = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    first_half.write_text("".join(lines[:2]))
    second_half.write_text("".join(lines[2:]))
    worker = WorkerProcess(settings, tmp_path / "first.log").start(ready_timeout=120)
    try:
        before = expected_tags([first_half])
        replay_and_settle(worker, [first_half], before)
        worker = restart(worker, tmp_path / "second.log")  # the story's counts must come back from the changelog
        replay_and_settle(worker, [second_half], tags - before)
        raised = [a for a in alerts_on_topic(worker, 3) if a.story_key == "arms_trade:KP->RU"]
    finally:
        worker.stop()
    counts = f"{len(articles)} paragraphs, {tags} tags, {len(raised)} story alerts: " + ", ".join(
        f"{a.severity}/{a.escalation}/{a.articles} articles" for a in raised)
    assert len(raised) < len(articles), counts
    ranks = [severity_rank(a.severity) for a in raised]
    assert ranks == sorted(set(ranks)) and raised[-1].severity == "critical", f"severity must only rise: {counts}"
    assert raised[0].supersedes is None and all(
        later.supersedes == earlier.alert_id for earlier, later in zip(raised, raised[1:])), counts
    [corroborated] = [a for a in raised if a.escalation == "corroborated"]
    assert corroborated.articles == 3 and corroborated.sources == 3, (
        f"the third report after the restart must see the two before it: {counts}")
    surge = raised[-1]
    assert surge.escalation == "surge" and surge.articles == 6 and surge.sources == 6, counts
    assert sorted(surge.article_ids) == [f"kp-ru-{i}" for i in range(6)] and surge.window_count == 6
    assert surge.text and surge.text[surge.evidence[0].start:surge.evidence[0].end] == surge.evidence[0].text
