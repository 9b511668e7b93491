"""The ``stream`` command line: one module per subcommand, each exposing ``register``.

A command module defines ``register(subparsers) -> None`` which adds its parser and sets
``func=run`` where ``run(args: argparse.Namespace) -> int`` returns the exit code.
Errors derived from :class:`stream.errors.StreamError` become a one-line message and exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from stream import __version__
from stream.errors import StreamError

COMMAND_MODULES = (
    "stream.cli.broker_cmd",
    "stream.cli.worker_cmd",
    "stream.cli.replay_cmd",
    "stream.cli.alerts_cmd",
    "stream.cli.demo_cmd",
    "stream.cli.dashboards_cmd",
    "stream.cli.tag_cmd",
    "stream.cli.eval_cmd",
    "stream.cli.eval_roles_cmd",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="stream",
        description="Tag news paragraphs about arms trade and sanctions on Kafka and raise alerts.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command != "worker":
        # Short-lived clients report an unreachable broker as one line of their own; the Kafka
        # client's connection-error log lines would only repeat it.
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    try:
        return int(args.func(args) or 0)
    except StreamError as exc:
        print(f"stream {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
