"""``stream demo``: the main job on the embedded default, end to end on a real broker.

Starts the local broker if none answers at the default address, starts the worker, replays
``seeds/``, prints every alert as it arrives, then a summary read from the worker's /metrics.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from stream.broker import LocalBroker
from stream.broker.readiness import is_reachable
from stream.cli.alerts_cmd import stream_alerts
from stream.cli.broker_cmd import local_broker
from stream.cli.common import console
from stream.cli.metrics_summary import story_progress, summary_table
from stream.cli.render import alert_block
from stream.cli.replay_cmd import DEFAULT_SEEDS, print_summary
from stream.config import Settings, load_settings
from stream.errors import BrokerError, StreamError
from stream.ingest.publisher import publish_articles
from stream.ingest.readers import read_articles
from stream.ingest.splitter import article_events
from stream.kafka_auth import client_security
from stream.models import Alert, TaggedParagraph
from stream.reader import TopicReader
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
    if is_reachable(settings.bootstrap_servers, security=client_security(settings)):
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


@dataclass
class Outcome:
    expected: int
    missing: int
    alerts: list[Alert]
    tags: int = 0


async def _collect(settings: Settings, worker: WorkerProcess, paths: list[Path], timeout: float) -> Outcome:
    """Replay while reading tagged paragraphs and alerts, until every replayed paragraph is back
    and the story stage has handled each of its tags, the worker dies, or ``timeout`` passes."""
    articles = list(read_articles(paths))
    event_ids = {e.event_id for a in articles for e in article_events(a)}  # ids are deterministic
    pending, tags = set(event_ids), 0
    alerts: dict[str, Alert] = {}
    security = client_security(settings)
    async with TopicReader(settings.bootstrap_servers, [settings.topic_tagged, settings.topic_alerts], security) as reader:
        await reader.seek(from_beginning=False)
        replay = asyncio.create_task(
            publish_articles(articles, bootstrap=settings.bootstrap_servers, topic=settings.topic_paragraphs,
                             security=security))
        deadline = time.monotonic() + timeout
        async for record in reader.records(follow=True, idle_ticks=True):
            if record is not None and record.topic == settings.topic_tagged:
                paragraph = TaggedParagraph.model_validate_json(record.value)
                if paragraph.event_id in pending:
                    pending.discard(paragraph.event_id)
                    tags += len(paragraph.tags)
            elif record is not None:
                alert = Alert.model_validate_json(record.value)
                if alert.alert_id not in alerts:
                    alerts[alert.alert_id] = alert
                    console.print(alert_block(alert))
            finished = replay.done() and not pending and _stories_done(worker, tags, len(alerts))
            failed = replay.done() and replay.exception() is not None
            if finished or failed or time.monotonic() > deadline or not worker.running():
                break
        print_summary(await replay, settings.topic_paragraphs)
    return Outcome(expected=len(event_ids), missing=len(pending), alerts=list(alerts.values()), tags=tags)


def _stories_done(worker: WorkerProcess, tags: int, alerts_read: int) -> bool:
    """The demo's worker started at zero: done once its story stage has handled every tag and
    every alert it raised has been read back."""
    try:
        mentions, raised = story_progress(worker.metrics_text())
    except (OSError, StreamError):
        return False
    return mentions >= tags and alerts_read >= raised


def _keep_running(worker: WorkerProcess) -> int:
    """Leave the worker (and /metrics) up until Ctrl-C, the documented way to end: exit 0."""
    console.print(f"worker and metrics keep running at {worker.base_url}/metrics; Ctrl-C to stop")
    try:
        while worker.running():
            time.sleep(0.5)
    except KeyboardInterrupt:
        console.print("stopping ...")
        return 0
    console.print(f"[red]the worker exited with code {worker.process.returncode if worker.process else '?'}[/]; "
                  f"log: {worker.log_file}")
    return 1


def run(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop children on SIGTERM too
    settings = load_settings()
    broker = _ensure_broker(settings)
    worker = WorkerProcess(settings, settings.state_dir / "demo-worker.log")
    try:
        console.print("starting the worker ...")
        worker.start()
        console.print(f"[green]worker ready[/]: metrics at {worker.base_url}/metrics")
        outcome = asyncio.run(_collect(settings, worker, args.paths or [DEFAULT_SEEDS], args.timeout))
        time.sleep(0.5)  # let the last counters land before reading them
        console.print(summary_table(worker.metrics_text(), f"{worker.base_url}/metrics"))
        console.print(f"{len(outcome.alerts)} alert record(s) for {outcome.tags} tag(s) of {outcome.expected} "
                      f"paragraph(s) (stories seen before raise nothing new); metrics: {worker.base_url}/metrics")
        if not outcome.alerts and not outcome.missing and outcome.tags:
            # A rerun: every story was alerted before, so dedup raised nothing new. Show what is held.
            console.print("no new alerts: every story in this replay was alerted before (deduplicated)")
            asyncio.run(stream_alerts(settings.bootstrap_servers, settings.topic_alerts, follow=False,
                                      from_beginning=True, as_json=False, security=client_security(settings)))
        if outcome.missing:
            console.print(f"[red]{outcome.missing} of {outcome.expected} paragraphs did not come back "
                          f"within {args.timeout:.0f} s[/]; worker log: {worker.log_file}")
            return 1
        if args.keep_running:
            return _keep_running(worker)
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        worker.stop()
        if broker is not None:
            console.print("stopping the local Kafka broker ...")
            broker.stop()
