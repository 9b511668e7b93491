"""Readiness and rules-reload accounting, on stand-ins for the Faust app and the watcher."""

import time
from types import SimpleNamespace

from stream.metrics import build_metrics
from stream.worker.context import BrokerContact
from stream.tagging.agents import TaggingStage
from stream.worker.web import is_ready


def ctx_with(assignment=frozenset({1}), rebalancing=False, contact_age=None):
    contact = BrokerContact(last=None if contact_age is None else time.monotonic() - contact_age)
    app = SimpleNamespace(rebalancing=rebalancing, consumer=SimpleNamespace(assignment=lambda: assignment))
    return SimpleNamespace(app=app, broker_contact=contact)


def test_ready_once_assigned_and_not_rebalancing():
    assert is_ready(ctx_with(), max_contact_age=15)[0]
    assert is_ready(ctx_with(assignment=set()), max_contact_age=15) == (False, "no partitions assigned")
    assert is_ready(ctx_with(rebalancing=True), max_contact_age=15) == (False, "rebalancing")


def test_not_ready_while_the_broker_is_unreachable():
    ctx = ctx_with(contact_age=1.0)
    ctx.broker_contact.failed()
    ready, detail = is_ready(ctx, max_contact_age=15)
    assert not ready and detail.startswith("Kafka unreachable for")
    ctx.broker_contact.note()
    assert is_ready(ctx, max_contact_age=15)[0]


def test_not_ready_when_the_broker_has_not_answered_lately():
    assert is_ready(ctx_with(contact_age=3.0), max_contact_age=15)[0]
    ready, detail = is_ready(ctx_with(contact_age=40.0), max_contact_age=15)
    assert not ready and detail == "no broker round trip for 40 s"


class FakeWatcher:
    def __init__(self) -> None:
        self.failures, self.tagger, self.outcomes = 0, SimpleNamespace(version="v1"), []

    def poll(self) -> bool:
        outcome = self.outcomes.pop(0)
        if outcome == "fail":
            self.failures += 1
        elif outcome == "reload":
            self.tagger = SimpleNamespace(version="v2")
        return outcome == "reload"


def test_every_failed_reload_is_counted_once_and_success_updates_the_version():
    watcher, metrics = FakeWatcher(), build_metrics()
    stage = TaggingStage(watcher)  # type: ignore[arg-type]
    watcher.outcomes = ["fail", "same", "fail", "reload", "same"]
    results = [stage.reload(SimpleNamespace(metrics=metrics)) for _ in range(5)]
    assert results == [False, False, False, True, False]
    value = metrics.registry.get_sample_value
    assert value("stream_rules_reloads_total", {"outcome": "error"}) == 2
    assert value("stream_rules_reloads_total", {"outcome": "success"}) == 1
    assert value("stream_rules_info", {"version": "v2"}) == 1
