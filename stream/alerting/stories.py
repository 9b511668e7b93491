"""Stories and the alert lifecycle, as pure logic: no Kafka, no Faust.

A story is one category plus the parties involved (see :func:`story_key`). Its mentions are
counted in tumbling windows of event time (``published_at``, else ``ingested_at``). The first
mention in a window raises an alert; later ones raise nothing (suppressed ``in_window``) unless
the story's severity rises, which raises an escalation that ``supersedes`` the previous alert.
A paragraph seen again (replay, redelivery) changes nothing (suppressed ``duplicate``).

Severity = the stance's base level plus the corroboration tier, capped at critical:

=====================  ==========  ================  ==============
stance (hardest seen)  one source  corroborated      surge
=====================  ==========  ================  ==============
asserted, score >= .7  medium      high              critical
alleged, feared, ...   low         medium            high
denied, negated        low         low               medium
=====================  ==========  ================  ==============
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from pydantic import BaseModel, ConfigDict

from stream.models import (
    SEVERITIES, Actor, Severity, Stance, StoryMention, Tag, TaggedParagraph, stable_id,
)

# Per window, at most this many ids are kept: counts stay exact up to here, then saturate.
MAX_EVENT_IDS = 2000
MAX_ARTICLE_IDS = 200
MAX_SOURCES = 100
MAX_ACTORS = 24
MAX_KEY_CHARS = 200

STANCE_BASE = {  # a stance's contribution to severity (index into SEVERITIES before the tier)
    Stance.DENIED: -1, Stance.NEGATED: -1,
    Stance.HYPOTHETICAL: 0, Stance.PLANNED: 0, Stance.FEARED: 0, Stance.ALLEGED: 0,
    Stance.ASSERTED: 1,
}
STRONG_SCORE = 0.7  # an asserted tag below this score counts as speculative


@dataclass(frozen=True)
class Thresholds:
    window_seconds: int = 86_400
    retention_seconds: int = 172_800
    escalate_min_articles: int = 3
    escalate_min_sources: int = 2
    surge_min_articles: int = 6
    surge_min_sources: int = 3

    @classmethod
    def from_settings(cls, settings: object) -> "Thresholds":
        return cls(**{name: getattr(settings, f"story_{name}" if name.endswith("seconds") else name)
                      for name in cls.__dataclass_fields__})


# ----------------------------------------------------------------------------- keys and mentions

def _party(actor: Actor) -> str:
    return actor.code or actor.name.strip().lower()


def story_key(tag: Tag, article_id: str) -> str:
    """``category:SUPPLIERS->RECIPIENTS`` when roles are known, else ``category:A+B`` (sorted),
    else ``category:article:ID`` for a tag that names nobody. A key longer than
    ``MAX_KEY_CHARS`` keeps its start and a digest of the whole, so it stays one bounded key."""
    suppliers = sorted({_party(a) for a in tag.actors if a.role == "supplier"})
    recipients = sorted({_party(a) for a in tag.actors if a.role == "recipient"})
    parties = sorted({_party(a) for a in tag.actors})
    if suppliers and recipients:
        key = f"{tag.category}:{'+'.join(suppliers)}->{'+'.join(recipients)}"
    elif parties:
        key = f"{tag.category}:{'+'.join(parties)}"
    else:
        key = f"{tag.category}:article:{article_id}"
    if len(key) > MAX_KEY_CHARS:
        key = f"{key[:MAX_KEY_CHARS - 26]}…#{stable_id(key)}"
    return key


MAX_FUTURE = timedelta(days=1)  # a publication date further ahead than this is bad data


def event_time(paragraph: TaggedParagraph) -> datetime:
    """When the paragraph was published; its ingestion time when it has no date or a date more
    than a day after ingestion (a bad feed's year 9999 must not make a window that never ends)."""
    published = paragraph.published_at
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=timezone.utc)
    if published is None or published > paragraph.ingested_at + MAX_FUTURE:
        return paragraph.ingested_at
    return published


