"""GET /alerts/stream: alerts as server-sent events, one group-less Kafka reader per client."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from stream.errors import BrokerError
from stream.kafka_auth import client_security
from stream.live import sse
from stream.live.feed import AlertFeed, BadRecords
from stream.live.filters import RequestError, StreamRequest, parse_request
from stream.models import Alert
from stream.worker.context import WorkerContext

log = logging.getLogger("stream.live")
KEEPALIVE_SECONDS = 15.0
POLL_MS = 500  # how often a quiet stream checks for a departed client or a shutdown


def frame(alert: Alert) -> bytes:
    return sse.event(alert.alert_id, alert.model_dump_json())


def client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


FeedFactory = Callable[[WorkerContext, StreamRequest, BadRecords], AlertFeed]


def kafka_feed(ctx: WorkerContext, wanted: StreamRequest, bad: BadRecords) -> AlertFeed:
    settings = ctx.settings
    return AlertFeed(settings.bootstrap_servers, settings.topic_alerts, wanted,
                     max_bytes=settings.max_event_bytes, bad=bad, security=client_security(settings))


@dataclass
class LiveStreams:
    """The open streams of one worker: they end when the web server shuts down."""

    ctx: WorkerContext
    keepalive_seconds: float = KEEPALIVE_SECONDS
    new_feed: FeedFactory = kafka_feed
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    bad: BadRecords = field(default_factory=BadRecords)

    async def on_shutdown(self, _app: web.Application) -> None:
        self.stopping.set()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        try:
            wanted = parse_request(request.query, request.headers, self.ctx.settings.live_backlog_alerts)
        except RequestError as exc:
            return web.Response(status=400, text=f"{exc}\n")
        feed = self.new_feed(self.ctx, wanted, self.bad)
        try:
            await feed.open()
        except BrokerError as exc:
            return web.Response(status=503, text=f"alert stream unavailable: {exc}\n")
        gauge = self.ctx.metrics.live_clients
        gauge.inc()
        response = web.StreamResponse(headers=sse.HEADERS)
        try:
            # Catch up before answering: once a client sees the response, every alert published
            # from then on is in its live part.
            first = await feed.catch_up()
            await response.prepare(request)
            await response.write(sse.retry())
            for alert in first:
                await response.write(frame(alert))
            await self._follow(request, response, feed)
        except ConnectionError:
            pass  # the client went away mid-write
        except Exception:  # noqa: BLE001 - one client's failure must not reach the server
            log.exception("alert stream to %s failed", request.remote)
            if not response.prepared:
                return web.Response(status=503, text="alert stream unavailable: reading the alert topic failed\n")
        finally:
            try:
                await asyncio.shield(feed.close())
            finally:
                gauge.dec()
        return response

    async def _follow(self, request: web.Request, response: web.StreamResponse, feed: AlertFeed) -> None:
        last_write = time.monotonic()
        while not self.stopping.is_set() and not client_gone(request):
            alerts = await feed.poll(POLL_MS)
            for alert in alerts:
                await response.write(frame(alert))
            if alerts:
                last_write = time.monotonic()
            elif time.monotonic() - last_write >= self.keepalive_seconds:
                await response.write(sse.KEEPALIVE)
                last_write = time.monotonic()
