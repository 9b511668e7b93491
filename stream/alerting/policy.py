"""Pure alert policy: one alert per tag of a tagged paragraph.

This stateless first policy maps stance and score to severity. The stateful policy (windowed
tables, escalation, dedup) will wrap :func:`build_alerts` and fill ``window_count``.
"""

from __future__ import annotations

from stream.models import Actor, Alert, Severity, Stance, Tag, TaggedParagraph, utc_now

_WEAK_STANCES = {Stance.DENIED, Stance.NEGATED}
_SPECULATIVE_STANCES = {Stance.ALLEGED, Stance.FEARED, Stance.PLANNED, Stance.HYPOTHETICAL}
HIGH_SCORE = 0.7
SUMMARY_EVIDENCE_CHARS = 160

CATEGORY_LABELS = {"arms_trade": "Arms trade", "sanctions": "Sanctions"}


def severity_for(tag: Tag) -> Severity:
    if tag.stance in _WEAK_STANCES:
        return "low"
    if tag.stance in _SPECULATIVE_STANCES or tag.score < HIGH_SCORE:
        return "medium"
    return "high"


def actors_phrase(actors: list[Actor]) -> str:
    """'KP -> RU' when the text says who supplies whom, else the parties named (at most six)."""
    suppliers = [a.code or a.name for a in actors if a.role == "supplier"]
    recipients = [a.code or a.name for a in actors if a.role == "recipient"]
    if suppliers and recipients:
        return f"{'/'.join(dict.fromkeys(suppliers))} -> {'/'.join(dict.fromkeys(recipients))}"
    names = list(dict.fromkeys(a.code or a.name for a in actors))
    return ", ".join(names[:6])


def summarize(tag: Tag, paragraph: TaggedParagraph) -> str:
    label = CATEGORY_LABELS[tag.category]
    actors = actors_phrase(tag.actors)
    quote = "; ".join(dict.fromkeys(e.text for e in tag.evidence))
    if len(quote) > SUMMARY_EVIDENCE_CHARS:
        quote = quote[: SUMMARY_EVIDENCE_CHARS - 1] + "…"
    where = paragraph.title or paragraph.article_id
    parts = [f"{label} ({tag.stance.value})"]
    if actors:
        parts.append(f"[{actors}]")
    parts.append(f'"{quote}" in {where!r} ¶{paragraph.paragraph_index + 1}')
    return " ".join(parts)


def build_alerts(paragraph: TaggedParagraph) -> list[Alert]:
    """One alert per tag; ``alert_id`` depends only on the event and category."""
    now = utc_now()
    return [
        Alert(
            alert_id=Alert.make_alert_id(paragraph.event_id, tag.category),
            category=tag.category,
            severity=severity_for(tag),
            summary=summarize(tag, paragraph),
            stance=tag.stance,
            score=tag.score,
            actors=tag.actors,
            evidence=tag.evidence,
            event_id=paragraph.event_id,
            article_id=paragraph.article_id,
            paragraph_index=paragraph.paragraph_index,
            title=paragraph.title,
            source=paragraph.source,
            rules_version=paragraph.rules_version,
            first_seen=paragraph.tagged_at,
            last_seen=paragraph.tagged_at,
            ingested_at=paragraph.ingested_at,
            raised_at=now,
        )
        for tag in paragraph.tags
    ]
