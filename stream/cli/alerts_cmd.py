"""``stream alerts``: print alerts from the alert topics, as a table or JSON lines."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import OrderedDict

from pydantic import ValidationError
from rich.console import Console

from stream.cli.common import add_bootstrap_arg, console, settings_from_args
from stream.cli.render import alert_block, print_alerts
from stream.models import CATEGORIES, Alert
from stream.reader import TopicReader

SEEN_LIMIT = 100_000


def _category(value: str) -> str:
    normalised = value.replace("-", "_").lower()
    if normalised not in CATEGORIES:
        raise argparse.ArgumentTypeError(f"unknown category {value!r}; choose from {', '.join(CATEGORIES)}")
    return normalised


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "alerts",
        help="print alerts (all held by the topic, or --follow new ones)",
        description="Without --follow, prints every alert the topic holds and exits. With --follow, "
        "streams alerts as they arrive until Ctrl-C (add --from-beginning to start with the held ones).",
    )
    parser.add_argument("--follow", "-f", action="store_true", help="keep streaming new alerts until Ctrl-C")
    parser.add_argument("--category", type=_category, help=f"only one category ({', '.join(CATEGORIES)})")
    parser.add_argument("--from-beginning", action="store_true", help="with --follow: start from the oldest alert")
    parser.add_argument("--json", action="store_true", help="one Alert JSON object per line")
    add_bootstrap_arg(parser)
    parser.set_defaults(func=run)


async def stream_alerts(bootstrap: str, topic: str, *, follow: bool, from_beginning: bool, as_json: bool) -> int:
    out = Console(highlight=False)
    held: list[Alert] = []
    # A replayed or redelivered paragraph repeats its alert_id: show each once (bounded memory).
    seen: OrderedDict[str, None] = OrderedDict()
    async with TopicReader(bootstrap, [topic]) as reader:
        await reader.seek(from_beginning=from_beginning or not follow)
        if follow:
            start = "the oldest alert" if from_beginning else "new alerts only"
            console.print(f"following '{topic}' from {start}; Ctrl-C to stop")
        async for record in reader.records(follow=follow):
            try:
                alert = Alert.model_validate_json(record.value)
            except (ValidationError, TypeError) as exc:
                where = f"{record.topic}[{record.partition}]@{record.offset}"
                console.print(f"[yellow]skipping an unreadable record at {where}: {exc.__class__.__name__}[/]")
                continue
            if alert.alert_id in seen:
                continue
            seen[alert.alert_id] = None
            if len(seen) > SEEN_LIMIT:
                seen.popitem(last=False)
            if as_json:
                sys.stdout.write(alert.model_dump_json() + "\n")
                sys.stdout.flush()
            elif follow:
                out.print(alert_block(alert))
            else:
                held.append(alert)
    if not as_json and not follow:
        print_alerts(out, held, f"{len(held)} alert(s) on '{topic}'")
    return 0


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    topic = settings.alert_topic_for(args.category) if args.category else settings.topic_alerts
    try:
        return asyncio.run(stream_alerts(settings.bootstrap_servers, topic, follow=args.follow,
                                         from_beginning=args.from_beginning, as_json=args.json))
    except KeyboardInterrupt:
        return 0  # Ctrl-C is how --follow is meant to end
