"""HTTP endpoints on the worker's web server: /metrics, /healthz (liveness), /readyz."""

from __future__ import annotations

import json

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from stream.worker.context import WorkerContext
from stream.worker.monitors import LAG_INTERVAL_SECONDS


def is_ready(ctx: WorkerContext, max_contact_age: float) -> tuple[bool, str]:
    """Ready once partitions are assigned, no rebalance runs, and the broker answered recently."""
    app = ctx.app
    if app.rebalancing:
        return False, "rebalancing"
    assignment = app.consumer.assignment()
    if not assignment:
        return False, "no partitions assigned"
    contact = ctx.broker_contact
    if not contact.reachable:
        return False, f"Kafka unreachable for {contact.seconds_without_contact():.0f} s"
    age = contact.age()
    if age is not None and age > max_contact_age:
        return False, f"no broker round trip for {age:.0f} s"
    return True, f"{len(assignment)} partitions assigned"


def assigned_by_topic(ctx: WorkerContext) -> dict[str, int]:
    """How many partitions of each topic this worker consumes now (changelogs included)."""
    counts: dict[str, int] = {}
    for tp in ctx.app.consumer.assignment():
        counts[tp.topic] = counts.get(tp.topic, 0) + 1
    return dict(sorted(counts.items()))


def register(ctx: WorkerContext) -> None:
    app = ctx.app

    @app.page("/metrics")
    async def metrics(self, request):  # type: ignore[no-untyped-def]
        body = generate_latest(ctx.metrics.registry)
        return self.bytes(body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    @app.page("/healthz")
    async def healthz(self, request):  # type: ignore[no-untyped-def]
        return self.bytes(b'{"status": "ok"}', content_type="application/json")

    @app.page("/readyz")
    async def readyz(self, request):  # type: ignore[no-untyped-def]
        ready, detail = is_ready(ctx, max_contact_age=3 * LAG_INTERVAL_SECONDS)
        info = {name: read() for name, read in ctx.readiness_info.items()}
        body = json.dumps({"ready": ready, "detail": detail, "partitions": assigned_by_topic(ctx), **info})
        return self.bytes(body.encode(), content_type="application/json", status=200 if ready else 503)
