"""The live alert page and server-sent events on the worker's web server.

``GET /alerts/stream`` streams alerts (backlog or resume, then live) as server-sent events;
``GET /alerts`` is a page that shows them as they arrive.
"""

from __future__ import annotations

from stream.live import page
from stream.live.endpoint import LiveStreams
from stream.worker.context import WorkerContext


def register(ctx: WorkerContext) -> None:
    """Add /alerts and /alerts/stream to the worker's web server."""
    app = ctx.app
    streams = LiveStreams(ctx)
    app.web.web_app.on_shutdown.append(streams.on_shutdown)

    @app.page("/alerts/stream")
    async def alert_stream(self, request):  # type: ignore[no-untyped-def]
        return await streams.handle(request)

    body, csp = page.build()  # at start-up: a broken page fails the worker's start, not a visit

    @app.page("/alerts")
    async def alert_page(self, request):  # type: ignore[no-untyped-def]
        return page.response(page.with_categories(body, ctx.alerts_by_category), csp)
