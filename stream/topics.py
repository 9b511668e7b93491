"""Topic names and their creation, shared by every stage (the only place topics are listed)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from stream.config import Settings
from stream.errors import BrokerError
from stream.kafka_auth import client_security


@dataclass(frozen=True)
class TopicNames:
    paragraphs: str
    tagged: str
    mentions: str
    dlq: str
    alerts: str
    alerts_by_category: dict[str, str]
    sink_dlq: str

    @classmethod
    def from_settings(cls, settings: Settings, categories: Iterable[str] = ()) -> "TopicNames":
        """The service's topics, with an alert topic for each of ``categories`` (the rules')."""
        return cls(
            paragraphs=settings.topic_paragraphs,
            tagged=settings.topic_tagged,
            mentions=settings.topic_mentions,
            dlq=settings.topic_dlq,
            alerts=settings.topic_alerts,
            alerts_by_category={c: settings.alert_topic_for(c) for c in categories},
            sink_dlq=settings.topic_sink_dlq,
        )

    def all(self) -> list[str]:
        return [self.paragraphs, self.tagged, self.mentions, self.dlq, self.alerts,
                *self.alerts_by_category.values(), self.sink_dlq]


async def ensure_topics(settings: Settings, names: TopicNames | None = None) -> list[str]:
    """Create the service's topics if missing (idempotent); returns the names created. Without
    ``names``: the pipeline's topics but no per-category alert topic (the worker adds those of
    its rules' categories when it starts, and of any category a rules reload brings)."""
    names = names or TopicNames.from_settings(settings)
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers, request_timeout_ms=15000,
                                **client_security(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in names.all() if t not in existing]
        if not missing:
            return []
        configs = {"min.insync.replicas": str(settings.topic_min_insync_replicas)}
        response = await admin.create_topics([
            NewTopic(t, num_partitions=settings.topic_partitions, replication_factor=settings.topic_replication_factor,
                     topic_configs=configs)
            for t in missing
        ])
        for topic, code, *detail in response.topic_errors:
            if code not in (0, TopicAlreadyExistsError.errno):  # losing a creation race is fine
                reason = (detail[0] if detail and detail[0] else None) or for_code(code).__name__
                raise BrokerError(f"cannot create topic {topic!r}: {reason}")
        return missing
    finally:
        await admin.close()
