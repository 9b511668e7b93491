from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from stream.models import Alert, Evidence, ParagraphEvent, Tag, stable_id


def test_stable_id_is_deterministic_and_sensitive_to_every_part():
    assert stable_id("a", 1, "t") == stable_id("a", 1, "t")
    assert len({stable_id("a", 1, "t"), stable_id("a", 2, "t"), stable_id("a", 1, "u"), stable_id("a1", "", "t")}) == 4


def test_alert_id_depends_on_story_window_and_severity_only():
    day, next_day = datetime(2024, 6, 3, tzinfo=timezone.utc), datetime(2024, 6, 4, tzinfo=timezone.utc)
    make = Alert.make_alert_id
    assert make("arms_trade:KP->RU", day, "high") == make("arms_trade:KP->RU", day, "high")
    assert len({make("arms_trade:KP->RU", day, "high"), make("arms_trade:KP->RU", day, "critical"),
                make("arms_trade:KP->RU", next_day, "high"), make("sanctions:KP->RU", day, "high")}) == 4


def test_a_version_1_alert_still_validates():
    v1 = {"schema_version": 1, "alert_id": "a", "category": "arms_trade", "severity": "high", "summary": "s",
          "stance": "asserted", "score": 0.9, "evidence": [{"start": 0, "end": 1, "text": "x", "rule_id": "r"}],
          "event_id": "e", "article_id": "art", "paragraph_index": 0, "rules_version": "v", "window_count": 1,
          "first_seen": "2024-06-03T00:00:00Z", "last_seen": "2024-06-03T00:00:00Z",
          "ingested_at": "2024-06-03T00:00:00Z", "raised_at": "2024-06-03T00:00:00Z"}
    alert = Alert.model_validate(v1)
    assert alert.schema_version == 1 and alert.story_key is None and alert.supersedes is None


def test_evidence_span_must_match_its_text_length():
    Evidence(start=2, end=5, text="abc", rule_id="r")
    with pytest.raises(ValidationError):
        Evidence(start=2, end=6, text="abc", rule_id="r")


def test_tag_needs_evidence_and_score_in_range():
    ev = Evidence(start=0, end=1, text="x", rule_id="r")
    with pytest.raises(ValidationError):
        Tag(category="arms_trade", score=0.5, evidence=[])
    with pytest.raises(ValidationError):
        Tag(category="arms_trade", score=1.5, evidence=[ev])
    with pytest.raises(ValidationError):
        Tag(category="Arms Trade!", score=0.5, evidence=[ev])
    assert Tag(category="dual_use", score=0.5, evidence=[ev]).category == "dual_use", "categories are data"


def test_paragraph_index_must_be_inside_count():
    with pytest.raises(ValidationError, match="paragraph_index"):
        ParagraphEvent(event_id="e", article_id="a", paragraph_index=3, paragraph_count=3, text="t")


def test_round_trip_json_keeps_contract_fields():
    event = ParagraphEvent(event_id="e", article_id="a", paragraph_index=0, paragraph_count=1, text="t")
    data = event.model_dump(mode="json")
    for key in ("schema_version", "event_id", "article_id", "paragraph_index", "text"):
        assert key in data
    assert ParagraphEvent.model_validate_json(event.to_bytes()) == event
