"""``stream replay [PATH ...]``: publish seed articles as paragraph events."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from stream.cli.common import add_bootstrap_arg, console, positive_float, settings_from_args
from stream.ingest.publisher import ReplaySummary, publish_articles
from stream.ingest.readers import read_articles
from stream.ingest.splitter import Article
from stream.kafka_auth import client_security

DEFAULT_SEEDS = Path("seeds")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("replay", help="publish articles (default: seeds/) as paragraph events")
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or directories (.txt, .md, .jsonl)")
    parser.add_argument("--rate", type=positive_float, metavar="N", help="at most N paragraphs per second")
    parser.add_argument("--loop", action="store_true", help="replay again and again until Ctrl-C")
    add_bootstrap_arg(parser)
    parser.set_defaults(func=run)


def replay(paths: list[Path], bootstrap: str, topic: str, rate: float | None = None,
           security: Mapping[str, Any] | None = None) -> ReplaySummary:
    articles: list[Article] = list(read_articles(paths))  # read all first: bad input fails before sending
    total = sum(len(a.paragraphs) for a in articles)
    with Progress(
        TextColumn("replay"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True,
    ) as progress:
        task = progress.add_task("paragraphs", total=total)
        return asyncio.run(
            publish_articles(articles, bootstrap=bootstrap, topic=topic, rate=rate, security=security,
                             on_paragraph=lambda _: progress.advance(task))
        )


def print_summary(summary: ReplaySummary, topic: str) -> None:
    console.print(
        f"replayed {summary.articles} articles, {summary.paragraphs} paragraphs, "
        f"{summary.bytes} bytes in {summary.seconds:.2f} s to '{topic}'"
    )


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    paths = args.paths or [DEFAULT_SEEDS]
    while True:
        summary = replay(paths, settings.bootstrap_servers, settings.topic_paragraphs, args.rate,
                         security=client_security(settings))
        print_summary(summary, settings.topic_paragraphs)
        if not args.loop:
            return 0
