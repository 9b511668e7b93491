"""Start and stop a single-node KRaft broker (combined broker + controller) with ``java``.

The state directory holds everything: ``server.properties``, ``data/`` (log.dirs),
``logs/`` (the broker's own logs), ``broker.out`` (JVM output), ``broker.pid`` and
``cluster.id``. Reusing a state directory keeps topics across restarts.
"""

from __future__ import annotations

import base64
import os
import signal
import shutil
import socket
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from stream.broker.jars import ensure_jars
from stream.broker.readiness import tcp_open, wait_until_ready
from stream.broker.security import ListenerSecurity
from stream.errors import BrokerError
from stream.procs import ManagedProcess, pid_alive, stop_group, tail

JVM_OPTS = ["-Xms256m", "-Xmx512m", "-XX:+UseG1GC", "-Djava.awt.headless=true"]

LOG4J2_CONFIG = """\
Configuration:
  status: warn
  Appenders:
    File:
      name: file
      fileName: "${sys:kafka.logs.dir}/server.log"
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: warn
      AppenderRef:
        - ref: file
    Logger:
      - name: kafka.server.KafkaServer
        level: info
      - name: kafka.server.BrokerServer
        level: info
"""


def new_cluster_id() -> str:
    """16 random bytes, base64url without padding, never starting with '-' (as Kafka's own
    ``Uuid.randomUuid()`` guarantees), so no command line can read it as an option."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class BrokerConfig:
    """One KRaft node (broker and controller in one process).

    A single node votes for itself; a node of a cluster lists every controller in ``voters``
    (node id, controller port) and shares ``replication`` / ``min_insync`` with the others.
    """

    state_dir: Path
    cache_dir: Path
    port: int = 9092
    controller_port: int | None = None  # None: a free port
    partitions: int = 4
    node_id: int = 1
    voters: tuple[tuple[int, int], ...] = ()  # empty: a single node, its own voter
    replication: int = 1
    min_insync: int = 1
    security: ListenerSecurity | None = None  # None: a plaintext client listener

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"


class LocalBroker:
    def __init__(self, config: BrokerConfig) -> None:
        self.config = config
        self.state = config.state_dir
        self._child = ManagedProcess(self.state / "broker.out")

    # -- files -------------------------------------------------------------------------------
    @property
    def pid_file(self) -> Path:
        return self.state / "broker.pid"

    def _properties(self, controller_port: int) -> str:
        c = self.config
        port, data = c.port, (self.state / "data").resolve()
        voters = c.voters or ((c.node_id, controller_port),)
        rf, isr = c.replication, c.min_insync
        client, protocol = ("CLIENT", c.security.protocol) if c.security else ("PLAINTEXT", "PLAINTEXT")
        return "\n".join([
            "process.roles=broker,controller",
            f"node.id={c.node_id}",
            "controller.quorum.voters=" + ",".join(f"{n}@127.0.0.1:{p}" for n, p in voters),
            f"listeners={client}://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
            f"advertised.listeners={client}://127.0.0.1:{port}",
            "controller.listener.names=CONTROLLER",
            f"listener.security.protocol.map=CONTROLLER:PLAINTEXT,{client}:{protocol}",
            *(c.security.properties() if c.security else ["inter.broker.listener.name=PLAINTEXT"]),
            f"log.dirs={data}",
            f"num.partitions={c.partitions}",
            f"default.replication.factor={rf}",
            f"min.insync.replicas={isr}",
            f"offsets.topic.replication.factor={rf}",
            "offsets.topic.num.partitions=1",
            f"transaction.state.log.replication.factor={rf}",
            f"transaction.state.log.min.isr={isr}",
            "transaction.state.log.num.partitions=1",
            f"share.coordinator.state.topic.replication.factor={rf}",
            f"share.coordinator.state.topic.min.isr={isr}",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=true",
            "",
        ])

    def _cluster_id(self) -> str:
        path = self.state / "cluster.id"
        if path.exists():
            existing = path.read_text().strip()
            # An id with a leading dash never formatted (the tool read it as an option): replace it.
            if existing and not existing.startswith("-"):
                return existing
        cluster_id = new_cluster_id()
        path.write_text(cluster_id)
        return cluster_id

    def _java(self) -> str:
        java = shutil.which("java")
        if java is None:
            raise BrokerError("Java 17+ is needed to run Kafka: install it, e.g. apt-get install openjdk-17-jre-headless")
        return java

    # -- lifecycle ---------------------------------------------------------------------------
    def prepare(self) -> list[str]:
        """Fetch jars, write config, format storage; return the broker's command line."""
        libs = ensure_jars(self.config.cache_dir)
        for sub in ("data", "logs"):
            (self.state / sub).mkdir(parents=True, exist_ok=True)
        controller_port = self.config.controller_port or dict(self.config.voters).get(self.config.node_id) or free_port()
        props = self.state / "server.properties"
        props.touch(mode=0o600)  # it may hold the SASL password (in JAAS configs)
        props.chmod(0o600)
        props.write_text(self._properties(controller_port))
        log_config = self.state / "log4j2.yaml"
        log_config.write_text(LOG4J2_CONFIG)
        base = [
            self._java(), *JVM_OPTS,
            f"-Dkafka.logs.dir={(self.state / 'logs').resolve()}",
            f"-Dlog4j2.configurationFile={log_config.resolve()}",
            "-cp", f"{libs.resolve()}/*",
        ]
        security = self.config.security
        fmt = subprocess.run(
            [*base, "kafka.tools.StorageTool", "format", f"--cluster-id={self._cluster_id()}", "-c", str(props), "-g",
             *(security.format_args() if security else [])],
            capture_output=True, text=True,
        )
        if fmt.returncode != 0:
            output = (fmt.stderr or fmt.stdout).strip()[-1500:]
            raise BrokerError(f"formatting Kafka storage failed: {security.mask(output) if security else output}")
        return [*base, "kafka.Kafka", str(props.resolve())]

    def launch(self) -> None:
        """Format if needed and start the JVM in the background (own process group); no waiting."""
        running = self.running_pid()
        if running:
            raise BrokerError(f"a broker from {self.state} is already running (pid {running})")
        if tcp_open(self.config.bootstrap):
            # Readiness would be answered by whatever listens there, not by our broker.
            raise BrokerError(f"something already listens on {self.config.bootstrap}: choose another port")
        self._child.spawn(self.prepare())
        self.pid_file.write_text(str(self._child.pid))

    def running(self) -> bool:
        return self._child.running()

    def client_security(self) -> dict:
        """aiokafka arguments a client needs for this broker's listener ({} for plaintext)."""
        return self.config.security.client_kwargs() if self.config.security else {}

    def kill(self) -> None:
        """SIGKILL the node (a crash, for fault tests): no controlled shutdown."""
        if self._child.process is not None and self._child.running():
            os.killpg(self._child.process.pid, signal.SIGKILL)
            self._child.process.wait(10)
        self.pid_file.unlink(missing_ok=True)

    def start(self, timeout: float = 120.0) -> "LocalBroker":
        """Start in the background (own process group) and wait for a real metadata round trip."""
        self.launch()
        if not wait_until_ready(self.config.bootstrap, timeout, still_running=self._child.running,
                                security=self.client_security()):
            output = self.output_tail()
            self.stop()
            raise BrokerError(f"Kafka did not become ready on {self.config.bootstrap}: {output}")
        return self

    def running_pid(self) -> int | None:
        """The pid of this state dir's broker, started by this or another process, if alive."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if pid_alive(pid) and self._is_our_broker(pid) else None

    def _is_our_broker(self, pid: int) -> bool:
        """Guard against a recycled pid: the process must be kafka.Kafka on our properties file."""
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return True  # no /proc to check: trust the pid file
        return b"kafka.Kafka" in cmdline and str((self.state / "server.properties").resolve()).encode() in cmdline

    def wait(self) -> int:
        assert self._child.process is not None, "start() first"
        return self._child.process.wait()

    def stop(self, timeout: float = 30.0) -> bool:
        """SIGTERM (controlled shutdown), then SIGKILL after ``timeout``. False if none ran."""
        if self._child.process is not None:
            self._child.stop(timeout)
        else:
            pid = self.running_pid()
            if pid is None:
                return False
            stop_group(pid, timeout)
        self.pid_file.unlink(missing_ok=True)
        return True

    def output_tail(self, lines: int = 15) -> str:
        return tail(self._child.log_file, lines).replace("\n", " | ")
