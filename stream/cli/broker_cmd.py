"""``stream broker [run|start|stop|status] [--nodes N]``: a local Kafka broker or cluster."""

from __future__ import annotations

import argparse
import json
import signal
from collections.abc import Callable

from stream.broker import BrokerConfig, LocalBroker
from stream.broker.cluster import LocalCluster
from stream.broker.readiness import is_reachable
from stream.broker.security import ListenerSecurity
from stream.cli.common import console
from stream.config import load_settings
from stream.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "broker",
        help="run a local Apache Kafka broker (KRaft, 127.0.0.1), fetched from Maven Central",
        description="Run a Kafka broker for development. 'run' (default) stays in the foreground until "
        "Ctrl-C; 'start'/'stop'/'status' manage a background broker. --nodes 3 runs a replicated "
        "three-node KRaft cluster (replication factor 3, min.insync.replicas 2).",
    )
    parser.add_argument("action", nargs="?", default="run", choices=["run", "start", "stop", "status"])
    parser.add_argument("--port", type=int, default=None, help="listener port (default: from STREAM_BOOTSTRAP_SERVERS, 9092)")
    parser.add_argument("--nodes", type=_node_count, default=None, metavar="N",
                        help="nodes of a local cluster (1-9; default 1, or what runs for stop/status)")
    parser.set_defaults(func=run)


def _node_count(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 9:
        raise argparse.ArgumentTypeError(f"expected a number of nodes from 1 to 9, got {value!r}")
    return int(value)


def local_cluster(nodes: int, port: int | None = None) -> LocalCluster:
    settings = load_settings()
    default_port = int(settings.bootstrap_servers.split(",")[0].rpartition(":")[2])
    return LocalCluster(settings.state_dir / "cluster", settings.kafka_cache_dir, nodes,
                        port=port or default_port, partitions=settings.topic_partitions)


def _pinned_cluster_size() -> int | None:
    pinned = load_settings().state_dir / "cluster" / "nodes.json"
    try:
        return len(json.loads(pinned.read_text()))
    except (OSError, ValueError):
        return None


def local_broker(port: int | None = None) -> LocalBroker:
    """The local broker as the settings describe it, demanding their STREAM_SECURITY_PROTOCOL."""
    settings = load_settings()
    default_port = int(settings.bootstrap_servers.split(",")[0].rpartition(":")[2])
    state = settings.state_dir / "broker"
    security = ListenerSecurity.for_protocol(settings.security_protocol, state, settings.sasl_username,
                                             settings.sasl_password)
    return LocalBroker(
        BrokerConfig(
            state_dir=state,
            cache_dir=settings.kafka_cache_dir,
            port=port or default_port,
            partitions=settings.topic_partitions,
            security=security,
        )
    )


def run(args: argparse.Namespace) -> int:
    nodes = args.nodes or (_pinned_cluster_size() if args.action in ("stop", "status") else None) or 1
    if nodes > 1:
        if load_settings().security_protocol != "PLAINTEXT" and args.action in ("run", "start"):
            raise ConfigError("the local cluster (--nodes) is plaintext only: unset STREAM_SECURITY_PROTOCOL, "
                              "or run one secured node")
        return _run_cluster(args, local_cluster(nodes, args.port))
    broker = local_broker(args.port)
    if args.action == "status":
        pid = broker.running_pid()
        up = is_reachable(broker.config.bootstrap, security=broker.client_security())
        console.print(f"broker pid={pid or '-'} bootstrap={broker.config.bootstrap} ready={'yes' if up else 'no'}")
        return 0 if up else 1
    if args.action == "stop":
        stopped = broker.stop()
        console.print("broker stopped" if stopped else "no broker was running")
        return 0
    console.print(f"starting Kafka on {broker.config.bootstrap} (state in {broker.state}) ...")
    broker.start()
    console.print(f"[green]Kafka ready[/] on {broker.config.bootstrap} (pid {broker.running_pid()})")
    security = broker.config.security
    if security is not None:
        console.print(f"its listener demands {security.protocol}"
                      + (f"; clients need STREAM_SSL_CAFILE={security.tls.ca}" if security.tls else ""))
    return 0 if args.action == "start" else _in_foreground(broker.wait, broker.stop, "Kafka")


def _in_foreground(wait: Callable[[], int], stop: Callable[[], object], what: str) -> int:
    """``run``: stay until the broker exits or Ctrl-C / SIGTERM, which stops it (exit 0)."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return wait()
    except KeyboardInterrupt:
        console.print(f"stopping {what} ...")
        stop()
        return 0


def _run_cluster(args: argparse.Namespace, cluster: LocalCluster) -> int:
    if args.action == "status":
        up = is_reachable(cluster.bootstrap)
        pids = ",".join(str(p or "-") for p in cluster.running_pids())
        console.print(f"cluster of {cluster.size} pids={pids} bootstrap={cluster.bootstrap} ready={'yes' if up else 'no'}")
        return 0 if up else 1
    if args.action == "stop":
        console.print("cluster stopped" if cluster.stop() else "no cluster was running")
        return 0
    console.print(f"starting a {cluster.size}-node Kafka cluster (state in {cluster.state}) ...")
    cluster.start()
    console.print(f"[green]Kafka cluster ready[/]: {cluster.bootstrap}")
    console.print(f"use it with: STREAM_BOOTSTRAP_SERVERS={cluster.bootstrap} "
                  f"STREAM_TOPIC_REPLICATION_FACTOR={cluster.replication} "
                  f"STREAM_TOPIC_MIN_INSYNC_REPLICAS={cluster.min_insync}")
    return 0 if args.action == "start" else _in_foreground(cluster.wait, cluster.stop, "the Kafka cluster")
