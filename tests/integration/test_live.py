"""The live alert stream and page on a real worker and the real broker.

Alerts are published straight onto the worker's alert topic (as any producer could); an SSE
client (aiohttp) checks backlog, live alerts, filters, resume and bad records; headless Chromium
opens /alerts first, then an alert is published and must appear with its evidence in <mark>.
The screenshot goes to test-artifacts/alerts-page.png (and docs/alerts-page.png when
STREAM_UPDATE_DOCS_SCREENSHOT=1).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import struct
import time
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from stream.broker.local import free_port
from stream.live import page, sse
from stream.live.endpoint import frame
from stream.worker.auth import web_application_options
from stream.worker.process import WorkerProcess
from tests.support.browser import Browser
from tests.support.live import alert, expect, live_clients, publish, showcase, stream

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


async def wait_until(what: str, predicate, timeout: float = 20.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}", pytrace=False)


async def test_backlog_first_then_new_alerts(worker: WorkerProcess) -> None:
    old, recent, newest = alert(summary="old"), alert(summary="recent"), alert(summary="newest")
    await publish(worker, old, recent, newest)
    async with stream(worker, backlog="2") as reader:
        await expect(reader, recent, newest)
        assert live_clients(worker) == 1
        fresh = alert(summary="published while connected")
        await publish(worker, fresh)
        await expect(reader, fresh)
    await wait_until("the stream's Kafka reader to close (stream_live_clients back to 0)",
                     lambda: live_clients(worker) == 0)


async def test_category_and_min_severity_filter(worker: WorkerProcess) -> None:
    s_high = alert(category="sanctions", severity="high", summary="s high")
    s_crit = alert(category="sanctions", severity="critical", summary="s critical")
    await publish(worker, s_high, alert(category="arms_trade", severity="critical"),
                  alert(category="sanctions", severity="low"), s_crit, alert(category="sanctions", severity="medium"))
    async with stream(worker, category="sanctions", min_severity="high", backlog="2") as reader:
        await expect(reader, s_high, s_crit)
        s_live = alert(category="sanctions", severity="critical", summary="s live")
        await publish(worker, alert(category="arms_trade", severity="critical"),
                      alert(category="sanctions", severity="medium"), s_live)
        await expect(reader, s_live)


async def test_last_event_id_resumes_after_that_alert(worker: WorkerProcess) -> None:
    r1, r2, r3 = (alert(summary=f"r{i}") for i in (1, 2, 3))
    await publish(worker, r1, r2, r3)
    async with stream(worker, headers={"Last-Event-ID": r1.alert_id}) as reader:
        await expect(reader, r2, r3)
        r4 = alert(summary="r4")
        await publish(worker, r4)
        await expect(reader, r4)
        async with stream(worker, last_event_id=r3.alert_id) as second:
            await expect(second, r4)  # everything after r3, and nothing before it
            r5 = alert(summary="r5")
            await publish(worker, r2, r5)  # r2 again: already sent on both connections
            await expect(second, r5)
            await expect(reader, r5)


async def test_bad_parameters_answer_400_with_one_line(worker: WorkerProcess) -> None:
    async with aiohttp.ClientSession() as session:
        for params, message in [({"category": "weapons!"}, "category: not a category name: 'weapons!'"),
                                ({"min_severity": "urgent"}, "min_severity must be one of low, medium, high")]:
            async with session.get(f"{worker.base_url}/alerts/stream", params=params) as response:
                body = await response.text()
                assert response.status == 400
                assert body.startswith(message) and body.count("\n") == 1


async def test_unreadable_records_are_skipped_and_logged_once(worker: WorkerProcess) -> None:
    before = worker.log_file.read_text(errors="replace").count("skipping unreadable alert")
    async with stream(worker, backlog="0") as reader:
        good = alert(summary="after the junk")
        await publish(worker, b"not json", b'{"schema_version": 2}', good)
        await expect(reader, good)
        # A second client reads the same junk in its backlog: it is not logged again.
        async with stream(worker, backlog="1") as second:
            await expect(second, good)
    logged = worker.log_file.read_text(errors="replace").count("skipping unreadable alert") - before
    assert logged == 2


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


async def test_the_page_shows_an_alert_published_after_it_opened(
    worker: WorkerProcess, tmp_path: Path, artifacts_dir: Path,
) -> None:
    earlier, escalation = showcase()
    await publish(worker, *earlier)
    async with Browser(tmp_path / "chromium") as browser:
        # The page passes ?backlog= on to the stream: the three alerts just published.
        await browser.navigate(f"{worker.base_url}/alerts?backlog={len(earlier)}")
        await browser.wait_for("the page to connect", "document.getElementById('connection')?.dataset.state === 'live'")
        await browser.wait_for("the backlog to render", " && ".join(
            f"!!document.getElementById('alert-{a.alert_id}')" for a in earlier))
        assert await browser.evaluate(f"!document.getElementById('alert-{escalation.alert_id}')")

        await publish(worker, escalation)
        card = f"document.getElementById('alert-{escalation.alert_id}')"
        await browser.wait_for("the new alert in the page", f"!!{card}")
        marks = await browser.evaluate(f"[...{card}.querySelectorAll('p.paragraph mark')].map(m => m.textContent)")
        assert marks == [e.text for e in escalation.evidence]
        paragraph = await browser.evaluate(f"{card}.querySelector('p.paragraph').textContent")
        assert paragraph == escalation.text
        text = " ".join((await browser.evaluate(f"{card}.textContent")).split())
        actors = " ".join((await browser.evaluate(f"{card}.querySelector('.actors').innerText")).split())
        assert actors.endswith("North Korea KP → Russia RU"), actors  # supplier -> recipient
        for shown in ("Critical", "Arms trade", "asserted", "3 articles",
                      "2 sources", "5 mentions", f"escalates {escalation.supersedes[:12]}", "(corroborated)"):
            assert shown in text, f"{shown!r} not in {text!r}"
        href = await browser.evaluate(f"{card}.querySelector('.article a').href")
        assert href == escalation.source.url
        assert await browser.evaluate(
            f"document.getElementById('alert-{escalation.supersedes}').classList.contains('superseded')")
        # Newest first; the sanctions alert without a URL shows its article id.
        order = await browser.evaluate("[...document.querySelectorAll('#alerts > li')].map(li => li.dataset.alertId)")
        assert order == [escalation.alert_id, *[a.alert_id for a in reversed(earlier)]]
        sanctions = earlier[1]
        no_link = await browser.evaluate(f"document.getElementById('alert-{sanctions.alert_id}').querySelector('.article').innerText")
        assert sanctions.article_id in no_link

        await browser.wait_for("the arrival highlight to end", "document.getAnimations().length === 0", timeout=10)
        png = await browser.screenshot(artifacts_dir / "alerts-page.png")
        assert png_size(png)[0] == 1280
        if os.environ.get("STREAM_UPDATE_DOCS_SCREENSHOT") == "1":
            shutil.copyfile(artifacts_dir / "alerts-page.png", REPO / "docs" / "alerts-page.png")

        # The actor filter works on the page; alert text is never markup.
        await browser.evaluate("(() => { const f = document.getElementById('filter-actor');"
                               " f.value = 'IR'; f.dispatchEvent(new Event('input')); })()")
        visible = await browser.evaluate("[...document.querySelectorAll('#alerts > li:not([hidden])')]"
                                         ".map(li => li.dataset.alertId)")
        assert visible == [sanctions.alert_id]
        await browser.evaluate("(() => { const f = document.getElementById('filter-actor');"
                               " f.value = ''; f.dispatchEvent(new Event('input')); })()")
        # Evidence offsets count code points: a character outside the BMP before a span must not shift it.
        astral = alert(text="Cargo \U0001F6A2\U0001F6A2 manifests list a shipment of artillery shells for Russia.")
        await publish(worker, astral)
        astral_card = f"document.getElementById('alert-{astral.alert_id}')"
        await browser.wait_for("the alert with astral characters", f"!!{astral_card}")
        assert await browser.evaluate(f"[...{astral_card}.querySelectorAll('p.paragraph mark')].map(m => m.textContent)") \
            == ["shipment of artillery shells"]
        await browser.evaluate("(() => { const f = document.getElementById('filter-actor');"
                               " f.value = 'IR'; f.dispatchEvent(new Event('input')); })()")
        hostile = alert(summary='<img src=x id="injected">', text='A <b id="bold">bold</b> shipment of artillery shells.')
        await publish(worker, hostile)
        hostile_card = f"document.getElementById('alert-{hostile.alert_id}')"
        await browser.wait_for("the hostile alert", f"!!{hostile_card}")
        assert await browser.evaluate("!document.getElementById('injected') && !document.getElementById('bold')")
        assert await browser.evaluate(f"{hostile_card}.querySelector('h2').textContent") == hostile.summary
        assert await browser.evaluate(f"{hostile_card}.hidden"), "the actor filter applies to new alerts too"
        assert not [line for line in browser.console if line.startswith("exception")], browser.console


async def test_the_page_shows_reconnecting_and_resumes_from_its_last_alert(tmp_path: Path) -> None:
    """The browser's own reconnect: a dropped stream shows "reconnecting", then resumes with
    Last-Event-ID; behind the worker's token middleware, the page passes ?token= on to the stream."""
    first, second = alert(summary="before the drop"), alert(summary="after the reconnect")
    requests: list[dict[str, str]] = []
    release = asyncio.Event()

    async def stream_handler(request: web.Request) -> web.StreamResponse:
        requests.append({"Last-Event-ID": request.headers.get("Last-Event-ID", ""), **request.query})
        if len(requests) > 1:
            await release.wait()  # hold the reconnect: the page must say so meanwhile
        response = web.StreamResponse(headers=sse.HEADERS)
        await response.prepare(request)
        await response.write(sse.retry(200))
        await response.write(frame(first if len(requests) == 1 else second))
        if len(requests) == 1:
            return response  # the stream ends: the browser reconnects by itself
        await asyncio.sleep(30)
        return response

    body, csp = page.build()

    async def page_handler(_request: web.Request) -> web.Response:
        return page.response(body, csp)

    app = web.Application(**web_application_options(SecretStr("s3cret")))
    app.router.add_get("/alerts", page_handler)
    app.router.add_get("/alerts/stream", stream_handler)
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with Browser(tmp_path / "chromium") as browser:
            await browser.navigate(f"http://127.0.0.1:{port}/alerts?token=s3cret&category=sanctions")
            await browser.wait_for("the first alert", f"!!document.getElementById('alert-{first.alert_id}')")
            await browser.wait_for("the reconnecting state",
                                   "document.getElementById('connection').dataset.state === 'reconnecting'")
            assert await browser.evaluate("document.getElementById('connection-text').textContent") == "Reconnecting…"
            release.set()
            await browser.wait_for("the second alert", f"!!document.getElementById('alert-{second.alert_id}')")
            await browser.wait_for("the live state", "document.getElementById('connection').dataset.state === 'live'")
            assert await browser.evaluate("document.querySelectorAll('#alerts > li').length") == 2
            assert await browser.evaluate("document.getElementById('filter-category').value") == "sanctions"
            assert not [line for line in browser.console if line.startswith("exception")], browser.console
    finally:
        await runner.cleanup()
    assert requests[0] == {"Last-Event-ID": "", "category": "sanctions", "token": "s3cret"}
    assert requests[1] == {"Last-Event-ID": first.alert_id, "category": "sanctions", "token": "s3cret"}
