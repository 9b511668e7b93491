import json

import pytest

from stream.ingest.splitter import Article, article_events
from stream.models import ParagraphEvent
from stream.worker.decode import DecodeError, decode

VALID = article_events(Article(article_id="a", title=None, paragraphs=["Some text."]))[0].to_bytes()


def reason(raw, **kw) -> str:
    with pytest.raises(DecodeError) as info:
        decode(ParagraphEvent, raw, max_bytes=kw.get("max_bytes", 10_000), max_text_chars=kw.get("max_text_chars"))
    return info.value.reason


def test_valid_event_decodes():
    event = decode(ParagraphEvent, VALID, max_bytes=10_000)
    assert event.text == "Some text."


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", "empty"),
        (None, "empty"),
        (b"\xff\xfe garbage", "invalid_utf8"),
        (b"{not json", "invalid_json"),
        (b'{"event_id": "x"}', "schema"),
        (b"[1, 2, 3]", "schema"),
    ],
)
def test_bad_records_get_a_bounded_reason(raw, expected):
    assert reason(raw) == expected


def test_limits():
    assert reason(VALID, max_bytes=10) == "too_large"
    assert reason(VALID, max_text_chars=3) == "too_long"


def test_unknown_fields_and_wrong_schema_version_are_refused():
    data = json.loads(VALID)
    assert reason(json.dumps({**data, "extra": 1}).encode()) == "schema"
    assert reason(json.dumps({**data, "schema_version": 2}).encode()) == "schema"


def test_strict_types_no_coercion():
    data = json.loads(VALID)
    assert reason(json.dumps({**data, "paragraph_index": "0"}).encode()) == "schema"


def test_a_str_value_is_refused_as_not_bytes():
    assert reason('{"a": 1}') == "not_bytes"
