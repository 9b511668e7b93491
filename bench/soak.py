"""``python -m bench.soak`` (``make soak``): a long run under restarts, then an account of it.

Replays realistic paragraphs (the eval sets, cycled under new article ids) with 1 % bad records
at a steady rate to its own local broker, restarts the worker (SIGTERM) every few minutes and
the broker once, half way, then waits for the pipeline to drain and reports: sent, tagged,
dead-lettered, lost paragraphs, redelivered paragraphs, alert records and alert ids carried by
more than one record, and the worker's RSS growth (first to last minute of each worker).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError
from rich.console import Console
from rich.table import Table

from stream.broker.local import BrokerConfig, LocalBroker, free_port
from stream.config import Settings
from stream.ingest.splitter import article_events
from stream.models import Alert, DeadLetter, TaggedParagraph, utc_now
from stream.topics import ensure_topics
from stream.worker.process import WorkerProcess
from bench.corpus import corpus

console = Console()
REPO = Path(__file__).resolve().parents[1]


@dataclass
class Tally:
    sent_valid: set[str] = field(default_factory=set)
    sent_bad: int = 0
    rss: list[tuple[int, float, float]] = field(default_factory=list)  # (worker, first, last) MB
    worker_restarts: int = 0
    broker_restarts: int = 0
    events: list[tuple[float, str]] = field(default_factory=list)  # (epoch seconds, what happened)


def rss_mb(worker: WorkerProcess) -> float:
    for line in Path(f"/proc/{worker.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def publish_for(bootstrap: str, topic: str, rate: float, seconds: float, tally: Tally, rng: random.Random,
                      stream_of_events) -> None:
    """Publish ``rate`` records a second for ``seconds``, 1 % of them bad; resend a batch that
    failed (a broker restart) until it is acknowledged."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5,
                                request_timeout_ms=60_000)
    await producer.start()
    try:
        started = time.monotonic()
        while (elapsed := time.monotonic() - started) < seconds:
            batch = []
            for _ in range(max(1, int(rate / 10))):
                if rng.random() < 0.01:
                    batch.append((None, rng.choice([b"", b"{not json", b"\xff\xfe", b'{"schema_version": 9}'])))
                    tally.sent_bad += 1
                else:
                    event = next(stream_of_events)
                    payload = event.model_copy(update={"ingested_at": utc_now()}).to_bytes()
                    batch.append((event.article_id.encode(), payload))
                    tally.sent_valid.add(event.event_id)
            while True:
                try:
                    futures = [await producer.send(topic, key=k, value=v) for k, v in batch]
                    await asyncio.gather(*futures)
                    break
                except KafkaError as exc:
                    console.print(f"[yellow]publish retry: {exc!r}[/]")
                    await asyncio.sleep(1)
            await asyncio.sleep(max(0.0, started + elapsed + 0.1 - time.monotonic()))
    finally:
        await producer.stop()


async def read_topic(bootstrap: str, topic: str) -> list:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    records: list = []
    try:
        while batch := await consumer.getmany(timeout_ms=2000):
            for part in batch.values():
                records.extend(part)
    finally:
        await consumer.stop()
    return records


def events_forever(prefix: str):
    round_ = 0
    while True:
        for article in corpus(4000, f"{prefix}-{round_}"):
            yield from article_events(article)
        round_ += 1


def run(minutes: float, rate: float, restart_every: float, state: Path) -> Tally:
    """Publish without pause for ``minutes`` while the main thread restarts the worker every
    ``restart_every`` seconds and the broker once, half way."""
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    broker = LocalBroker(BrokerConfig(state_dir=state / "broker", cache_dir=REPO / ".cache" / "kafka",
                                      port=free_port())).start()
    settings = Settings(bootstrap_servers=broker.config.bootstrap, app_id="soak", web_port=free_port(),
                        state_dir=state)
    asyncio.run(ensure_topics(settings))
    tally, total = Tally(), minutes * 60
    publisher = threading.Thread(target=lambda: asyncio.run(publish_for(
        settings.bootstrap_servers, settings.topic_paragraphs, rate, total, tally, random.Random(11),
        events_forever("soak"))), daemon=True)
    worker_no = 0
    worker = WorkerProcess(settings, state / f"worker-{worker_no}.log").start()
    first_rss, started = rss_mb(worker), time.monotonic()
    publisher.start()
    next_worker_restart, broker_restart_at = restart_every, total / 2
    try:
        while (elapsed := time.monotonic() - started) < total:
            time.sleep(1)
            if tally.broker_restarts == 0 and elapsed >= broker_restart_at:
                console.print(f"{elapsed / 60:5.1f} min: restarting the broker (sent {len(tally.sent_valid)})")
                tally.events.append((time.time(), "broker stop"))
                broker.stop()
                broker.start()
                tally.events.append((time.time(), "broker started"))
                tally.broker_restarts += 1
            if elapsed >= next_worker_restart and elapsed < total - 10:
                console.print(f"{elapsed / 60:5.1f} min: restarting the worker (sent {len(tally.sent_valid)})")
                tally.rss.append((worker_no, first_rss, rss_mb(worker)))
                tally.events.append((time.time(), f"worker {worker_no} SIGTERM"))
                worker.stop()
                worker_no += 1
                worker = WorkerProcess(settings, state / f"worker-{worker_no}.log").start()
                tally.events.append((time.time(), f"worker {worker_no} ready"))
                first_rss = rss_mb(worker)
                tally.worker_restarts += 1
                next_worker_restart += restart_every
        publisher.join(120)
        drain(settings, tally)
        tally.rss.append((worker_no, first_rss, rss_mb(worker)))
    finally:
        worker.stop()
    report(tally, settings, broker)
    broker.stop()
    return tally


