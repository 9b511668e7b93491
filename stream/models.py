"""Wire schemas shared by every stage: JSON on Kafka, validated with pydantic v2.

Each record carries ``schema_version`` so consumers can refuse or migrate records they do not
understand. Identifiers are deterministic hashes, so a redelivered input never yields a new id.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from enum import Enum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = 1

# A category is data (a rules file names it), so the wire only checks its form; which categories
# exist is what the loaded rules say (``Tagger.categories``).
CATEGORY_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
Category = Annotated[str, Field(pattern=CATEGORY_PATTERN)]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _as_utc(value: datetime) -> datetime:
    """A time without a zone on the wire is taken as UTC, so times always compare."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


def stable_id(*parts: object, length: int = 24) -> str:
    """A short hex digest of the parts; the same parts always give the same id."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8"))
    return digest.hexdigest()[:length]


class WireModel(BaseModel):
    """Base for records on the wire: unknown fields are refused, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode("utf-8")


class Source(WireModel):
    name: str | None = None
    url: str | None = None


class ParagraphEvent(WireModel):
    """One paragraph of one article: the unit that flows through the pipeline."""

    schema_version: Literal[1] = SCHEMA_VERSION
    event_id: str = Field(min_length=1, max_length=128)
    article_id: str = Field(min_length=1, max_length=256)
    paragraph_index: int = Field(ge=0)
    paragraph_count: int = Field(ge=1)
    text: str = Field(min_length=1)
    title: str | None = None
    source: Source = Source()
    published_at: UtcDatetime | None = None
    ingested_at: UtcDatetime = Field(default_factory=utc_now)

    @model_validator(mode="after")
    def _index_within_count(self) -> "ParagraphEvent":
        if self.paragraph_index >= self.paragraph_count:
            raise ValueError("paragraph_index must be smaller than paragraph_count")
        return self

    @staticmethod
    def make_event_id(article_id: str, paragraph_index: int, text: str) -> str:
        return stable_id(article_id, paragraph_index, text)


class Stance(str, Enum):
    """How the text presents the tagged activity."""

    ASSERTED = "asserted"
    ALLEGED = "alleged"
    FEARED = "feared"
    DENIED = "denied"
    NEGATED = "negated"
    PLANNED = "planned"
    HYPOTHETICAL = "hypothetical"


