"""Builders of tags, mentions and story states for the alerting tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from stream.models import Actor, Evidence, Source, Stance, StoryMention, Tag, TaggedParagraph, Timings

T0 = datetime(2024, 6, 3, 9, 0, tzinfo=timezone.utc)
TEXT = "Officials said North Korea shipped artillery shells to Russia, breaching UN sanctions."
KP_RU = [Actor(name="North Korea", code="KP", role="supplier"), Actor(name="Russia", code="RU", role="recipient")]


def tag(category: str = "arms_trade", stance: Stance = Stance.ASSERTED, score: float = 0.9,
        actors: list[Actor] | None = None) -> Tag:
    start = TEXT.index("shipped artillery shells")
    return Tag(
        category=category, score=score, stance=stance,
        evidence=[Evidence(start=start, end=start + 24, text="shipped artillery shells", rule_id="r1")],
        actors=KP_RU if actors is None else actors, rule_ids=["r1"],
    )


def mention(article: str = "a1", paragraph: int = 0, source: str | None = "Outlet A", hours: float = 0.0,
            stance: Stance = Stance.ASSERTED, score: float = 0.9, key: str = "arms_trade:KP->RU") -> StoryMention:
    when = T0 + timedelta(hours=hours)
    return StoryMention(
        story_key=key, event_time=when, tag=tag(stance=stance, score=score), event_id=f"{article}-{paragraph}",
        article_id=article, paragraph_index=paragraph, text=TEXT, title=f"Title of {article}",
        source=Source(name=source, url=f"https://news.example/{article}" if source else None),
        rules_version="v1", ingested_at=when, tagged_at=when,
    )


def tagged(*tags: Tag, published_at: datetime | None = None) -> TaggedParagraph:
    return TaggedParagraph(
        event_id="ev1", article_id="art", paragraph_index=2, paragraph_count=4, text=TEXT, title="Title",
        published_at=published_at, ingested_at=T0, tagged_at=T0, tags=list(tags), rules_version="v1",
        timings=Timings(tag_seconds=0.001),
    )
