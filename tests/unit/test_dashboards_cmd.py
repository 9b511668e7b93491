"""`stream dashboards` without starting anything: its one-line errors, port choice and generated config."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from stream.cli import main
from stream.cli.dashboards_cmd import _existing_worker, _scrape_target, choose_port, prometheus_config, prometheus_dir
from stream.config import Settings
from stream.errors import StreamError
from tests.support.tools import require_tool

REPO = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_missing_prometheus_is_one_line_and_starts_nothing(capsys, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setenv("STREAM_STATE_DIR", str(tmp_path / "state"))
    code, err = run(capsys, "dashboards", "--replay")
    assert code == 2
    assert err == "stream dashboards: error: prometheus not found: apt-get install prometheus (or make tools)\n"
    assert not (tmp_path / "state").exists(), "nothing may start before the binary is found"


def test_a_taken_prometheus_port_is_one_line(capsys, monkeypatch, tmp_path: Path, taken_port: int) -> None:
    require_tool("prometheus")
    monkeypatch.setenv("STREAM_STATE_DIR", str(tmp_path / "state"))
    code, err = run(capsys, "dashboards", "--prometheus-port", str(taken_port))
    assert code == 2
    assert err == f"stream dashboards: error: port {taken_port} is taken: pass a free --prometheus-port\n"
    assert not (tmp_path / "state").exists()


@pytest.mark.parametrize("value", ["0", "65536", "http", "-1"])
def test_a_bad_port_argument_is_one_line(capsys, value: str) -> None:
    code, err = run(capsys, "dashboards", "--prometheus-port", value)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--prometheus-port" in err, err


def test_the_default_port_falls_back_to_a_free_one_when_taken(taken_port: int) -> None:
    port = choose_port(None, default=taken_port)
    assert port != taken_port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # it really is free


def test_a_free_requested_or_default_port_is_used_as_is() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert choose_port(port) == port
    assert choose_port(None, default=port) == port


def test_the_generated_config_is_the_projects_scraping_the_given_worker(tmp_path: Path) -> None:
    base = prometheus_dir()
    assert base == REPO / "deploy" / "prometheus"
    doc = prometheus_config(base, "127.0.0.1:7001")
    project = yaml.safe_load((base / "prometheus.yml").read_text())
    assert doc["global"] == project["global"]
    [job] = [j for j in doc["scrape_configs"] if j["job_name"] == "stream-worker"]
    assert [t for sc in job["static_configs"] for t in sc["targets"]] == ["127.0.0.1:7001"]
    assert job["static_configs"][0]["labels"] == {"service": "stream-monitor"}
    assert doc["rule_files"] == [str(base / "rules" / "*.yml")]

    # promtool accepts it from anywhere (absolute rule paths) and finds the project's rules.
    config = tmp_path / "elsewhere" / "prometheus.yml"
    config.parent.mkdir()
    config.write_text(yaml.safe_dump(doc))
    result = subprocess.run([require_tool("promtool"), "check", "config", str(config)], capture_output=True,
                            text=True, timeout=30, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "stream-alerts.yml" in result.stdout + result.stderr and "SUCCESS" in result.stdout + result.stderr


def test_a_wildcard_web_host_is_scraped_on_loopback() -> None:
    assert _scrape_target(Settings(web_host="0.0.0.0", web_port=7002)) == "127.0.0.1:7002"
    assert _scrape_target(Settings(web_host="127.0.0.1", web_port=7003)) == "127.0.0.1:7003"


def serve(body: bytes) -> tuple[ThreadingHTTPServer, int]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def test_a_running_worker_is_used_and_anything_else_on_its_port_is_an_error() -> None:
    worker, worker_port = serve(b'stream_build_info{version="0.1.0"} 1.0\n')
    other, other_port = serve(b"<html>not a worker</html>")
    try:
        assert _existing_worker(Settings(web_port=worker_port)) is True
        with pytest.raises(StreamError, match=f"not a stream worker answers at 127.0.0.1:{other_port}"):
            _existing_worker(Settings(web_port=other_port))
    finally:
        for server in (worker, other):
            server.shutdown()
            server.server_close()
    assert _existing_worker(Settings(web_port=worker_port)) is False  # nothing listens any more
