"""Child processes we own: own process group, output in a log file, SIGTERM then SIGKILL.

Shared by the local Kafka broker, the worker runner and the tests' Prometheus server, so each
stops the same careful way and never blocks on an unread pipe.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def stop_group(pid: int, timeout: float, process: subprocess.Popen[bytes] | None = None) -> int | None:
    """SIGTERM the process group led by ``pid``; SIGKILL it after ``timeout`` seconds."""

    def alive() -> bool:
        return process.poll() is None if process is not None else pid_alive(pid)

    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
        if not alive():
            break
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while alive() and time.monotonic() < deadline:
            time.sleep(0.1)
    return process.poll() if process is not None else None


def tail(path: Path, lines: int = 20) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no output)"
    return "\n".join(text[-lines:]) or "(no output)"


class ManagedProcess:
    """One child process started in its own session with stdout and stderr in ``log_file``."""

    def __init__(self, log_file: Path) -> None:
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def spawn(self, cmd: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                list(cmd), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=dict(env) if env is not None else None, cwd=cwd, start_new_session=True,
            )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def stop(self, timeout: float = 20.0) -> int | None:
        """Stop the whole process group; returns the exit code (None if never started)."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            stop_group(self.process.pid, timeout, self.process)
        return self.process.wait(10)

    def log_tail(self, lines: int = 20) -> str:
        return tail(self.log_file, lines)
