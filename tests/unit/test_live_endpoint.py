"""The /alerts/stream handler on a real aiohttp server, with an in-memory feed instead of Kafka."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
from types import SimpleNamespace

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from stream.config import Settings
from stream.errors import BrokerError
from stream.live import page
from stream.live.endpoint import LiveStreams
from stream.live.filters import StreamRequest
from stream.metrics import build_metrics
from stream.models import Alert
from tests.support.live import EventReader, alert


class MemoryFeed:
    """Stands in for AlertFeed: a fixed catch-up, then whatever the test puts in ``live``."""

    def __init__(self, backlog: list[Alert], fail_open: bool = False, fail_catch_up: bool = False) -> None:
        self.backlog = backlog
        self.fail_open = fail_open
        self.fail_catch_up = fail_catch_up
        self.live: asyncio.Queue[Alert] = asyncio.Queue()
        self.opened = asyncio.Event()
        self.closed = asyncio.Event()
        self.request: StreamRequest | None = None

    async def open(self) -> None:
        if self.fail_open:
            raise BrokerError("no Kafka broker answers at 127.0.0.1:1")
        self.opened.set()

    async def close(self) -> None:
        self.closed.set()

    async def catch_up(self) -> list[Alert]:
        if self.fail_catch_up:
            raise RuntimeError("the broker went away mid-scan")
        return self.backlog

    async def poll(self, timeout_ms: int = 500) -> list[Alert]:
        try:
            return [await asyncio.wait_for(self.live.get(), timeout_ms / 1000)]
        except asyncio.TimeoutError:
            return []


@pytest.fixture
def setup():
    feeds: list[MemoryFeed] = []
    options = {"backlog": [], "fail_open": False, "fail_catch_up": False}

    def new_feed(ctx, wanted, bad):  # noqa: ANN001
        feed = MemoryFeed(options["backlog"], options["fail_open"], options["fail_catch_up"])
        feed.request = wanted
        feeds.append(feed)
        return feed

    ctx = SimpleNamespace(settings=Settings(live_backlog_alerts=7), metrics=build_metrics())
    streams = LiveStreams(ctx, keepalive_seconds=0.05, new_feed=new_feed)  # type: ignore[arg-type]
    return SimpleNamespace(ctx=ctx, streams=streams, feeds=feeds, options=options)


async def client_for(streams: LiveStreams) -> TestClient:
    app = web.Application()
    app.router.add_get("/alerts/stream", streams.handle)
    app.on_shutdown.append(streams.on_shutdown)
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


def gauge(ctx) -> float:  # noqa: ANN001
    return ctx.metrics.registry.get_sample_value("stream_live_clients")


async def wait_for(event: asyncio.Event, what: str) -> None:
    try:
        await asyncio.wait_for(event.wait(), 10)
    except asyncio.TimeoutError:
        pytest.fail(f"timed out waiting for {what}")


async def test_backlog_then_live_alerts_with_ids_and_keepalives(setup) -> None:
    first, second, third = alert(), alert(severity="critical"), alert(category="sanctions")
    setup.options["backlog"] = [first, second]
    client = await client_for(setup.streams)
    try:
        response = await client.get("/alerts/stream", params={"min_severity": "high", "backlog": "3"})
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        reader = EventReader(response)
        assert await reader.block() == {"retry": "3000"}
        assert [(i, a) for i, a in await reader.alerts(2)] == [(first.alert_id, first), (second.alert_id, second)]
        assert gauge(setup.ctx) == 1
        feed = setup.feeds[0]
        assert feed.request.filter.min_severity == "high" and feed.request.backlog == 3
        feed.live.put_nowait(third)
        assert await reader.alert() == (third.alert_id, third)
        response.close()
        await wait_for(feed.closed, "the feed to close after the client left")
        for _ in range(100):
            if gauge(setup.ctx) == 0:
                break
            await asyncio.sleep(0.05)
        assert gauge(setup.ctx) == 0
    finally:
        await client.close()


async def test_an_idle_stream_sends_keepalive_comments(setup) -> None:
    client = await client_for(setup.streams)
    try:
        response = await client.get("/alerts/stream")
        reader = EventReader(response)
        raw = await asyncio.wait_for(response.content.readuntil(b": keepalive\n\n"), 10)
        assert raw.endswith(b": keepalive\n\n")
        setup.feeds[0].live.put_nowait(item := alert())
        assert await reader.alert() == (item.alert_id, item)
    finally:
        await client.close()


async def test_a_bad_parameter_is_a_400_with_one_line(setup) -> None:
    client = await client_for(setup.streams)
    try:
        response = await client.get("/alerts/stream", params={"category": "no such!"})
        assert response.status == 400
        body = await response.text()
        assert body == ("category: not a category name: 'no such!' "
                        "(lower-case letters, digits and _, e.g. arms_trade)\n")
        assert setup.feeds == [], "no Kafka reader for a refused request"
        assert gauge(setup.ctx) == 0
    finally:
        await client.close()


async def test_an_unreachable_broker_is_a_503(setup) -> None:
    setup.options["fail_open"] = True
    client = await client_for(setup.streams)
    try:
        response = await client.get("/alerts/stream")
        assert response.status == 503
        assert "no Kafka broker answers" in await response.text()
        assert gauge(setup.ctx) == 0
    finally:
        await client.close()


async def test_a_failed_catch_up_is_a_503_and_closes_the_reader(setup) -> None:
    setup.options["fail_catch_up"] = True
    client = await client_for(setup.streams)
    try:
        response = await client.get("/alerts/stream")
        assert response.status == 503
        assert (await response.text()).count("\n") == 1
        assert setup.feeds[0].closed.is_set()
        assert gauge(setup.ctx) == 0
    finally:
        await client.close()


async def test_server_shutdown_ends_open_streams(setup) -> None:
    client = await client_for(setup.streams)
    response = await client.get("/alerts/stream")
    reader = EventReader(response)
    await reader.block()
    await setup.streams.on_shutdown(web.Application())
    with pytest.raises(EOFError):
        while True:
            await reader.block(timeout=10)
    await wait_for(setup.feeds[0].closed, "the feed to close on shutdown")
    await client.close()


def test_the_page_is_one_document_that_loads_nothing_from_elsewhere() -> None:
    body, csp = page.build()
    html = body.decode()
    assert "<!--" not in html, "every placeholder is inlined"
    assert html.count("<script>") == 2 and html.count("<style>") == 1
    assert "src=" not in html and "<link rel=\"stylesheet\"" not in html
    assert "http://" not in html and "https://" not in html
    # Each inline block is admitted by its hash, and nothing else is.
    for kind in ("script", "style"):
        for block in re.findall(rf"<{kind}>(.*?)</{kind}>", html, flags=re.S):
            digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in csp
    assert csp.startswith("default-src 'none';") and "'unsafe-inline'" not in csp
    response = page.response(body, csp)
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Referrer-Policy"] == "no-referrer"
