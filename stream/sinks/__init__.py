"""Alert sinks: deliver alerts from the alert topic to receivers outside Kafka (placeholder)."""

from __future__ import annotations

from stream.worker.context import WorkerContext


def register(ctx: WorkerContext) -> tuple[str, ...]:
    """Start the sinks the settings enable; returns their names (for metrics priming)."""
    return ()
