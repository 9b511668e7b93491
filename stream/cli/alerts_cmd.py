"""``stream alerts``: print alerts from the alert topics, as a table or JSON lines."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from rich.console import Console

from stream.alertfilter import AlertFilter, FilterError, parse_category, parse_severity, parse_since
from stream.cli.common import add_bootstrap_arg, console, settings_from_args
from stream.cli.render import alert_block, print_alerts
from stream.errors import ConfigError
from stream.kafka_auth import client_security
from stream.models import SEVERITIES, Alert
from stream.reader import TopicReader

SEEN_LIMIT = 100_000


def _argument(parse):  # type: ignore[no-untyped-def]
    """An argparse type from a filter parser: its FilterError becomes argparse's one-line error."""

    def convert(value: str):  # type: ignore[no-untyped-def]
        try:
            return parse(value)
        except FilterError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__.removeprefix("parse_")
    return convert


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "alerts",
        help="print alerts (all held by the topic, or --follow new ones)",
        description="Without --follow, prints every alert the topic holds and exits. With --follow, "
        "streams alerts as they arrive until Ctrl-C (add --from-beginning to start with the held ones).",
    )
    parser.add_argument("--follow", "-f", action="store_true", help="keep streaming new alerts until Ctrl-C")
    parser.add_argument("--category", type=_argument(parse_category),
                        help="only one category, read from its own topic (e.g. arms_trade, sanctions)")
    parser.add_argument("--min-severity", type=_argument(parse_severity), metavar="LEVEL",
                        help=f"only alerts at least this severe ({' < '.join(SEVERITIES)})")
    parser.add_argument("--actor", metavar="CODE", help="only alerts naming this actor (ISO code such as RU, or a name)")
    parser.add_argument("--since", type=_argument(parse_since), metavar="DURATION|TIMESTAMP",
                        help="only alerts raised since then: 30m, 2h, 1d, or 2024-06-03T09:00:00Z")
    parser.add_argument("--from-beginning", action="store_true", help="with --follow: start from the oldest alert")
    parser.add_argument("--json", action="store_true", help="one Alert JSON object per line")
    add_bootstrap_arg(parser)
    parser.set_defaults(func=run)


async def stream_alerts(bootstrap: str, topic: str, *, follow: bool, from_beginning: bool, as_json: bool,
                        wanted: AlertFilter = AlertFilter(), security: Mapping[str, Any] | None = None) -> int:
    out = Console(highlight=False)
    held: list[Alert] = []
    # A replayed or redelivered paragraph repeats its alert_id: show each once (bounded memory).
    seen: OrderedDict[str, None] = OrderedDict()
    async with TopicReader(bootstrap, [topic], security) as reader:
        await reader.seek(from_beginning=from_beginning or not follow, since=wanted.since)
        if follow:
            start = "the oldest alert" if from_beginning else "new alerts only"
            if wanted.since:
                start = f"alerts raised since {wanted.since:%Y-%m-%d %H:%M:%S} UTC"
            console.print(f"following '{topic}' from {start}; Ctrl-C to stop")
        async for record in reader.records(follow=follow):
            try:
                alert = Alert.model_validate_json(record.value)
            except (ValidationError, TypeError) as exc:
                where = f"{record.topic}[{record.partition}]@{record.offset}"
                console.print(f"[yellow]skipping an unreadable record at {where}: {exc.__class__.__name__}[/]")
                continue
            if alert.alert_id in seen or not wanted.matches(alert):
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
    if args.since and args.from_beginning:
        raise ConfigError("--since and --from-beginning both say where to start: give one")
    topic = settings.alert_topic_for(args.category) if args.category else settings.topic_alerts
    wanted = AlertFilter(category=args.category, min_severity=args.min_severity, actor=args.actor, since=args.since)
    try:
        return asyncio.run(stream_alerts(settings.bootstrap_servers, topic, follow=args.follow,
                                         from_beginning=args.from_beginning, as_json=args.json, wanted=wanted,
                                         security=client_security(settings)))
    except KeyboardInterrupt:
        return 0  # Ctrl-C is how --follow is meant to end
