"""Shared pieces of the subcommands: settings from flags, the broker check, the console."""

from __future__ import annotations

import argparse

from rich.console import Console

from stream.broker.readiness import is_reachable
from stream.config import Settings, load_settings
from stream.errors import BrokerError
from stream.kafka_auth import client_security

console = Console(stderr=True, highlight=False)


def add_bootstrap_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bootstrap", metavar="HOST:PORT", help="Kafka bootstrap servers (default: STREAM_BOOTSTRAP_SERVERS)"
    )


def settings_from_args(args: argparse.Namespace) -> Settings:
    return load_settings().with_(bootstrap_servers=getattr(args, "bootstrap", None))


def require_broker(settings: Settings) -> None:
    if not is_reachable(settings.bootstrap_servers, security=client_security(settings)):
        raise BrokerError.unreachable(settings.bootstrap_servers)


def positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value!r}")
    return number
