"""Settings: a frozen pydantic-settings object, the only reader of the environment.

Every setting is an environment variable with the prefix ``STREAM_`` (e.g.
``STREAM_BOOTSTRAP_SERVERS``); command-line flags override individual fields via ``with_``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from stream.errors import ConfigError

DEFAULT_STATE_DIR = Path(".state")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STREAM_", frozen=True, extra="ignore")

    # Kafka
    bootstrap_servers: str = "127.0.0.1:9092"
    app_id: str = "stream-monitor"
    topic_paragraphs: str = "paragraphs"
    topic_tagged: str = "paragraphs-tagged"
    topic_dlq: str = "paragraphs-dlq"
    topic_alerts: str = "alerts"
    topic_alerts_prefix: str = Field(
        default="alerts-", description="per-category alert topics: prefix + category with '-'"
    )
    topic_mentions: str = Field(
        default="story-mentions", description="tagged paragraphs repartitioned by story key (one record per tag)"
    )
    topic_sink_dlq: str = Field(default="sink-dead-letters", description="alerts a sink finally failed to deliver")
    topic_partitions: int = Field(default=4, ge=1, le=1024)
    topic_replication_factor: int = Field(default=1, ge=1, le=32)
    topic_min_insync_replicas: int = Field(
        default=1, ge=1, le=32, description="replicas that must have a write (with acks=all); 2 on a 3-node cluster"
    )

    # Kafka security, for every client the project has (worker, replay, alerts, demo, readers,
    # admin, sinks); `stream broker start` with these set runs a local broker that demands them.
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = Field(default=None, description="CA certificate (PEM) that signed the brokers'")
    ssl_certfile: Path | None = Field(default=None, description="client certificate (PEM), for mutual TLS")
    ssl_keyfile: Path | None = Field(default=None, description="client private key (PEM), for mutual TLS")

    # Consumer group liveness: how fast a dead worker's partitions move to the survivors
    consumer_session_timeout_seconds: float = Field(
        default=10.0, ge=6.0, le=300.0, description="a worker silent this long is declared dead (failover time)"
    )
    consumer_heartbeat_seconds: float = Field(default=1.0, gt=0, description="heartbeat interval; < session/3")
    consumer_rebalance_timeout_seconds: float = Field(
        default=20.0, ge=1.0, description="how long a rebalance waits for members to rejoin"
    )
    # Producer batching: records sent within the linger go out in one request (Faust's default, 0,
    # makes a request per record: most of a busy worker's time went into socket writes)
    producer_linger_ms: float = Field(default=5.0, ge=0, le=1000, description="wait this long to fill a batch")
    producer_batch_bytes: int = Field(default=262_144, ge=1024, description="largest batch per partition")
    consumer_max_poll_records: int = Field(
        default=500, ge=1, description="records per fetch handed to the agents: smaller batches let each hop's records through sooner"
    )
    consumer_fetch_bytes: int = Field(
        default=65_536, ge=1024,
        description="data fetched ahead per partition: a large prefetch of one topic queues the next stage's records behind it",
    )
    consumer_fetch_wait_ms: int = Field(
        default=50, ge=0, le=1500, description="longest a fetch waits at the broker for data (Faust's own: 1,500)"
    )
    commit_interval_seconds: float = Field(
        default=1.0, gt=0, le=60, description="offsets commit this often; at most this much work is redone after a crash"
    )

    outage_log_seconds: float = Field(
        default=5.0, gt=0, description="while Kafka is unreachable: one summary log line this often"
    )

    # Worker web server (metrics, health, alerts page and stream)
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=6066, ge=1, le=65535)
    web_token: SecretStr | None = Field(
        default=None, description="when set, endpoints other than /healthz, /readyz, /metrics need this bearer token"
    )

    # Story policy: windows of event time (published_at, else ingested_at), escalation thresholds
    story_window_seconds: int = Field(default=86_400, ge=60, description="tumbling window length")
    story_retention_seconds: int = Field(
        default=172_800, ge=60, description="a story's state is kept this long after its last mention (dedup horizon)"
    )
    escalate_min_articles: int = Field(default=3, ge=1)
    escalate_min_sources: int = Field(default=2, ge=1)
    surge_min_articles: int = Field(default=6, ge=1)
    surge_min_sources: int = Field(default=3, ge=1)

    # Alert sinks (each its own consumer group on the alert topic); None disables a sink
    alertmanager_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    sink_timeout_seconds: float = Field(default=5.0, gt=0)
    sink_max_attempts: int = Field(default=6, ge=1, le=100)
    sink_backoff_seconds: float = Field(default=0.5, gt=0, description="first retry delay; doubles, capped at 30 s")

    # Live alert page and server-sent events on the worker's web server
    live_backlog_alerts: int = Field(default=100, ge=0, le=10_000, description="alerts a new page/SSE client gets first")

    # Input limits: larger or longer input goes to the dead-letter topic
    max_event_bytes: int = Field(default=256 * 1024, ge=1024)
    max_paragraph_chars: int = Field(default=20_000, ge=100)

    # Tagging rules: None means the rules packaged with the service
    rules_dir: Path | None = None
    rules_poll_seconds: float = Field(default=2.0, gt=0)

    # Local broker (``stream broker``) and its cache of jars
    state_dir: Path = DEFAULT_STATE_DIR
    kafka_cache_dir: Path = Path(".cache/kafka")

    @field_validator("bootstrap_servers")
    @classmethod
    def _host_port_list(cls, value: str) -> str:
        for server in value.split(","):
            host, sep, port = server.strip().rpartition(":")
            if not sep or not host or not port.isdigit():
                raise ValueError(f"expected HOST:PORT[,HOST:PORT...], got {value!r}")
        return value

    @model_validator(mode="after")
    def _credentials_for_sasl(self) -> "Settings":
        if self.security_protocol.startswith("SASL") and not (self.sasl_username and self.sasl_password):
            raise ValueError(f"security_protocol {self.security_protocol} needs sasl_username and sasl_password")
        if (self.ssl_certfile is None) != (self.ssl_keyfile is None):
            raise ValueError("ssl_certfile and ssl_keyfile go together (mutual TLS)")
        return self

    @property
    def uses_tls(self) -> bool:
        return self.security_protocol in ("SSL", "SASL_SSL")

    @model_validator(mode="after")
    def _heartbeat_within_session(self) -> "Settings":
        if self.consumer_heartbeat_seconds * 3 > self.consumer_session_timeout_seconds:
            raise ValueError("consumer_heartbeat_seconds must be at most a third of consumer_session_timeout_seconds")
        return self

    def alert_topic_for(self, category: str) -> str:
        return f"{self.topic_alerts_prefix}{category.replace('_', '-')}"

    def with_(self, **overrides: Any) -> "Settings":
        """A copy with the non-None overrides applied and validated."""
        data = self.model_dump()
        data.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return Settings.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(_first_error(exc)) from None


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"invalid setting {where}: {err['msg']}"


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(f"STREAM_* environment: {_first_error(exc)}") from None
