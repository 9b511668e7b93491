"""Run ``stream worker`` as a child process and talk to its web endpoints.

Used by ``stream demo`` and the integration tests: a real worker, in its own process group,
with its output in a log file, stopped with SIGTERM (then SIGKILL).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from stream.config import Settings
from stream.errors import StreamError


def settings_env(settings: Settings) -> dict[str, str]:
    """The STREAM_* variables that reproduce ``settings`` in a child process."""
    env = {}
    for name, value in settings.model_dump().items():
        if value is not None:
            env[f"STREAM_{name.upper()}"] = str(value)
    return env


def http_get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class WorkerProcess:
    def __init__(self, settings: Settings, log_file: Path, extra_env: dict[str, str] | None = None) -> None:
        self.settings = settings
        self.log_file = log_file
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.settings.web_host}:{self.settings.web_port}"

    def start(self, ready_timeout: float = 90.0) -> "WorkerProcess":
        env = {**os.environ, **settings_env(self.settings), **self.extra_env}
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "stream", "worker", "--loglevel", "info"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True,
            )
        self.wait_ready(ready_timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise StreamError(f"the worker exited with code {self.process.returncode}: {self.log_tail()}")
            try:
                status, _ = http_get(self.base_url + "/readyz", timeout=1.0)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.25)
        raise StreamError(f"the worker was not ready within {timeout:.0f} s: {self.log_tail()}")

    def metrics_text(self) -> str:
        status, body = http_get(self.base_url + "/metrics")
        if status != 200:
            raise StreamError(f"GET /metrics answered {status}")
        return body.decode()

    def readiness(self) -> dict:
        _, body = http_get(self.base_url + "/readyz")
        return json.loads(body)

    def stop(self, timeout: float = 20.0) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait(10)

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_file.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(text[-lines:])
