from datetime import datetime, timezone

from stream.alerting.policy import build_alerts, severity_for
from stream.models import Actor, Evidence, Stance, Tag, TaggedParagraph, Timings

TEXT = "Officials said North Korea shipped artillery shells to Russia, breaching UN sanctions."


def tag(category="arms_trade", stance=Stance.ASSERTED, score=0.9) -> Tag:
    start = TEXT.index("shipped artillery shells")
    return Tag(
        category=category, score=score, stance=stance,
        evidence=[Evidence(start=start, end=start + 24, text="shipped artillery shells", rule_id="r1")],
        actors=[Actor(name="North Korea", code="KP", role="supplier"), Actor(name="Russia", code="RU", role="recipient")],
        rule_ids=["r1"],
    )


def paragraph(*tags: Tag) -> TaggedParagraph:
    now = datetime(2024, 1, 1, tzinfo=timezone.utc)
    return TaggedParagraph(
        event_id="ev1", article_id="art", paragraph_index=2, paragraph_count=4, text=TEXT, title="Title",
        ingested_at=now, tagged_at=now, tags=list(tags), rules_version="v1", timings=Timings(tag_seconds=0.001),
    )


def test_one_alert_per_tag_with_provenance():
    alerts = build_alerts(paragraph(tag(), tag("sanctions")))
    assert [a.category for a in alerts] == ["arms_trade", "sanctions"]
    a = alerts[0]
    assert (a.article_id, a.paragraph_index, a.event_id, a.rules_version) == ("art", 2, "ev1", "v1")
    assert TEXT[a.evidence[0].start : a.evidence[0].end] == a.evidence[0].text
    assert "KP -> RU" in a.summary and "¶3" in a.summary


def test_alert_ids_are_stable_across_redelivery():
    assert [a.alert_id for a in build_alerts(paragraph(tag()))] == [a.alert_id for a in build_alerts(paragraph(tag()))]


def test_no_tags_no_alerts():
    assert build_alerts(paragraph()) == []


def test_severity_follows_stance_and_score():
    assert severity_for(tag()) == "high"
    assert severity_for(tag(score=0.4)) == "medium"
    assert severity_for(tag(stance=Stance.FEARED)) == "medium"
    assert severity_for(tag(stance=Stance.DENIED)) == "low"
    assert severity_for(tag(stance=Stance.NEGATED, score=1.0)) == "low"
