"""The worker end to end: throughput, scaling, latency, time to first alert, peak memory.

Every run is a real ``stream worker`` subprocess (``WorkerProcess``: ``sys.executable -m stream
worker``) with a fresh app id (so a fresh consumer group and story table) and its own output
topics, reading an input topic on the benchmark's broker.

- Throughput (``run_preloaded``): N paragraphs wait on the input topic before the worker starts.
  Rate = tagged records over the span of their timestamps (first tagged output, our proxy for the
  first consume, to the last); alerts/s = alert records over first tagged output to last alert.
  The run ends when the group has committed every tagged record and every story mention (all
  alerts raised). Seconds to first alert = worker spawn to the first alert record's timestamp
  (input waiting, broker ready). Peak RSS = the worker's VmHWM from /proc/<pid>/status.
- Scaling: the same with two workers in one group on the 4-partition input, started together.
- Latency (``run_latency``): a live worker; paragraphs published at a fixed offered rate (one
  batch every 5 ms, each stamped ``ingested_at`` as it is sent), then N more as fast as possible.
  Latency = output record timestamp minus the ``ingested_at`` it carries: for alerts that is the
  paragraph that raised the alert (``Alert.ingested_at``), for tagged paragraphs their own.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.kafka_io import ingested_ms, read_all, stamp, wait_count, wait_drained, producer, preload
from bench.relays import rate
from stream.broker.local import free_port
from stream.config import Settings
from stream.models import ParagraphEvent
from stream.topics import ensure_topics
from stream.worker.process import WorkerProcess


def worker_settings(bootstrap: str, run: str, input_topic: str, state: Path) -> Settings:
    return Settings(
        bootstrap_servers=bootstrap, app_id=f"bench-{run}", web_port=free_port(), state_dir=state,
        topic_paragraphs=input_topic, topic_tagged=f"{run}-tagged", topic_mentions=f"{run}-mentions",
        topic_dlq=f"{run}-dlq", topic_alerts=f"{run}-alerts", topic_alerts_prefix=f"{run}-alerts-",
        topic_sink_dlq=f"{run}-sink-dlq",
    )


def peak_rss_mb(worker: WorkerProcess) -> float:
    """VmHWM: the process's peak resident set so far."""
    for line in Path(f"/proc/{worker.process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def late_mentions(worker: WorkerProcess) -> int:
    """Mentions the policy suppressed as 'late' (older than every window a story keeps)."""
    try:
        text = worker.metrics_text()
    except Exception:
        return -1
    return int(sum(float(m) for m in re.findall(r'^\w+_total\{[^}]*reason="late"[^}]*\} ([0-9.e+]+)$', text, re.M)))


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def latency_summary(values_ms: list[float]) -> dict[str, float]:
    return {"n": len(values_ms), "p50_ms": percentile(values_ms, 50), "p95_ms": percentile(values_ms, 95),
            "p99_ms": percentile(values_ms, 99), "max_ms": max(values_ms) if values_ms else float("nan")}


async def start_workers(settings: list[Settings], state: Path, label: str) -> list[WorkerProcess]:
    workers = [WorkerProcess(s, state / f"{label}-{i}.log") for i, s in enumerate(settings)]
    await asyncio.gather(*(asyncio.to_thread(w.start, 120.0) for w in workers))
    return workers


async def stop_workers(workers: list[WorkerProcess]) -> None:
    await asyncio.gather(*(asyncio.to_thread(w.stop, 20.0) for w in workers))


@dataclass
class PreloadedRun:
    workers: int
    tagged: int  # records (at-least-once: a redelivery after a rebalance may repeat some)
    distinct_tagged: int  # distinct event ids
    tagged_span_s: float
    alerts: int
    alerts_span_s: float  # first tagged output to last alert
    seconds_to_ready: float
    seconds_to_first_tagged: float
    seconds_to_first_alert: float
    peak_rss_mb: float
    late_mentions: int

    @property
    def paragraphs_per_s(self) -> float:
        return rate(self.tagged, self.tagged_span_s)

    @property
    def alerts_per_s(self) -> float:
        return rate(self.alerts, self.alerts_span_s)


async def run_preloaded(bootstrap: str, input_topic: str, n: int, run: str, state: Path, workers: int = 1,
                        timeout: float = 600.0) -> PreloadedRun:
    """``workers`` fresh workers (one group) over ``n`` paragraphs already on ``input_topic``."""
    settings = [worker_settings(bootstrap, run, input_topic, state / f"{run}-{i}") for i in range(workers)]
    await ensure_topics(settings[0])
    spawned = time.time()
    procs = await start_workers(settings, state, run)
    ready = time.time() - spawned
    s = settings[0]
    alive = lambda: all(p.running() for p in procs)  # noqa: E731
    try:
        await wait_count(bootstrap, s.topic_tagged, n, timeout, alive)
        await wait_drained(bootstrap, s.app_id, [s.topic_tagged, s.topic_mentions], timeout, alive)
        rss = max(peak_rss_mb(p) for p in procs)
        late = sum(late_mentions(p) for p in procs)
    finally:
        await stop_workers(procs)
    tagged_records = await read_all(bootstrap, s.topic_tagged)
    tagged = [r.timestamp_ms for r in tagged_records]
    distinct = len({json.loads(r.value)["event_id"] for r in tagged_records})
    alerts = [r.timestamp_ms for r in await read_all(bootstrap, s.topic_alerts)]
    first = min(tagged)
    return PreloadedRun(
        workers=workers, tagged=len(tagged), distinct_tagged=distinct, tagged_span_s=(max(tagged) - first) / 1000,
        alerts=len(alerts), alerts_span_s=((max(alerts) - first) / 1000) if alerts else 0.0,
        seconds_to_ready=ready, seconds_to_first_tagged=first / 1000 - spawned,
        seconds_to_first_alert=(min(alerts) / 1000 - spawned) if alerts else float("nan"),
        peak_rss_mb=rss, late_mentions=late,
    )


async def publish_at_rate(bootstrap: str, topic: str, events: list[ParagraphEvent], rate: float | None) -> float:
    """Publish ``events`` at ``rate`` a second (None: as fast as possible); the rate achieved."""
    prod = producer(bootstrap, linger_ms=0 if rate else 5)
    await prod.start()
    futures, i, started = [], 0, time.monotonic()
    try:
        while i < len(events):
            due = len(events) if rate is None else min(len(events), int((time.monotonic() - started) * rate) + 1)
            while i < due:
                e = events[i]
                futures.append(await prod.send(topic, key=e.article_id.encode(), value=stamp(e)))
                i += 1
            if rate is not None:
                await asyncio.sleep(0.005)
        elapsed = time.monotonic() - started
        await asyncio.gather(*futures)
    finally:
        await prod.stop()
    return len(events) / elapsed if elapsed > 0 else float("inf")


@dataclass
class LatencyPhase:
    offered_per_s: float
    sent: int
    tagged: dict[str, float] = field(default_factory=dict)
    alerts: dict[str, float] = field(default_factory=dict)


async def run_latency(bootstrap: str, workload, run: str, state: Path, rate: float, seconds: float,
                      flood: int, timeout: float = 600.0) -> tuple[LatencyPhase, LatencyPhase, float]:
    """A live worker: ``rate``/s for ``seconds``, drained, then ``flood`` paragraphs at once.
    Returns both phases and the worker's peak RSS."""
    settings = worker_settings(bootstrap, run, f"{run}-paragraphs", state / run)
    await ensure_topics(settings)
    (worker,) = await start_workers([settings], state, run)
    alive = worker.running
    phases: list[tuple[float, LatencyPhase]] = []
    sent = 0
    try:
        for offered, events in ((rate, workload.take(int(rate * seconds))), (None, workload.take(flood))):
            phase_start_ms = time.time() * 1000
            achieved = await publish_at_rate(bootstrap, settings.topic_paragraphs, events, offered)
            sent += len(events)
            await wait_count(bootstrap, settings.topic_tagged, sent, timeout, alive)
            await wait_drained(bootstrap, settings.app_id, [settings.topic_tagged, settings.topic_mentions], timeout,
                               alive)
            phases.append((phase_start_ms, LatencyPhase(offered_per_s=achieved, sent=len(events))))
        rss = peak_rss_mb(worker)
    finally:
        await stop_workers([worker])
    tagged = await read_all(bootstrap, settings.topic_tagged)
    alerts = await read_all(bootstrap, settings.topic_alerts)
    bounds = [start for start, _ in phases] + [float("inf")]
    for k, (_, phase) in enumerate(phases):
        for records, into in ((tagged, "tagged"), (alerts, "alerts")):
            lat = []
            for r in records:
                ing = ingested_ms(r.value)
                if bounds[k] <= ing < bounds[k + 1]:
                    lat.append(r.timestamp_ms - ing)
            setattr(phase, into, latency_summary(lat))
    return phases[0][1], phases[1][1], rss


async def load_input(bootstrap: str, topic: str, events: list[ParagraphEvent]) -> None:
    await preload(bootstrap, topic, events)
