"""Pure article handling: split text into paragraphs and turn an article into events."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from stream.models import ParagraphEvent, Source

_BLANK_LINES = re.compile(r"\n[ \t\u00a0]*\n+")


@dataclass(frozen=True)
class Article:
    article_id: str
    title: str | None
    paragraphs: list[str]
    source: Source = field(default_factory=Source)
    published_at: datetime | None = None


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs are separated by blank lines; lines inside one are joined with a space."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = []
    for block in _BLANK_LINES.split(text):
        joined = " ".join(line.strip() for line in block.split("\n") if line.strip())
        if joined:
            paragraphs.append(joined)
    return paragraphs


def article_events(article: Article) -> list[ParagraphEvent]:
    """One ParagraphEvent per paragraph, with deterministic event ids."""
    count = len(article.paragraphs)
    return [
        ParagraphEvent(
            event_id=ParagraphEvent.make_event_id(article.article_id, index, text),
            article_id=article.article_id,
            paragraph_index=index,
            paragraph_count=count,
            text=text,
            title=article.title,
            source=article.source,
            published_at=article.published_at,
        )
        for index, text in enumerate(article.paragraphs)
    ]
