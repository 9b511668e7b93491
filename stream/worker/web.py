"""HTTP endpoints on the worker's web server: /metrics, /healthz (liveness), /readyz."""

from __future__ import annotations

import json

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from stream.worker.context import WorkerContext


def is_ready(ctx: WorkerContext) -> tuple[bool, str]:
    """Ready once the consumer has partitions assigned and no rebalance is in progress."""
    app = ctx.app
    try:
        assignment = app.consumer.assignment()
    except Exception:  # consumer not started yet
        return False, "consumer not started"
    if app.rebalancing:
        return False, "rebalancing"
    if not assignment:
        return False, "no partitions assigned"
    return True, f"{len(assignment)} partitions assigned"


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
        ready, detail = is_ready(ctx)
        body = json.dumps({"ready": ready, "detail": detail, "rules_version": ctx.watcher.tagger.version})
        return self.bytes(body.encode(), content_type="application/json", status=200 if ready else 503)
