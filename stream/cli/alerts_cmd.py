"""``stream alerts``: print alerts from the alert topics, as a table or JSON lines."""

from __future__ import annotations

import argparse
import asyncio
import sys

from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from stream.alerting.policy import actors_phrase
from stream.cli.common import add_bootstrap_arg, console, settings_from_args
from stream.models import CATEGORIES, Alert
from stream.reader import TopicReader

SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "dim"}


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


def alert_row(alert: Alert, quote_chars: int = 70) -> list[str]:
    """Time, severity, category, stance, actors, where, and the evidence that fired."""
    quote = "; ".join(dict.fromkeys(e.text for e in alert.evidence))
    if len(quote) > quote_chars:
        quote = quote[: quote_chars - 1] + "…"
    return [
        alert.raised_at.strftime("%H:%M:%S"),
        f"[{SEVERITY_STYLE[alert.severity]}]{alert.severity}[/]",
        alert.category,
        alert.stance.value,
        actors_phrase(alert.actors),
        f"{alert.article_id} ¶{alert.paragraph_index + 1}",
        f'"{quote}"',
    ]


def alerts_table(title: str | None = None) -> Table:
    table = Table(title=title, expand=True, show_lines=False)
    for name, kw in [("time", {}), ("severity", {}), ("category", {}), ("stance", {}), ("actors", {}),
                     ("where", {}), ("evidence", {"ratio": 1, "overflow": "fold"})]:
        table.add_column(name, **kw)
    return table


async def stream_alerts(bootstrap: str, topic: str, *, follow: bool, from_beginning: bool, as_json: bool) -> int:
    out = Console(highlight=False, soft_wrap=False)
    count = 0
    async with TopicReader(bootstrap, [topic]) as reader:
        await reader.seek(from_beginning=from_beginning or not follow)
        table = None if (as_json or follow) else alerts_table(f"alerts on '{topic}'")
        async for record in reader.records(follow=follow):
            try:
                alert = Alert.model_validate_json(record.value)
            except (ValidationError, TypeError) as exc:
                console.print(f"[yellow]skipping an unreadable record at {record.topic}[{record.partition}]@{record.offset}: {exc.__class__.__name__}[/]")
                continue
            count += 1
            if as_json:
                sys.stdout.write(alert.model_dump_json() + "\n")
                sys.stdout.flush()
            elif table is not None:
                table.add_row(*alert_row(alert))
            else:
                out.print(" | ".join(alert_row(alert)))
        if table is not None:
            out.print(table)
    if not as_json:
        console.print(f"{count} alert(s)")
    return 0


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    topic = settings.alert_topic_for(args.category) if args.category else settings.topic_alerts
    try:
        return asyncio.run(stream_alerts(settings.bootstrap_servers, topic, follow=args.follow,
                                         from_beginning=args.from_beginning, as_json=args.json))
    except KeyboardInterrupt:
        return 0
