"""Headless Chromium driven over the DevTools protocol (aiohttp websocket), for the live page test.

Unlike ``chromium --dump-dom``, this keeps a page open: a test opens a page, changes something
on the server, then reads the DOM the page's own JavaScript built. Chromium runs in its own
process group and is killed with it.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from stream.broker.local import free_port
from tests.support.prometheus import chromium_flags


class Browser:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self._proc: subprocess.Popen[bytes] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)
        self.console: list[str] = []  # console messages and uncaught exceptions of the page

    async def __aenter__(self) -> "Browser":
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.workdir / "chromium.log", "wb")  # noqa: SIM115 - closed with the process
        self._proc = subprocess.Popen(
            [*chromium_flags(self.workdir / "profile"), f"--remote-debugging-port={self.port}",
             "--remote-debugging-address=127.0.0.1", "about:blank"],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self._session = aiohttp.ClientSession()
        target = await self._page_target(timeout=30)
        self._ws = await self._session.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0)
        await self.send("Runtime.enable")
        await self.send("Page.enable")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._session is not None:
            await self._session.close()
        if self._proc is not None and self._proc.poll() is None:
            os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait(timeout=10)

    async def _page_target(self, timeout: float) -> dict[str, Any]:
        assert self._session is not None and self._proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                log = (self.workdir / "chromium.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"chromium exited with {self._proc.returncode}: {log}", pytrace=False)
            try:
                async with self._session.get(f"http://127.0.0.1:{self.port}/json/list") as response:
                    pages = [t for t in await response.json() if t.get("type") == "page"]
                    if pages:
                        return pages[0]
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
        pytest.fail(f"chromium's DevTools endpoint did not answer within {timeout:.0f} s", pytrace=False)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """One DevTools command; events that arrive meanwhile are kept in ``console`` if relevant."""
        assert self._ws is not None
        command_id = next(self._ids)
        await self._ws.send_str(json.dumps({"id": command_id, "method": method, "params": params}))
        while True:
            message = await asyncio.wait_for(self._ws.receive(), 30)
            if message.type != aiohttp.WSMsgType.TEXT:
                pytest.fail(f"DevTools connection closed during {method}: {message}", pytrace=False)
            payload = json.loads(message.data)
            self._note_event(payload)
            if payload.get("id") == command_id:
                if "error" in payload:
                    raise RuntimeError(f"{method}: {payload['error']}")
                return payload.get("result", {})

    def _note_event(self, payload: dict[str, Any]) -> None:
        method = payload.get("method")
        if method == "Runtime.consoleAPICalled":
            args = payload["params"].get("args", [])
            self.console.append(" ".join(str(a.get("value", a.get("description", ""))) for a in args))
        elif method == "Runtime.exceptionThrown":
            details = payload["params"]["exceptionDetails"]
            self.console.append(f"exception: {details.get('exception', {}).get('description') or details.get('text')}")

    async def navigate(self, url: str) -> None:
        await self.send("Page.navigate", url=url)

    async def evaluate(self, expression: str) -> Any:
        """The JSON value of ``expression`` in the page (exceptions raise)."""
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, what: str, expression: str, timeout: float = 30.0) -> Any:
        """Poll ``expression`` until it is truthy (returned), or fail with ``what``."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            try:
                last = await self.evaluate(expression)
            except RuntimeError as exc:  # e.g. the page is still loading
                last = str(exc)
            else:
                if last:
                    return last
            await asyncio.sleep(0.1)
        pytest.fail(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r}; console: {self.console})",
                    pytrace=False)

    async def screenshot(self, path: Path, width: int = 1280, min_height: int = 400) -> bytes:
        """A PNG of the whole page at ``width`` CSS pixels, written to ``path``."""
        # A short viewport first, so the page's height is its content's, not the window's.
        await self.send("Emulation.setDeviceMetricsOverride", width=width, height=min_height, deviceScaleFactor=1,
                        mobile=False)
        height = max(min_height, int(await self.evaluate("Math.ceil(document.documentElement.scrollHeight)")))
        await self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                        mobile=False)
        shot = await self.send("Page.captureScreenshot", format="png")
        png = base64.b64decode(shot["data"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)
        return png
