"""Query parameters and headers of /alerts/stream: filters, backlog, resume id."""

from __future__ import annotations

import pytest

from stream.live.filters import AlertFilter, RequestError, parse_request
from tests.support.live import alert


def parse(query: dict[str, str] | None = None, headers: dict[str, str] | None = None, limit: int = 100):
    return parse_request(query or {}, headers or {}, backlog_limit=limit)


def test_defaults_take_everything_and_the_full_backlog() -> None:
    wanted = parse()
    assert wanted.filter == AlertFilter(None, None)
    assert wanted.backlog == 100
    assert wanted.last_event_id is None


def test_category_and_min_severity_filter() -> None:
    wanted = parse({"category": "sanctions", "min_severity": "high"})
    keep = wanted.filter.matches
    assert keep(alert(category="sanctions", severity="high"))
    assert keep(alert(category="sanctions", severity="critical"))
    assert not keep(alert(category="sanctions", severity="medium"))
    assert not keep(alert(category="arms_trade", severity="critical"))


@pytest.mark.parametrize("severity,accepted", [
    ("low", {"low", "medium", "high", "critical"}),
    ("medium", {"medium", "high", "critical"}),
    ("critical", {"critical"}),
])
def test_min_severity_is_a_minimum(severity: str, accepted: set[str]) -> None:
    keep = parse({"min_severity": severity}).filter.matches
    assert {s for s in ("low", "medium", "high", "critical") if keep(alert(severity=s))} == accepted


def test_empty_values_mean_no_filter() -> None:
    assert parse({"category": "", "min_severity": "", "backlog": ""}) == parse()


@pytest.mark.parametrize("query,fragment", [
    ({"category": "weapons!"}, "category: not a category name: 'weapons!'"),
    ({"category": "x" * 41}, "category: not a category name"),
    ({"min_severity": "severe"}, "min_severity must be one of low, medium, high, critical, not 'severe'"),
    ({"backlog": "-1"}, "backlog must be a whole number from 0 to 100"),
    ({"backlog": "ten"}, "backlog must be a whole number"),
    ({"last_event_id": "x" * 300}, "last event id must be at most 256"),
])
def test_bad_values_give_one_line_messages(query: dict[str, str], fragment: str) -> None:
    with pytest.raises(RequestError) as caught:
        parse(query)
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message


def test_backlog_can_be_lowered_never_raised() -> None:
    assert parse({"backlog": "5"}).backlog == 5
    assert parse({"backlog": "0"}).backlog == 0
    assert parse({"backlog": "5000"}, limit=100).backlog == 100


def test_last_event_id_from_header_wins_over_query() -> None:
    assert parse({"last_event_id": "from-query"}).last_event_id == "from-query"
    assert parse({"last_event_id": "from-query"}, {"Last-Event-ID": "from-header"}).last_event_id == "from-header"
    assert parse({}, {"Last-Event-ID": "  "}).last_event_id is None


def test_control_characters_in_the_resume_id_are_refused() -> None:
    with pytest.raises(RequestError):
        parse({}, {"Last-Event-ID": "abc\x00def"})
