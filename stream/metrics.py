"""A typed bundle of the service's Prometheus metrics, built on a registry passed in.

Every name starts with ``stream_``; units are base units (seconds); counters end in ``_total``.
Label values are bounded sets (category, stance, severity, reason code, stage, topic, partition):
never an article or event id.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

from collections.abc import Iterable
from typing import get_args

from stream.models import SEVERITIES, EscalationReason, Stance

PREFIX = "stream"

# Bounded label values of the alerting series.
# A paragraph seen again; a known story, no escalation; a mention older than every window kept.
SUPPRESSION_REASONS = ("duplicate", "in_window", "late")
ESCALATION_REASONS: tuple[str, ...] = get_args(EscalationReason)
SINK_OUTCOMES = ("delivered", "retried", "failed")

# Seconds. Tagging a paragraph takes well under a millisecond; end-to-end includes Kafka hops.
STAGE_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    paragraphs_consumed: Counter
    paragraphs_produced: Counter
    tags: Counter
    alerts: Counter
    alerts_suppressed: Counter
    alerts_escalated: Counter
    story_mentions: Counter
    stories_active: Gauge
    sink_deliveries: Counter
    sink_delivery_duration: Histogram
    live_clients: Gauge
    broker_contact_age: Gauge
    dead_letters: Counter
    stage_duration: Histogram
    end_to_end_latency: Histogram
    consumer_lag: Gauge
    rebalances: Counter
    rules_reloads: Counter
    rules_info: Info
    build_info: Info


def build_metrics(registry: CollectorRegistry | None = None) -> Metrics:
    """Create every metric on ``registry`` (a fresh one by default, so tests stay isolated)."""
    registry = registry if registry is not None else CollectorRegistry()
    kw = {"registry": registry}
    return Metrics(
        registry=registry,
        paragraphs_consumed=Counter(
            f"{PREFIX}_paragraphs_consumed", "Paragraph events read from the input topic.", ["topic"], **kw
        ),
        paragraphs_produced=Counter(
            f"{PREFIX}_paragraphs_produced",
            "Tagged paragraphs published to the tagged topic.",
            ["topic"],
            **kw,
        ),
        tags=Counter(f"{PREFIX}_tags", "Tags attached to paragraphs.", ["category", "stance"], **kw),
        alerts=Counter(f"{PREFIX}_alerts", "Alerts raised.", ["category", "severity"], **kw),
        alerts_suppressed=Counter(
            f"{PREFIX}_alerts_suppressed",
            "Alerts the policy decided not to publish.",
            ["category", "reason"],
            **kw,
        ),
        alerts_escalated=Counter(
            f"{PREFIX}_alerts_escalated",
            "Escalation alerts raised (each supersedes the story's previous alert).",
            ["category", "reason"],
            **kw,
        ),
        story_mentions=Counter(
            f"{PREFIX}_story_mentions", "Tags processed by the story stage (raised, escalated or suppressed).",
            ["category"], **kw,
        ),
        stories_active=Gauge(
            f"{PREFIX}_stories_active", "Stories held in this worker's story table (bounded by retention).", **kw
        ),
        sink_deliveries=Counter(
            f"{PREFIX}_sink_deliveries",
            "Alert delivery attempts by sink and outcome (delivered, retried, failed).",
            ["sink", "outcome"],
            **kw,
        ),
        sink_delivery_duration=Histogram(
            f"{PREFIX}_sink_delivery_seconds",
            "Time of one delivery attempt to a sink's receiver.",
            ["sink"],
            buckets=LATENCY_BUCKETS,
            **kw,
        ),
        live_clients=Gauge(
            f"{PREFIX}_live_clients", "Open server-sent-event connections on /alerts/stream.", **kw
        ),
        broker_contact_age=Gauge(
            f"{PREFIX}_broker_contact_age_seconds",
            "Seconds since the worker's last successful round trip to Kafka (grows during an outage).",
            **kw,
        ),
        dead_letters=Counter(
            f"{PREFIX}_dead_letters", "Input records sent to the dead-letter topic.", ["reason"], **kw
        ),
        stage_duration=Histogram(
            f"{PREFIX}_stage_duration_seconds",
            "Processing time of one record in one pipeline stage.",
            ["stage"],
            buckets=STAGE_BUCKETS,
            **kw,
        ),
        end_to_end_latency=Histogram(
            f"{PREFIX}_end_to_end_latency_seconds",
            "Time from a paragraph's ingestion to its alert being published.",
            ["category"],
            buckets=LATENCY_BUCKETS,
            **kw,
        ),
        consumer_lag=Gauge(
            f"{PREFIX}_consumer_lag_messages",
            "Messages between the committed position and the end of a topic partition.",
            ["topic", "partition"],
            **kw,
        ),
        rebalances=Counter(f"{PREFIX}_rebalances", "Consumer group rebalances seen by the worker.", **kw),
        rules_reloads=Counter(
            f"{PREFIX}_rules_reloads", "Tagging rule reloads, by outcome.", ["outcome"], **kw
        ),
        rules_info=Info(f"{PREFIX}_rules", "Version of the tagging rules in use.", **kw),
        build_info=Info(f"{PREFIX}_build", "Version of the service and its runtime.", **kw),
    )


def prime(
    metrics: Metrics,
    *,
    dead_letter_reasons: tuple[str, ...],
    consumed_topics: tuple[str, ...] = (),
    produced_topics: tuple[str, ...] = (),
    sinks: tuple[str, ...] = (),
    categories: Iterable[str] = (),
) -> None:
    """Create every known label set at zero, so rate() sees the first increment of each."""
    for topic in consumed_topics:
        metrics.paragraphs_consumed.labels(topic=topic)
    for topic in produced_topics:
        metrics.paragraphs_produced.labels(topic=topic)
    for category in categories:
        prime_category(metrics, category)
    for reason in dead_letter_reasons:
        metrics.dead_letters.labels(reason=reason)
    for outcome in ("success", "error"):
        metrics.rules_reloads.labels(outcome=outcome)
    for stage in ("tag", "route", "alert"):
        metrics.stage_duration.labels(stage=stage)
    for sink in sinks:
        metrics.sink_delivery_duration.labels(sink=sink)
        for outcome in SINK_OUTCOMES:
            metrics.sink_deliveries.labels(sink=sink, outcome=outcome)


def prime_category(metrics: Metrics, category: str) -> None:
    """Every series of one category at zero (at start, and when a rules reload adds one)."""
    for stance in Stance:
        metrics.tags.labels(category=category, stance=stance.value)
    for severity in SEVERITIES:
        metrics.alerts.labels(category=category, severity=severity)
    for reason in SUPPRESSION_REASONS:
        metrics.alerts_suppressed.labels(category=category, reason=reason)
    for reason in ESCALATION_REASONS:
        metrics.alerts_escalated.labels(category=category, reason=reason)
    metrics.story_mentions.labels(category=category)
    metrics.end_to_end_latency.labels(category=category)


def record_build_info(metrics: Metrics, version: str, faust_version: str) -> None:
    metrics.build_info.info(
        {"version": version, "python": platform.python_version(), "faust": faust_version}
    )
