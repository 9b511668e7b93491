"""``stream worker``: run the Faust worker (tagging and alerting agents, /metrics)."""

from __future__ import annotations

import argparse
import asyncio
import logging

from stream.cli.common import add_bootstrap_arg, require_broker, settings_from_args
from stream.config import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("worker", help="run the stream worker (Faust agents, /metrics on the web port)")
    add_bootstrap_arg(parser)
    parser.add_argument("--web-port", type=int, help="port for /metrics, /healthz, /readyz (default: STREAM_WEB_PORT)")
    parser.add_argument("--loglevel", default="warning", choices=["debug", "info", "warning", "error"])
    parser.set_defaults(func=run)


def run_worker(settings: Settings, loglevel: str = "warning") -> int:
    import faust  # imported here: faust is slow to import and only the worker needs it

    from stream.app import build_app
    from stream.tagging import load_tagger
    from stream.topics import TopicNames, ensure_topics

    require_broker(settings)
    categories = load_tagger(settings.rules_dir).categories
    asyncio.run(ensure_topics(settings, TopicNames.from_settings(settings, categories)))
    # Faust's worker owns the event loop it runs on; give it a fresh one (uvloop: less overhead
    # per event than asyncio's own loop, which Faust's per-record tasks and futures feel).
    # The policy, so that the loop of Faust's consumer thread is one too.
    import uvloop
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    asyncio.set_event_loop(asyncio.new_event_loop())
    ctx = build_app(settings)
    worker = faust.Worker(ctx.app, loglevel=loglevel, quiet=True)
    logging.getLogger("stream").setLevel(loglevel.upper())
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args).with_(web_port=args.web_port)
    return run_worker(settings, args.loglevel)
