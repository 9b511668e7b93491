"""``stream dashboards``: the project's Prometheus console on this machine, without Docker.

Uses the worker answering at STREAM_WEB_HOST:STREAM_WEB_PORT, or starts one (and the local broker
first when none answers, as ``stream demo`` does); runs Debian's ``prometheus`` with the project's
scrape config (pointed at that worker), alert rules and console templates; prints the console URL and
stays up until Ctrl-C, then stops only what it started.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import socket
import time
import urllib.error
import urllib.parse
from pathlib import Path

import yaml

from stream.broker import LocalBroker
from stream.broker.local import free_port
from stream.broker.readiness import tcp_open
from stream.cli.common import console, positive_float
from stream.cli.demo_cmd import _ensure_broker
from stream.cli.replay_cmd import DEFAULT_SEEDS, print_summary, replay
from stream.config import Settings, load_settings
from stream.errors import ConfigError, StreamError
from stream.procs import ManagedProcess
from stream.worker.process import WorkerProcess, http_get

DEFAULT_PROMETHEUS_PORT = 9090
JOB = "stream-worker"
MISSING_PROMETHEUS = "prometheus not found: apt-get install prometheus (or make tools)"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dashboards", help="the Prometheus console with graphs on a local Prometheus (starts the worker if needed)")
    parser.add_argument("--prometheus-port", type=_port, metavar="N",
                        help=f"port of the local Prometheus (default {DEFAULT_PROMETHEUS_PORT}, a free one if taken)")
    parser.add_argument("--replay", nargs="*", type=Path, metavar="PATH",
                        help="replay seeds/ (or PATHs) once Prometheus is up, so the graphs have data")
    parser.add_argument("--rate", type=positive_float, metavar="N", help="with --replay: at most N paragraphs/s")
    parser.set_defaults(func=run)


def _port(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number (1-65535), got {value!r}")
    return int(value)


def prometheus_dir() -> Path:
    """deploy/prometheus of this checkout (the console, rules and scrape config live there)."""
    for root in (Path(__file__).resolve().parents[2], Path.cwd()):
        candidate = root / "deploy" / "prometheus"
        if (candidate / "consoles" / "stream.html").is_file():
            return candidate
    raise StreamError("deploy/prometheus not found: run stream dashboards from a checkout of the repository")


def prometheus_config(base: Path, target: str) -> dict:
    """The project's prometheus.yml, scraping ``target`` as job stream-worker, rules by absolute path."""
    doc = yaml.safe_load((base / "prometheus.yml").read_text())
    doc["rule_files"] = [str((base / pattern).resolve()) for pattern in doc.get("rule_files", [])]
    for job in doc["scrape_configs"]:
        if job["job_name"] == JOB:
            job["static_configs"] = [{**sc, "targets": [target]} for sc in job["static_configs"]]
    return doc


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Go's listener does
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def choose_port(requested: int | None, default: int = DEFAULT_PROMETHEUS_PORT) -> int:
    """The port asked for (an error when taken), else the default, else any free one."""
    if requested is not None:
        if not port_free(requested):
            raise ConfigError(f"port {requested} is taken: pass a free --prometheus-port")
        return requested
    if port_free(default):
        return default
    port = free_port()
    console.print(f"port {default} is taken; Prometheus listens on {port} instead")
    return port


