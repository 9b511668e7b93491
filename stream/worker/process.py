"""Run ``stream worker`` as a child process and talk to its web endpoints.

Used by ``stream demo`` and the integration tests: a real worker, in its own process group,
with its output in a log file, stopped with SIGTERM (then SIGKILL).
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from subprocess import Popen

from pydantic import SecretStr

from stream.broker.readiness import tcp_open
from stream.config import Settings
from stream.errors import StreamError
from stream.procs import ManagedProcess


def settings_env(settings: Settings) -> dict[str, str]:
    """The STREAM_* variables that reproduce ``settings`` in a child process."""
    env = {}
    for name, value in settings.model_dump().items():
        if isinstance(value, SecretStr):
            value = value.get_secret_value()  # str() would give the mask, not the secret
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
        self._child = ManagedProcess(log_file)

    @property
    def process(self) -> Popen[bytes] | None:
        return self._child.process

    @property
    def base_url(self) -> str:
        return f"http://{self.settings.web_host}:{self.settings.web_port}"

    def start(self, ready_timeout: float = 90.0) -> "WorkerProcess":
        if tcp_open(f"{self.settings.web_host}:{self.settings.web_port}"):
            # Readiness would be answered by whatever listens there, not by our worker.
            raise StreamError(f"something already listens on {self.base_url}: set STREAM_WEB_PORT to a free port")
        env = {**os.environ, **settings_env(self.settings), **self.extra_env}
        self._child.spawn([sys.executable, "-m", "stream", "worker", "--loglevel", "info"], env=env)
        try:
            self.wait_ready(ready_timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._child.running():
                raise StreamError(f"the worker exited with code {self._child.returncode}: {self.log_tail()}")
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

    def running(self) -> bool:
        return self._child.running()

    def stop(self, timeout: float = 20.0) -> int | None:
        return self._child.stop(timeout)

    def log_tail(self, lines: int = 20) -> str:
        return self._child.log_tail(lines)