class Evidence(WireModel):
    """A span of the paragraph that justifies a tag: ``text == paragraph[start:end]``."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    rule_id: str

    @model_validator(mode="after")
    def _ordered(self) -> "Evidence":
        if self.end < self.start or self.end - self.start != len(self.text):
            raise ValueError("evidence span must satisfy end - start == len(text)")
        return self


ActorKind = Literal["country", "person", "organisation", "other"]
ActorRole = Literal["supplier", "recipient", "party"]


class Actor(WireModel):
    """A party named in the paragraph, normalised where possible (ISO 3166-1 alpha-2 code)."""

    name: str
    kind: ActorKind = "country"
    code: str | None = None
    role: ActorRole = "party"


def actors_phrase(actors: list[Actor]) -> str:
    """'KP -> RU' when the text says who supplies whom, else the parties named (at most six)."""
    suppliers = [a.code or a.name for a in actors if a.role == "supplier"]
    recipients = [a.code or a.name for a in actors if a.role == "recipient"]
    if suppliers and recipients:
        return f"{'/'.join(dict.fromkeys(suppliers))} -> {'/'.join(dict.fromkeys(recipients))}"
    names = list(dict.fromkeys(a.code or a.name for a in actors))
    return ", ".join(names[:6])


class Tag(WireModel):
    category: Category
    score: float = Field(ge=0.0, le=1.0)
    stance: Stance = Stance.ASSERTED
    evidence: list[Evidence] = Field(min_length=1)
    actors: list[Actor] = []
    rule_ids: list[str] = []


class Timings(WireModel):
    tag_seconds: float = Field(ge=0.0)


class TaggedParagraph(WireModel):
    schema_version: Literal[1] = SCHEMA_VERSION
    event_id: str
    article_id: str
    paragraph_index: int = Field(ge=0)
    paragraph_count: int = Field(ge=1)
    text: str
    title: str | None = None
    source: Source = Source()
    published_at: UtcDatetime | None = None
    ingested_at: UtcDatetime
    tagged_at: UtcDatetime = Field(default_factory=utc_now)
    tags: list[Tag] = []
    rules_version: str
    timings: Timings


Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high", "critical")  # in rising order


def severity_rank(severity: str) -> int:
    """0 for low ... 3 for critical; the one place severities are ordered."""
    return SEVERITIES.index(severity)  # type: ignore[arg-type]


class StoryMention(WireModel):
    """One tag of one tagged paragraph, keyed by its story: the alerting stage's input.

    ``event_time`` is the paragraph's ``published_at`` (its ``ingested_at`` when the article has
    no date): the time the story's windows are counted in.
    """

    schema_version: Literal[1] = SCHEMA_VERSION
    story_key: str = Field(min_length=1, max_length=512)
    event_time: UtcDatetime
    tag: Tag
    event_id: str
    article_id: str
    paragraph_index: int = Field(ge=0)
    text: str
    title: str | None = None
    source: Source = Source()
    url: str | None = None
    rules_version: str
    ingested_at: UtcDatetime
    tagged_at: UtcDatetime


EscalationReason = Literal["corroborated", "surge", "stance_hardened"]


class Alert(WireModel):
    """One alert about a story. An escalation is a new alert that ``supersedes`` the previous one.

    Version 2 added the story fields; version-1 records (one alert per tag) still validate.
    """

    schema_version: Literal[1, 2] = 2
    alert_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")
    category: Category
    severity: Severity
    summary: str
    stance: Stance
    score: float = Field(ge=0.0, le=1.0)
    actors: list[Actor] = []
    evidence: list[Evidence] = Field(min_length=1)
    event_id: str
    article_id: str
    paragraph_index: int = Field(ge=0)
    title: str | None = None
    source: Source = Source()
    rules_version: str
    window_count: int = Field(default=1, ge=1, description="mentions of the story in the window")
    first_seen: UtcDatetime
    last_seen: UtcDatetime
    ingested_at: UtcDatetime
    raised_at: UtcDatetime = Field(default_factory=utc_now)
    # Story fields (schema 2)
    story_key: str | None = None
    text: str | None = Field(default=None, description="the paragraph the evidence spans index into")
    supersedes: str | None = Field(default=None, description="alert_id of the story alert this one escalates")
    escalation: EscalationReason | None = None
    articles: int = Field(default=1, ge=1, description="distinct articles about the story in the window")
    sources: int = Field(default=1, ge=0, description="distinct sources (outlets) in the window")
    article_ids: list[str] = []
    window_start: UtcDatetime | None = None
    window_end: UtcDatetime | None = None

    @staticmethod
    def make_alert_id(story_key: str, window_start: datetime, severity: str) -> str:
        """One id per story, window and severity: a replay can only ever repeat an id."""
        return stable_id("alert", story_key, window_start.isoformat(), severity)


class DeadLetter(WireModel):
    schema_version: Literal[1] = SCHEMA_VERSION
    reason: str = Field(description="a short, bounded code, e.g. 'invalid_json', 'schema'")
    error: str = Field(description="human-readable detail of what was wrong")
    payload_b64: str = Field(description="the original value, base64; a prefix when payload_truncated")
    payload_size: int = Field(ge=0, description="size of the original value in bytes")
    payload_sha256: str = Field(description="digest of the whole original value")
    payload_truncated: bool = False
    key_b64: str | None = None
    topic: str
    partition: int
    offset: int
    failed_at: UtcDatetime = Field(default_factory=utc_now)