def drain(settings: Settings, tally: Tally, timeout: float = 180.0) -> None:
    """Wait until every valid paragraph sent is on the tagged topic (or ``timeout``)."""
    console.print("draining ...")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        records = asyncio.run(read_topic(settings.bootstrap_servers, settings.topic_tagged))
        missing = len(tally.sent_valid - {TaggedParagraph.model_validate_json(r.value).event_id for r in records})
        if not missing:
            return
        console.print(f"  {missing} paragraphs not tagged yet")
        time.sleep(5)


def report(tally: Tally, settings: Settings, broker: LocalBroker) -> None:
    bootstrap = broker.config.bootstrap
    tagged = [TaggedParagraph.model_validate_json(r.value).event_id
              for r in asyncio.run(read_topic(bootstrap, settings.topic_tagged))]
    letters = [DeadLetter.model_validate_json(r.value) for r in asyncio.run(read_topic(bootstrap, settings.topic_dlq))]
    alerts = [Alert.model_validate_json(r.value).alert_id
              for r in asyncio.run(read_topic(bootstrap, settings.topic_alerts))]
    tagged_ids = set(tagged)
    lost = tally.sent_valid - tagged_ids
    if lost:  # where the lost ones were, against what happened when: for a diagnosis
        inputs = asyncio.run(read_topic(bootstrap, settings.topic_paragraphs))
        where = sorted((r.timestamp / 1000, r.partition, r.offset) for r in inputs if r.value and
                       b'"event_id":"' in r.value and r.value.split(b'"event_id":"')[1].split(b'"')[0].decode() in lost)
        for ts, what in tally.events:
            console.print(f"  {time.strftime('%H:%M:%S', time.localtime(ts))}.{int(ts % 1 * 1000):03d} {what}")
        for ts, partition, offset in where:
            console.print(f"  lost: {time.strftime('%H:%M:%S', time.localtime(ts))}.{int(ts % 1 * 1000):03d} "
                          f"partition {partition} offset {offset}")
    repeated_alerts = sum(n - 1 for n in Counter(alerts).values() if n > 1)
    rows = {
        "sent (valid / bad)": f"{len(tally.sent_valid)} / {tally.sent_bad}",
        "tagged (distinct / records)": f"{len(tagged_ids)} / {len(tagged)}",
        "dead-lettered": str(len(letters)),
        "lost paragraphs": str(len(lost)),
        "redelivered paragraphs": str(len(tagged) - len(tagged_ids)),
        "alert records / distinct ids": f"{len(alerts)} / {len(set(alerts))}",
        "duplicate alert records (same id)": str(repeated_alerts),
        "worker restarts / broker restarts": f"{tally.worker_restarts} / {tally.broker_restarts}",
        "RSS per worker, first -> last (MB)": ", ".join(f"{a:.0f}->{b:.0f}" for _, a, b in tally.rss),
    }
    table = Table(title="soak")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for name, value in rows.items():
        table.add_row(name, value)
    console.print(table)
    (REPO / "bench" / "soak-results.json").write_text(json.dumps(rows, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=200.0, help="records per second")
    parser.add_argument("--restart-every", type=float, default=150.0, help="seconds between worker restarts")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the broker's and workers' state and logs here")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        run(args.minutes, args.rate, args.restart_every, args.keep)
        return
    with tempfile.TemporaryDirectory(prefix="soak-") as state:
        run(args.minutes, args.rate, args.restart_every, Path(state))


if __name__ == "__main__":
    main()
