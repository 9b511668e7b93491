"""Server-sent event framing: what an EventSource parses back is exactly what was sent."""

from __future__ import annotations

import pytest

from stream.live import sse
from stream.live.endpoint import frame
from tests.support.live import alert


def parse_stream(raw: bytes) -> tuple[list[dict[str, str]], list[str]]:
    """A minimal parser following the HTML standard's event-stream rules: (events, comments)."""
    events: list[dict[str, str]] = []
    comments: list[str] = []
    current: dict[str, list[str]] = {}
    for line in raw.decode("utf-8").split("\n"):
        if line == "":
            if current:
                events.append({k: "\n".join(v) for k, v in current.items()})
                current = {}
            continue
        if line.startswith(":"):
            comments.append(line[1:].strip())
            continue
        name, _, value = line.partition(":")
        current.setdefault(name, []).append(value[1:] if value.startswith(" ") else value)
    assert not current, "the stream must end on a blank line"
    return events, comments


def test_an_alert_frame_is_its_id_and_one_line_of_json() -> None:
    item = alert(text='She said "arms" & <b>left</b>.\nNext line', phrases=("arms",))
    raw = frame(item)
    events, _ = parse_stream(raw)
    assert events == [{"id": item.alert_id, "data": item.model_dump_json()}]
    assert raw.count(b"data:") == 1  # model_dump_json escapes newlines: one data line
    assert raw.endswith(b"\n\n")


def test_multi_line_data_becomes_several_data_fields() -> None:
    events, _ = parse_stream(sse.event("7", "one\ntwo\r\nthree"))
    assert events == [{"id": "7", "data": "one\ntwo\nthree"}]


def test_keepalive_is_a_comment_and_retry_a_field() -> None:
    events, comments = parse_stream(sse.KEEPALIVE + sse.retry(2500))
    assert comments == ["keepalive"]
    assert events == [{"retry": "2500"}]


@pytest.mark.parametrize("bad", ["a\nb", "a\rb"])
def test_ids_and_comments_cannot_break_the_framing(bad: str) -> None:
    with pytest.raises(ValueError):
        sse.event(bad, "{}")
    with pytest.raises(ValueError):
        sse.comment(bad)
    with pytest.raises(ValueError):
        sse.event("a\0b", "{}")


def test_headers_stop_caching_and_buffering() -> None:
    assert sse.HEADERS["Content-Type"].startswith("text/event-stream")
    assert "no-cache" in sse.HEADERS["Cache-Control"]
