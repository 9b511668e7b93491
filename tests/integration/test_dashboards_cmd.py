"""`stream dashboards` as a user runs it, against the session broker: it starts a worker and a real
Prometheus with the project's console, replays a small article once Prometheus scrapes, serves the
console with the live numbers, and on Ctrl-C exits 0 leaving no Prometheus or worker behind."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from stream.broker.local import free_port
from stream.broker.readiness import tcp_open
from stream.worker.process import http_get, settings_env
from tests.support.chromium import text_by_id

from .conftest import isolated_settings

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
ARTICLE = """# Arms and sanctions, a short test article

The government approved the sale of 40 tanks and artillery shells to the neighbouring army.

The European Union imposed sanctions on three banks accused of financing the militia.

The weather was fine and the market opened on time.
"""


class Lines:
    """The command's combined output, read line by line on a thread (never blocks on a full pipe)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, args=(proc,), daemon=True).start()

    def _pump(self, proc: subprocess.Popen[str]) -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if m := re.search(pattern, line):
                return m
        pytest.fail(f"no line matching {pattern!r}; output so far:\n" + "\n".join(self.seen), pytrace=False)


def query(url: str, expr: str) -> list[dict]:
    status, body = http_get(f"{url}/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
    assert status == 200, body
    return json.loads(body)["data"]["result"]


def processes_mentioning(text: str) -> list[str]:
    """Command lines of live processes whose command line or environment mentions ``text``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (proc / "environ").read_bytes().decode(errors="replace")
        except OSError:
            continue  # gone meanwhile, or not ours to read
        if text in cmdline or text in environ:
            found.append(f"{proc.name}: {cmdline}")
    return found


def test_dashboards_serves_the_console_and_stops_everything_on_ctrl_c(bootstrap: str, tmp_path_factory):
    state = tmp_path_factory.mktemp("dashboards-stream-test")  # CI's cleanup matches "stream-test"
    settings = isolated_settings(bootstrap, state)
    article = state / "article.md"
    article.write_text(ARTICLE)
    port = free_port()
    env = {**os.environ, **settings_env(settings), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "stream", "dashboards", "--prometheus-port", str(port), "--replay", str(article)],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
    try:
        lines = Lines(proc)
        url = lines.wait_for(r"console: (http://127\.0\.0\.1:(\d+)/consoles/stream\.html)$", timeout=150)
        assert url.group(2) == str(port)
        prometheus = f"http://127.0.0.1:{port}"
        lines.wait_for(r"replayed 1 articles, 3 paragraphs", timeout=60)

        # Prometheus scrapes the worker the command started, with the project's rules loaded.
        def consumed() -> list[dict]:
            return query(prometheus, 'stream_paragraphs_consumed_total{job="stream-worker"}[5m]')

        deadline = time.monotonic() + 40
        while not (consumed() and consumed()[0]["values"][-1][1] == "3"):
            assert time.monotonic() < deadline and proc.poll() is None, lines.seen
            time.sleep(0.5)
        [series] = consumed()
        assert series["metric"]["instance"] == f"127.0.0.1:{settings.web_port}"
        assert series["values"][0][1] == "0", "the replay must start after Prometheus' first scrape"
        status, body = http_get(f"{prometheus}/api/v1/rules")
        assert status == 200 and "StreamSinkFailing" in body.decode()

        # The console page, through Prometheus, with the live numbers.
        status, page = http_get(f"{prometheus}/consoles/stream.html?refresh=0")
        html = page.decode()
        assert status == 200 and "error executing template" not in html, html[:2000]
        texts = text_by_id(html)
        assert texts["consumed-total"] == "3", texts["consumed-total"]
        assert texts["workers"].endswith("UP") and f"127.0.0.1:{settings.web_port}" in texts["workers"]
        assert 'id="graph-throughput"' in html
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert code == 0, "\n".join(lines.seen)
    assert not tcp_open(f"127.0.0.1:{port}"), "Prometheus still answers"
    assert not tcp_open(f"127.0.0.1:{settings.web_port}"), "the worker still answers"
    assert not processes_mentioning(str(state)), processes_mentioning(str(state))
