import pytest
from pydantic import ValidationError

from stream.models import Alert, Evidence, ParagraphEvent, Tag, stable_id


def test_stable_id_is_deterministic_and_sensitive_to_every_part():
    assert stable_id("a", 1, "t") == stable_id("a", 1, "t")
    assert len({stable_id("a", 1, "t"), stable_id("a", 2, "t"), stable_id("a", 1, "u"), stable_id("a1", "", "t")}) == 4


def test_alert_id_depends_on_event_and_category_only():
    assert Alert.make_alert_id("e1", "arms_trade") == Alert.make_alert_id("e1", "arms_trade")
    assert Alert.make_alert_id("e1", "arms_trade") != Alert.make_alert_id("e1", "sanctions")


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
        Tag(category="weather", score=0.5, evidence=[ev])


def test_paragraph_index_must_be_inside_count():
    with pytest.raises(ValidationError, match="paragraph_index"):
        ParagraphEvent(event_id="e", article_id="a", paragraph_index=3, paragraph_count=3, text="t")


def test_round_trip_json_keeps_contract_fields():
    event = ParagraphEvent(event_id="e", article_id="a", paragraph_index=0, paragraph_count=1, text="t")
    data = event.model_dump(mode="json")
    for key in ("schema_version", "event_id", "article_id", "paragraph_index", "text"):
        assert key in data
    assert ParagraphEvent.model_validate_json(event.to_bytes()) == event
