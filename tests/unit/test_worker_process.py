import socket
from pathlib import Path

import pytest

from stream.config import Settings
from stream.errors import StreamError
from stream.worker.process import WorkerProcess, settings_env


def test_a_taken_web_port_is_refused_before_spawning(tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        worker = WorkerProcess(Settings(web_port=taken.getsockname()[1]), tmp_path / "worker.log")
        with pytest.raises(StreamError, match="already listens"):
            worker.start()
    assert worker.process is None


def test_settings_env_round_trips_through_the_environment(monkeypatch):
    settings = Settings(web_port=7001, topic_alerts="a", rules_poll_seconds=0.5)
    for key, value in settings_env(settings).items():
        monkeypatch.setenv(key, value)
    assert Settings() == settings