class LocalPrometheus:
    """Debian's prometheus with the project's console, rules and a config scraping one worker."""

    def __init__(self, binary: str, base: Path, workdir: Path, port: int, target: str) -> None:
        self.binary, self.base, self.workdir, self.port, self.target = binary, base, workdir, port, target
        self.config_file = workdir / "prometheus.yml"
        self.child = ManagedProcess(workdir / "prometheus.log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_timeout: float = 30.0) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(yaml.safe_dump(prometheus_config(self.base, self.target), sort_keys=False))
        self.child.spawn([
            self.binary, f"--config.file={self.config_file.resolve()}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            f"--storage.tsdb.path={(self.workdir / 'data').resolve()}",
            f"--web.console.templates={self.base / 'consoles'}",
            f"--web.console.libraries={self.base / 'console_libraries'}",
        ], cwd=self.workdir)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            if not self.child.running():
                raise StreamError(f"prometheus exited with code {self.child.returncode}; "
                                  f"log {self.child.log_file}: {self.child.log_tail(3)}")
            try:
                if http_get(f"{self.url}/-/ready", timeout=1.0)[0] == 200:
                    return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        raise StreamError(f"prometheus was not ready within {ready_timeout:.0f} s; log: {self.child.log_file}")

    def wait_scraped(self, timeout: float = 60.0) -> None:
        """Wait until Prometheus has scraped the worker successfully (target discovery takes ~5 s)."""
        url = f"{self.url}/api/v1/query?" + urllib.parse.urlencode({"query": f'up{{job="{JOB}"}} == 1'})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                status, body = http_get(url)
                if status == 200 and json.loads(body)["data"]["result"]:
                    return
            except (OSError, ValueError, KeyError, urllib.error.URLError):
                pass
            time.sleep(0.5)
        raise StreamError(f"prometheus did not scrape the worker at {self.target} within {timeout:.0f} s")


def _existing_worker(settings: Settings) -> bool:
    """True when a stream worker answers at the configured address; an error when something else does."""
    address = f"{settings.web_host}:{settings.web_port}"
    if not tcp_open(address):
        return False
    try:
        status, body = http_get(f"http://{address}/metrics")
    except (OSError, urllib.error.URLError):
        status, body = 0, b""
    if status != 200 or b"stream_build_info" not in body:
        raise StreamError(f"something that is not a stream worker answers at {address}: set STREAM_WEB_PORT")
    return True


def _scrape_target(settings: Settings) -> str:
    host = "127.0.0.1" if settings.web_host in ("0.0.0.0", "") else settings.web_host
    return f"{host}:{settings.web_port}"


def _watch(prometheus: LocalPrometheus, worker: WorkerProcess | None) -> int:
    """Stay up until Ctrl-C (exit 0); exit 1 if a child we started dies meanwhile."""
    try:
        while True:
            for name, child in (("prometheus", prometheus.child), ("the worker", worker)):
                if child is not None and not child.running():
                    console.print(f"[red]{name} exited[/]; log: {child.log_file}")
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        console.print("stopping ...")
        return 0


def run(args: argparse.Namespace) -> int:
    binary = shutil.which("prometheus")
    if binary is None:
        raise StreamError(MISSING_PROMETHEUS)
    base = prometheus_dir()
    port = choose_port(args.prometheus_port)
    # Ctrl-C (even when started with SIGINT ignored, as background jobs of a script are) and SIGTERM
    # both end the command the documented way: stop the children, exit 0.
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    previous_term = signal.signal(signal.SIGTERM, signal.default_int_handler)
    settings = load_settings()
    workdir = settings.state_dir / "dashboards"
    broker: LocalBroker | None = None
    worker: WorkerProcess | None = None
    prometheus = LocalPrometheus(binary, base, workdir, port, _scrape_target(settings))
    up = False
    try:
        if _existing_worker(settings):
            console.print(f"using the worker at http://{settings.web_host}:{settings.web_port}")
        else:
            broker = _ensure_broker(settings)
            worker = WorkerProcess(settings, workdir / "worker.log")
            console.print("starting the worker ...")
            worker.start()
            console.print(f"[green]worker ready[/]: metrics at {worker.base_url}/metrics")
        console.print(f"starting Prometheus on 127.0.0.1:{port} (data and log in {workdir}) ...")
        prometheus.start()
        console.print(f"console: {prometheus.url}/consoles/stream.html", soft_wrap=True)
        console.print(f"Prometheus: {prometheus.url}  (Ctrl-C stops what this command started)", soft_wrap=True)
        up = True
        if args.replay is not None:
            console.print("waiting for Prometheus' first scrape of the worker, then replaying ...")
            prometheus.wait_scraped()  # so the counters' first samples are from before the replay
            paths = args.replay or [DEFAULT_SEEDS]
            print_summary(replay(paths, settings.bootstrap_servers, settings.topic_paragraphs, args.rate),
                          settings.topic_paragraphs)
        return _watch(prometheus, worker)
    except KeyboardInterrupt:
        console.print("stopping ...")
        return 0 if up else 130  # Ctrl-C is the way to end once everything is up
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the cleanup short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            _stop(prometheus, worker, broker)
        finally:
            signal.signal(signal.SIGINT, previous_int)
            signal.signal(signal.SIGTERM, previous_term)


def _stop(prometheus: LocalPrometheus, worker: WorkerProcess | None, broker: LocalBroker | None) -> None:
    prometheus.child.stop()
    if worker is not None:
        worker.stop()
    if broker is not None:
        console.print("stopping the local Kafka broker ...")
        broker.stop()
