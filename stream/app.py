"""The Faust app, built from settings: topics, agents, web pages and periodic monitors."""

from __future__ import annotations

from pathlib import Path

import faust
from prometheus_client import CollectorRegistry

from stream import __version__
from stream import live, sinks
from stream.alerting import agents as alerting_agents
from stream.config import Settings
from stream.kafka_auth import faust_credentials
from stream.metrics import Metrics, build_metrics, prime, record_build_info
from stream.tagging import agents as tagging_agents
from stream.tagging import DEFAULT_RULES_DIR, load_tagger
from stream.tagging.reload import RulesWatcher
from stream.topics import TopicNames
from stream.worker import acks, fetching, monitors, web
from stream.worker.auth import web_application_options
from stream.worker.context import WorkerContext
from stream.worker.decode import REASONS


def _topic(app: faust.App, name: str, settings: Settings) -> faust.TopicT:
    # Raw bytes in and out: decoding is ours (pydantic, size-limited), never a pickle codec.
    return app.topic(name, key_serializer="raw", value_serializer="raw", partitions=settings.topic_partitions)


def build_app(settings: Settings, registry: CollectorRegistry | None = None) -> WorkerContext:
    datadir = Path(settings.state_dir) / "worker" / settings.app_id
    datadir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.app_id,
        broker=[f"kafka://{server.strip()}" for server in settings.bootstrap_servers.split(",")],
        store="memory://",
        datadir=str(datadir),
        web_host=settings.web_host,
        web_port=settings.web_port,
        web_in_thread=False,
        web_application_options=web_application_options(settings.web_token),
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication_factor,
        producer_acks=-1,
        producer_linger=settings.producer_linger_ms / 1000,
        producer_max_batch_size=settings.producer_batch_bytes,
        broker_credentials=faust_credentials(settings),
        # A commit first flushes the producer (waits for every send in flight) and, counted, runs in
        # the fetch loop: by time only, so that neither stalls consumption every few records.
        broker_commit_every=1_000_000,
        broker_commit_interval=settings.commit_interval_seconds,
        consumer_auto_offset_reset="earliest",
        broker_max_poll_records=settings.consumer_max_poll_records,
        consumer_max_fetch_size=settings.consumer_fetch_bytes,
        broker_session_timeout=settings.consumer_session_timeout_seconds,
        broker_heartbeat_interval=settings.consumer_heartbeat_seconds,
        broker_rebalance_timeout=settings.consumer_rebalance_timeout_seconds,
        autodiscover=False,
    )
    acks.install()  # events of our agents are acked only once handled (see stream/worker/acks.py)
    fetching.install(settings.consumer_fetch_wait_ms)
    metrics: Metrics = build_metrics(registry)
    record_build_info(metrics, __version__, faust.__version__)
    rules_dir = settings.rules_dir or DEFAULT_RULES_DIR
    watcher = RulesWatcher(rules_dir, load_tagger(settings.rules_dir))
    categories = watcher.tagger.categories
    names = TopicNames.from_settings(settings, categories)
    ctx = WorkerContext(
        app=app,
        settings=settings,
        metrics=metrics,
        names=names,
        paragraphs=_topic(app, names.paragraphs, settings),
        tagged=_topic(app, names.tagged, settings),
        mentions=_topic(app, names.mentions, settings),
        dlq=_topic(app, names.dlq, settings),
        alerts=_topic(app, names.alerts, settings),
        alerts_by_category={c: _topic(app, t, settings) for c, t in names.alerts_by_category.items()},
        make_topic=lambda name: _topic(app, name, settings),
    )
    tagging_agents.register(ctx, watcher)
    alerting_agents.register(ctx)
    enabled_sinks = sinks.register(ctx)
    live.register(ctx)
    web.register(ctx)
    monitors.register(ctx)
    prime(
        metrics,
        dead_letter_reasons=(*REASONS, tagging_agents.FAILURE_REASON, *alerting_agents.FAILURE_REASONS),
        consumed_topics=(names.paragraphs,),
        produced_topics=(names.tagged,),
        sinks=enabled_sinks,
        categories=categories,
    )
    return ctx
