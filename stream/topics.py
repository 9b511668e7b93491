"""Topic names and their creation, shared by every stage (the only place topics are listed)."""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from stream.config import Settings
from stream.models import CATEGORIES


@dataclass(frozen=True)
class TopicNames:
    paragraphs: str
    tagged: str
    dlq: str
    alerts: str
    alerts_by_category: dict[str, str]

    @classmethod
    def from_settings(cls, settings: Settings) -> "TopicNames":
        return cls(
            paragraphs=settings.topic_paragraphs,
            tagged=settings.topic_tagged,
            dlq=settings.topic_dlq,
            alerts=settings.topic_alerts,
            alerts_by_category={c: settings.alert_topic_for(c) for c in CATEGORIES},
        )

    def all(self) -> list[str]:
        return [self.paragraphs, self.tagged, self.dlq, self.alerts, *self.alerts_by_category.values()]


async def ensure_topics(settings: Settings, names: TopicNames | None = None) -> list[str]:
    """Create the service's topics if missing (idempotent); returns the names created."""
    names = names or TopicNames.from_settings(settings)
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in names.all() if t not in existing]
        if missing:
            new = [NewTopic(t, num_partitions=settings.topic_partitions, replication_factor=1) for t in missing]
            try:
                await admin.create_topics(new)
            except TopicAlreadyExistsError:
                pass  # another process won the race: fine
        return missing
    finally:
        await admin.close()
