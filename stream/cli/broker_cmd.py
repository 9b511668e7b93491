"""``stream broker [run|start|stop|status]``: the local single-node Kafka broker."""

from __future__ import annotations

import argparse
import signal

from stream.broker import BrokerConfig, LocalBroker
from stream.broker.readiness import is_reachable
from stream.cli.common import console
from stream.config import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "broker",
        help="run a local Apache Kafka broker (KRaft, 127.0.0.1), fetched from Maven Central",
        description="Run a single-node Kafka broker for development. 'run' (default) stays in the "
        "foreground until Ctrl-C; 'start'/'stop'/'status' manage a background broker.",
    )
    parser.add_argument("action", nargs="?", default="run", choices=["run", "start", "stop", "status"])
    parser.add_argument("--port", type=int, default=None, help="listener port (default: from STREAM_BOOTSTRAP_SERVERS, 9092)")
    parser.set_defaults(func=run)


def local_broker(port: int | None = None) -> LocalBroker:
    settings = load_settings()
    default_port = int(settings.bootstrap_servers.split(",")[0].rpartition(":")[2])
    return LocalBroker(
        BrokerConfig(
            state_dir=settings.state_dir / "broker",
            cache_dir=settings.kafka_cache_dir,
            port=port or default_port,
            partitions=settings.topic_partitions,
        )
    )


def run(args: argparse.Namespace) -> int:
    broker = local_broker(args.port)
    if args.action == "status":
        pid = broker.running_pid()
        up = is_reachable(broker.config.bootstrap)
        console.print(f"broker pid={pid or '-'} bootstrap={broker.config.bootstrap} ready={'yes' if up else 'no'}")
        return 0 if up else 1
    if args.action == "stop":
        stopped = broker.stop()
        console.print("broker stopped" if stopped else "no broker was running")
        return 0
    console.print(f"starting Kafka on {broker.config.bootstrap} (state in {broker.state}) ...")
    broker.start()
    console.print(f"[green]Kafka ready[/] on {broker.config.bootstrap} (pid {broker.running_pid()})")
    if args.action == "start":
        return 0
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        return broker.wait()
    except KeyboardInterrupt:
        console.print("stopping Kafka ...")
        broker.stop()
        return 0
