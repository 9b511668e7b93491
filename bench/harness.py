"""``python -m bench`` (``make bench N=...``): the end-to-end benchmark of issue 10.

Starts its own single-node Kafka broker (jars from STREAM_KAFKA_CACHE_DIR, default
``<repo>/.cache/kafka``; ``make kafka`` fetches them), then, in one run on that broker:

1. tagger: paragraphs/s over the benchmark paragraphs, against a one-regex-per-term loop and one
   big alternation, and its time at 10,000 lexicon terms over ~100 (``bench.tagger_bench``);
2. loads N paragraphs (``bench.workload``) onto a 4-partition input topic, once;
3. over that same input, each with a fresh group and output topic: the raw aiokafka relay, the
   default Faust relay (``bench.relays``), one ``stream worker``, then two workers in one group
   (``bench.e2e``); rate = output records over the span of their timestamps;
4. a live worker on its own input topic: paragraphs at 1,000/s offered for max(10, N/1000) s,
   then N at once (full speed); publish-to-alert and publish-to-tagged latency.

Prints a table and writes ``bench/results.json`` (``--out`` elsewhere). Ratios are within this
one run; absolute rates vary from machine to machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench import e2e, relays, tagger_bench
from bench.kafka_io import REPO, create_topics, default_cache_dir, kafka_version, preload, start_broker
from bench.workload import Workload

console = Console(width=None if sys.stdout.isatty() else 110)
DEFAULT_N = 20_000
DEFAULT_OUT = REPO / "bench" / "results.json"
TAGGER_PARAGRAPHS = 1_000


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


async def kafka_sections(bootstrap: str, n: int, state: Path, workload: Workload, latency_seconds: float,
                         rate: float, timeout: float) -> dict:
    run = uuid.uuid4().hex[:6]
    source = f"bench-{run}-paragraphs"
    await create_topics(bootstrap, [source])
    with console.status(f"loading {n:,} paragraphs onto {source} ..."):
        started = time.monotonic()
        await preload(bootstrap, source, workload.take(n))
    console.log(f"loaded {n:,} paragraphs in {time.monotonic() - started:.1f} s")

    with console.status("raw aiokafka relay ..."):
        raw = await relays.raw_relay(bootstrap, source, f"bench-{run}-raw-out", n, f"bench-{run}-raw", timeout)
    console.log(f"raw relay: {raw.delivered:,} records, {raw.per_s:,.0f}/s")
    with console.status("default Faust relay ..."):
        faust_ = await relays.faust_relay(bootstrap, source, f"bench-{run}-faust-out", n, f"bench-{run}-faust",
                                          state, timeout)
    console.log(f"Faust relay: {faust_.delivered:,} records, {faust_.per_s:,.0f}/s")
    with console.status("one worker over the pre-loaded input ..."):
        one = await e2e.run_preloaded(bootstrap, source, n, f"{run}-w1", state, workers=1, timeout=timeout)
    console.log(f"one worker: {one.tagged:,} tagged, {one.paragraphs_per_s:,.0f}/s; {one.alerts:,} alerts, "
                f"{one.alerts_per_s:,.0f}/s; first alert {one.seconds_to_first_alert:.1f} s after spawn; "
                f"late mentions {one.late_mentions}")
    with console.status("two workers (one group) over the pre-loaded input ..."):
        two = await e2e.run_preloaded(bootstrap, source, n, f"{run}-w2", state, workers=2, timeout=timeout)
    console.log(f"two workers: {two.tagged:,} tagged, {two.paragraphs_per_s:,.0f}/s")
    seconds = latency_seconds or max(10.0, n / rate)
    with console.status(f"live worker: {rate:,.0f}/s for {seconds:.0f} s, then {n:,} at full speed ..."):
        at_rate, at_max, lat_rss = await e2e.run_latency(bootstrap, workload, f"{run}-lat", state, rate, seconds,
                                                         flood=n, timeout=timeout)
    console.log(f"at {at_rate.offered_per_s:,.0f}/s offered: alert p99 {at_rate.alerts['p99_ms']:.0f} ms "
                f"(n={at_rate.alerts['n']}), tagged p99 {at_rate.tagged['p99_ms']:.0f} ms; "
                f"full speed: alert p99 {at_max.alerts['p99_ms']:.0f} ms")
    return {
        "e2e": {
            "paragraphs_per_s": one.paragraphs_per_s,
            "alerts_per_s": one.alerts_per_s,
            "vs_faust_relay": ratio(one.paragraphs_per_s, faust_.per_s),
            "vs_raw_relay": ratio(one.paragraphs_per_s, raw.per_s),
            "p50_ms_at_1k": at_rate.alerts["p50_ms"],
            "p95_ms_at_1k": at_rate.alerts["p95_ms"],
            "p99_ms_at_1k": at_rate.alerts["p99_ms"],
            "p50_ms_at_max": at_max.alerts["p50_ms"],
            "p95_ms_at_max": at_max.alerts["p95_ms"],
            "p99_ms_at_max": at_max.alerts["p99_ms"],
            "seconds_to_first_alert": one.seconds_to_first_alert,
            "seconds_to_first_tagged": one.seconds_to_first_tagged,
            "seconds_to_ready": one.seconds_to_ready,
            "paragraphs_per_s_to_last_alert": ratio(one.tagged, one.alerts_span_s),
            "tagged": one.tagged,
            "distinct_tagged": one.distinct_tagged,
            "alerts": one.alerts,
            "late_mentions": one.late_mentions,
            "faust_relay_per_s": faust_.per_s,
            "faust_relay_delivered": faust_.delivered,
            "raw_relay_per_s": raw.per_s,
            "raw_relay_delivered": raw.delivered,
            "latency_at_1k": {"offered_per_s": at_rate.offered_per_s, "sent": at_rate.sent,
                              "alerts": at_rate.alerts, "tagged": at_rate.tagged},
            "latency_at_max": {"offered_per_s": at_max.offered_per_s, "sent": at_max.sent,
                               "alerts": at_max.alerts, "tagged": at_max.tagged},
        },
        "scaling": {
            "two_over_one": ratio(two.paragraphs_per_s, one.paragraphs_per_s),
            "one_worker_per_s": one.paragraphs_per_s,
            "two_workers_per_s": two.paragraphs_per_s,
            "two_workers_tagged": two.tagged,
            "two_workers_distinct_tagged": two.distinct_tagged,
            "partitions": 4,
        },
        "memory": {"peak_rss_mb": max(one.peak_rss_mb, lat_rss), "peak_rss_mb_preloaded": one.peak_rss_mb,
                   "peak_rss_mb_live": lat_rss, "peak_rss_mb_two_workers_max": two.peak_rss_mb},
    }


def run(n: int, out: Path, cache_dir: Path, latency_seconds: float, rate: float, keep: Path | None,
        passes_per_day: int = 1) -> dict:
    wall = time.monotonic()
    workload = Workload(prefix=f"bench-{uuid.uuid4().hex[:6]}", passes_per_day=passes_per_day)
    with console.status("tagger ..."):
        texts = [e.text for e in Workload(prefix="tagger").take(min(n, TAGGER_PARAGRAPHS))]
        tagger = tagger_bench.figures(texts, passes=5 if n >= 5_000 else 2,
                                       baseline_budget_s=4.0 if n >= 5_000 else 0.5)
    console.log(f"tagger: {tagger['paragraphs_per_s']:,.0f} paragraphs/s, x{tagger['vs_regex_loop']:.0f} the regex "
                f"loop, x{tagger['vs_alternation']:.1f} the alternation, 10k/~100 terms {tagger['rules_10k_over_100']:.2f}")
    timeout = 120 + n / 50
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        state = keep or Path(tmp)
        state.mkdir(parents=True, exist_ok=True)
        with console.status("starting Kafka ..."):
            broker = start_broker(state, cache_dir)
        try:
            results = asyncio.run(kafka_sections(broker.config.bootstrap, n, state, workload, latency_seconds,
                                                 rate, timeout))
        finally:
            broker.stop()
    results = {
        "tagger": tagger,
        **results,
        "machine": {"cores": os.cpu_count(), "kafka": kafka_version(cache_dir),
                    "python": platform.python_version(), "platform": platform.platform()},
        "run": {"n": n, "offered_rate": rate, "passes_per_day": passes_per_day, "wall_seconds": time.monotonic() - wall,
                "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    console.print(table(results))
    console.print(f"wrote {out} in {results['run']['wall_seconds']:.0f} s")
    return results


def table(r: dict) -> Table:
    t, e = r["tagger"], r["e2e"]
    m = r["machine"]
    out = Table(title=f"make bench: N={r['run']['n']:,}, {m['cores']} cores, Kafka {m['kafka']}, Python {m['python']}")
    for col in ("measure", "value", "key"):
        out.add_column(col, justify="right" if col == "value" else "left")
    rows = [
        ("tagger paragraphs/s", f"{t['paragraphs_per_s']:,.0f}", "tagger.paragraphs_per_s"),
        ("tagger vs one-regex-per-term loop", f"x{t['vs_regex_loop']:.1f}", "tagger.vs_regex_loop"),
        ("tagger vs one big alternation", f"x{t['vs_alternation']:.2f}", "tagger.vs_alternation"),
        (f"tagger time at 10k / {t['rules_small_terms']} lexicon terms", f"{t['rules_10k_over_100']:.2f}",
         "tagger.rules_10k_over_100"),
        ("raw aiokafka relay records/s", f"{e['raw_relay_per_s']:,.0f}", "e2e.raw_relay_per_s"),
        ("default Faust relay records/s", f"{e['faust_relay_per_s']:,.0f}", "e2e.faust_relay_per_s"),
        ("worker tagged paragraphs/s", f"{e['paragraphs_per_s']:,.0f}", "e2e.paragraphs_per_s"),
        ("worker paragraphs/s to last alert", f"{e['paragraphs_per_s_to_last_alert']:,.0f}",
         "e2e.paragraphs_per_s_to_last_alert"),
        ("worker alerts/s", f"{e['alerts_per_s']:,.0f}", "e2e.alerts_per_s"),
        ("worker / Faust relay", f"x{e['vs_faust_relay']:.2f}", "e2e.vs_faust_relay"),
        ("worker / raw relay", f"x{e['vs_raw_relay']:.3f}", "e2e.vs_raw_relay"),
        ("publish->alert p50 / p95 / p99 at 1k/s (ms)",
         f"{e['p50_ms_at_1k']:,.0f} / {e['p95_ms_at_1k']:,.0f} / {e['p99_ms_at_1k']:,.0f}", "e2e.p*_ms_at_1k"),
        ("publish->tagged p50 / p99 at 1k/s (ms)",
         f"{e['latency_at_1k']['tagged']['p50_ms']:,.0f} / {e['latency_at_1k']['tagged']['p99_ms']:,.0f}",
         "e2e.latency_at_1k.tagged"),
        ("offered rate achieved (/s)", f"{e['latency_at_1k']['offered_per_s']:,.0f}", "e2e.latency_at_1k"),
        ("publish->alert p50 / p95 / p99 at full speed (ms)",
         f"{e['p50_ms_at_max']:,.0f} / {e['p95_ms_at_max']:,.0f} / {e['p99_ms_at_max']:,.0f}", "e2e.p*_ms_at_max"),
        ("seconds to first alert (spawn, input waiting)", f"{e['seconds_to_first_alert']:.1f}",
         "e2e.seconds_to_first_alert"),
        ("two workers / one (4 partitions)", f"x{r['scaling']['two_over_one']:.2f}", "scaling.two_over_one"),
        ("worker peak RSS (MB, VmHWM)", f"{r['memory']['peak_rss_mb']:.0f}", "memory.peak_rss_mb"),
        ("late mentions (not counted by the policy)", f"{e['late_mentions']}", "e2e.late_mentions"),
    ]
    for row in rows:
        out.add_row(*row)
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--n", "-n", type=int, default=int(os.environ.get("N") or DEFAULT_N),
                        help=f"paragraphs per run (default {DEFAULT_N:,}, or $N)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results file (default bench/results.json)")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="the Kafka jars (default: STREAM_KAFKA_CACHE_DIR, else <repo>/.cache/kafka)")
    parser.add_argument("--rate", type=float, default=1_000.0, help="offered rate of the latency run (/s)")
    parser.add_argument("--latency-seconds", type=float, default=0.0,
                        help="length of the fixed-rate latency run (default max(10, N / rate))")
    parser.add_argument("--passes-per-day", type=int, default=1,
                        help="passes over the eval texts published per day of event time (1: every story "
                             "alerts again each pass; more: fewer alerts)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep broker and worker state and logs here")
    args = parser.parse_args(argv)
    if args.n < 10:
        parser.error("--n must be at least 10")
    return run(args.n, args.out, args.cache_dir or default_cache_dir(), args.latency_seconds, args.rate, args.keep,
               args.passes_per_day)
