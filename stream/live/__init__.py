"""The live alert page and server-sent events on the worker's web server (placeholder)."""

from __future__ import annotations

from stream.worker.context import WorkerContext


def register(ctx: WorkerContext) -> None:
    """Add /alerts and /alerts/stream to the worker's web server."""