def mentions_of(paragraph: TaggedParagraph) -> list[StoryMention]:
    """One mention per tag, keyed by its story, timed by publication (else ingestion)."""
    return [
        StoryMention(
            story_key=story_key(tag, paragraph.article_id),
            event_time=event_time(paragraph),
            tag=tag,
            event_id=paragraph.event_id,
            article_id=paragraph.article_id,
            paragraph_index=paragraph.paragraph_index,
            text=paragraph.text,
            title=paragraph.title,
            source=paragraph.source,
            rules_version=paragraph.rules_version,
            ingested_at=paragraph.ingested_at,
            tagged_at=paragraph.tagged_at,
        )
        for tag in paragraph.tags
    ]


# ----------------------------------------------------------------------------- state

class _State(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WindowState(_State):
    """What one tumbling window of one story has seen, and the alert it last raised."""

    start: datetime
    mentions: int = 0
    event_ids: list[str] = []
    article_ids: list[str] = []
    sources: list[str] = []
    stance: Stance = Stance.NEGATED
    best: StoryMention | None = None  # the strongest mention: its evidence speaks for the story
    actors: list[Actor] = []
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    alert_id: str | None = None
    severity: Severity | None = None
    alert_tier: int = 0  # the corroboration tier when the last alert was raised


class StoryState(_State):
    story_key: str
    partition: int | None = None  # of the mention topic (and the table's changelog)
    touched_at: datetime  # wall clock of the last mention: expiry counts from here
    windows: list[WindowState] = []

    def expired(self, now: datetime, retention_seconds: int) -> bool:
        return now - self.touched_at > timedelta(seconds=retention_seconds)


def stance_strength(stance: Stance) -> int:
    return STANCE_BASE[stance]


def window_start(when: datetime, seconds: int) -> datetime:
    """Start of the tumbling window (aligned to the Unix epoch, UTC) that ``when`` falls in."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    epoch = int(when.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=timezone.utc)


def _bounded_add(items: list[str], item: str | None, limit: int) -> None:
    if item and item not in items and len(items) < limit:
        items.append(item)


def source_of(mention: StoryMention) -> str | None:
    """An outlet's identity: its name, else its URL's host, else unknown (not counted)."""
    if mention.source.name:
        return mention.source.name.strip().lower()
    if mention.source.url:
        return mention.source.url.split("//", 1)[-1].split("/", 1)[0].lower()
    return None


def tier(window: WindowState, th: Thresholds) -> int:
    articles, sources = len(window.article_ids), len(window.sources)
    if articles >= th.surge_min_articles and sources >= th.surge_min_sources:
        return 2
    if articles >= th.escalate_min_articles and sources >= th.escalate_min_sources:
        return 1
    return 0


def base_level(window: WindowState) -> int:
    best_score = window.best.tag.score if window.best else 0.0
    base = stance_strength(window.stance)
    if window.stance is Stance.ASSERTED and best_score < STRONG_SCORE:
        base = 0
    return base


def severity_of(window: WindowState, th: Thresholds) -> Severity:
    index = min(max(base_level(window) + tier(window, th), 0), len(SEVERITIES) - 1)
    return SEVERITIES[index]


def _stronger(a: StoryMention, b: StoryMention | None) -> bool:
    if b is None:
        return True
    return (stance_strength(a.tag.stance), a.tag.score) > (stance_strength(b.tag.stance), b.tag.score)


def _merge_actors(window: WindowState, actors: list[Actor]) -> None:
    known = {(_party(a), a.role) for a in window.actors}
    for actor in actors:
        if (_party(actor), actor.role) not in known and len(window.actors) < MAX_ACTORS:
            window.actors.append(actor)
            known.add((_party(actor), actor.role))


def count(window: WindowState, mention: StoryMention) -> None:
    """Add a (not yet seen) mention to the window's counts."""
    window.mentions += 1
    window.event_ids.append(mention.event_id)
    if len(window.event_ids) > MAX_EVENT_IDS:
        del window.event_ids[0]
    _bounded_add(window.article_ids, mention.article_id, MAX_ARTICLE_IDS)
    _bounded_add(window.sources, source_of(mention), MAX_SOURCES)
    if window.mentions == 1 or stance_strength(mention.tag.stance) > stance_strength(window.stance):
        window.stance = mention.tag.stance
    if _stronger(mention, window.best):
        window.best = mention
    _merge_actors(window, mention.tag.actors)
    when = mention.event_time
    window.first_seen = min(window.first_seen or when, when)
    window.last_seen = max(window.last_seen or when, when)
