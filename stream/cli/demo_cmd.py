"""``stream demo``: the main job on the embedded default, end to end on a real broker.

Starts the local broker if none answers at the default address, starts the worker, replays
``seeds/``, prints every alert as it arrives, then a summary read from the worker's /metrics.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from rich.table import Table

from stream.broker import LocalBroker
from stream.broker.readiness import is_reachable
from stream.cli.broker_cmd import local_broker
from stream.cli.common import console
from stream.cli.render import alert_block
from stream.cli.replay_cmd import DEFAULT_SEEDS, print_summary, replay
from stream.config import Settings, load_settings
from stream.errors import BrokerError
from stream.models import CATEGORIES, Alert, TaggedParagraph
from stream.reader import TopicReader
from stream.topics import ensure_topics
from stream.worker.process import WorkerProcess

LOCAL_HOSTS = ("127.0.0.1", "localhost")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="start broker and worker, replay seeds/, show alerts and metrics")
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="articles to replay (default: seeds/)")
    parser.add_argument("--keep-running", action="store_true", help="leave the worker and /metrics up until Ctrl-C")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the pipeline (default 120)")
    parser.set_defaults(func=run)


def _ensure_broker(settings: Settings) -> LocalBroker | None:
    """Start the local broker when nothing answers at a local default address."""
    if is_reachable(settings.bootstrap_servers):
        console.print(f"using the Kafka broker at {settings.bootstrap_servers}")
        return None
    host = settings.bootstrap_servers.split(",")[0].rpartition(":")[0]
    if host not in LOCAL_HOSTS:
        raise BrokerError.unreachable(settings.bootstrap_servers)
    broker = local_broker()
    console.print(f"starting the local Kafka broker on {broker.config.bootstrap} (first run fetches it from Maven Central) ...")
    started = time.monotonic()
    broker.start()
    console.print(f"[green]Kafka ready[/] in {time.monotonic() - started:.1f} s")
    return broker


async def _collect(settings: Settings, paths: list[Path], timeout: float) -> tuple[int, list[Alert]]:
    """Replay, then read tagged paragraphs and alerts until every paragraph is accounted for."""
    async with TopicReader(settings.bootstrap_servers, [settings.topic_tagged, settings.topic_alerts]) as reader:
        await reader.seek(from_beginning=False)
        summary = await asyncio.to_thread(replay, paths, settings.bootstrap_servers, settings.topic_paragraphs)
        print_summary(summary, settings.topic_paragraphs)
        tagged_ids: set[str] = set()
        expected_alerts: set[str] = set()
        alerts: dict[str, Alert] = {}
        deadline = time.monotonic() + timeout
        async for record in reader.records(follow=True):
            if record.topic == settings.topic_tagged:
                paragraph = TaggedParagraph.model_validate_json(record.value)
                tagged_ids.add(paragraph.event_id)
                expected_alerts.update(Alert.make_alert_id(paragraph.event_id, t.category) for t in paragraph.tags)
            else:
                alert = Alert.model_validate_json(record.value)
                if alert.alert_id not in alerts:
                    alerts[alert.alert_id] = alert
                    console.print(alert_block(alert))
            done = len(tagged_ids) >= summary.paragraphs and expected_alerts <= alerts.keys()
            if done or time.monotonic() > deadline:
                break
        if len(tagged_ids) < summary.paragraphs:
            console.print(f"[yellow]only {len(tagged_ids)} of {summary.paragraphs} paragraphs were tagged within {timeout:.0f} s[/]")
        return summary.paragraphs, list(alerts.values())


def metric_totals(metrics_text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    totals: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            totals[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return totals


def _sum(totals: dict, name: str, **labels: str) -> float:
    return sum(v for (n, lbls), v in totals.items() if n == name and all((k, w) in lbls for k, w in labels.items()))


def summary_table(metrics_text: str, metrics_url: str) -> Table:
    totals = metric_totals(metrics_text)
    table = Table(title=f"summary (from {metrics_url})")
    table.add_column("measure")
    for category in CATEGORIES:
        table.add_column(category, justify="right")
    table.add_column("total", justify="right")
    consumed = _sum(totals, "stream_paragraphs_consumed_total")
    table.add_row("paragraphs consumed", "", "", f"{consumed:.0f}")
    for label, name in (("tags", "stream_tags_total"), ("alerts", "stream_alerts_total")):
        per = [_sum(totals, name, category=c) for c in CATEGORIES]
        table.add_row(label, *(f"{v:.0f}" for v in per), f"{sum(per):.0f}")
    table.add_row("dead letters", "", "", f"{_sum(totals, 'stream_dead_letters_total'):.0f}")
    return table


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    broker = _ensure_broker(settings)
    worker = WorkerProcess(settings, settings.state_dir / "demo-worker.log")
    try:
        asyncio.run(ensure_topics(settings))
        console.print("starting the worker ...")
        worker.start()
        console.print(f"[green]worker ready[/]: metrics at {worker.base_url}/metrics")
        paragraphs, alerts = asyncio.run(_collect(settings, args.paths or [DEFAULT_SEEDS], args.timeout))
        time.sleep(0.5)  # let the last counters land before reading them
        console.print(summary_table(worker.metrics_text(), f"{worker.base_url}/metrics"))
        console.print(f"{len(alerts)} alert(s) for {paragraphs} paragraph(s); metrics: {worker.base_url}/metrics")
        if args.keep_running:
            console.print("worker and metrics keep running; Ctrl-C to stop")
            while worker.process and worker.process.poll() is None:
                time.sleep(1)
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        worker.stop()
        if broker is not None:
            console.print("stopping the local Kafka broker ...")
            broker.stop()
