from datetime import datetime, timedelta, timezone

import pytest

from stream.alertfilter import AlertFilter, FilterError, parse_category, parse_severity, parse_since
from stream.alerting.policy import decide
from stream.alerting.stories import Thresholds
from stream.models import Actor
from tests.unit.alerting.storyfixtures import T0, mention

NOW = datetime(2026, 1, 2, 12, 0, tzinfo=timezone.utc)
ALERT = decide(None, mention(), Thresholds(), T0).alert  # medium, KP -> RU, raised at T0


@pytest.mark.parametrize(("value", "expected"), [
    ("90s", NOW - timedelta(seconds=90)), ("15m", NOW - timedelta(minutes=15)), ("2h", NOW - timedelta(hours=2)),
    ("1d", NOW - timedelta(days=1)), ("1.5H", NOW - timedelta(hours=1.5)), ("1w", NOW - timedelta(weeks=1)),
    ("2024-06-03T09:00:00Z", datetime(2024, 6, 3, 9, tzinfo=timezone.utc)),
    ("2024-06-03T09:00:00+02:00", datetime(2024, 6, 3, 7, tzinfo=timezone.utc)),
    ("2024-06-03", datetime(2024, 6, 3, tzinfo=timezone.utc)),
])
def test_since_takes_a_duration_or_a_timestamp(value, expected):
    assert parse_since(value, NOW) == expected


@pytest.mark.parametrize("value", ["yesterday", "2x", "-5m", ""])
def test_a_meaningless_since_is_a_filter_error(value):
    with pytest.raises(FilterError, match="duration"):
        parse_since(value, NOW)


def test_categories_and_severities_are_checked_and_normalised():
    assert parse_category("Arms-Trade") == "arms_trade" and parse_severity(" HIGH ") == "high"
    assert parse_category("Dual-Use") == "dual_use", "any category a rules file may add"
    with pytest.raises(FilterError, match="not a category name"):
        parse_category("weather & more")
    with pytest.raises(FilterError, match="low, medium, high, critical"):
        parse_severity("urgent")


def test_an_empty_filter_matches_everything():
    assert AlertFilter().matches(ALERT)


def test_minimum_severity_compares_by_rank_not_by_name():
    assert AlertFilter(min_severity="low").matches(ALERT) and AlertFilter(min_severity="medium").matches(ALERT)
    assert not AlertFilter(min_severity="high").matches(ALERT)


def test_actor_matches_a_code_or_a_name_in_any_case():
    assert AlertFilter(actor="ru").matches(ALERT) and AlertFilter(actor="North Korea").matches(ALERT)
    assert not AlertFilter(actor="IR").matches(ALERT)
    named = ALERT.model_copy(update={"actors": [Actor(name="Wagner Group", kind="organisation")]})
    assert AlertFilter(actor="wagner group").matches(named)


def test_category_and_since():
    assert AlertFilter(category="arms_trade", since=T0 - timedelta(minutes=1)).matches(ALERT)
    assert not AlertFilter(category="sanctions").matches(ALERT)
    assert not AlertFilter(since=T0 + timedelta(seconds=1)).matches(ALERT)
