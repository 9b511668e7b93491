"""What each sink sends for an alert: Alertmanager's API v2 entry, the webhook's signed JSON."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

from stream.models import Actor, Alert
from stream.sinks.alertmanager import (
    AlertmanagerSink, active_period, actors_label, alertmanager_alert, alerts_endpoint,
)
from stream.sinks.webhook import WebhookSink, signature, verify
from tests.support.sinks import sample_alert

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)


def test_actors_label_is_supplier_to_recipient_else_the_parties():
    kp, ru = Actor(name="North Korea", code="KP", role="supplier"), Actor(name="Russia", code="RU", role="recipient")
    by = Actor(name="Belarus", code="BY", role="supplier")
    assert actors_label([kp, ru]) == "KP->RU"
    assert actors_label([kp, by, ru, ru]) == "KP/BY->RU"
    assert actors_label([Actor(name="Iran", code="IR"), Actor(name="Russia", code="RU"), Actor(name="Iran", code="IR")]) \
        == "IR,RU"
    assert actors_label([Actor(name="Wagner Group", kind="organisation")]) == "Wagner Group"
    assert actors_label([kp]) == "KP"
    assert actors_label([Actor(name=f"P{i}") for i in range(9)]) == "P0,P1,P2,P3,P4,P5"
    assert actors_label([]) == ""


def test_alertmanager_entry_has_the_labels_and_annotations_of_the_spec():
    alert = sample_alert(1, severity="critical", supersedes="abc123", window_start=NOW - timedelta(hours=1))
    entry = alertmanager_alert(alert, NOW, DAY)
    assert entry["labels"] == {
        "alertname": "StreamContentAlert", "category": "arms_trade", "severity": "critical",
        "story": "arms_trade:KP->RU", "actors": "KP->RU",
    }
    assert entry["annotations"] == {
        "summary": alert.summary,
        "evidence": "Officials said North Korea «shipped artillery shells» to Russia, «in breach of UN sanctions».",
        "article": "https://news.example/kp-ru",
        "title": "Shells for Russia 1",
        "alert_id": alert.alert_id,
        "supersedes": "abc123",
    }
    assert entry["generatorURL"] == "https://news.example/kp-ru"
    assert entry["startsAt"] == (NOW - timedelta(hours=1)).isoformat()
    assert entry["endsAt"] == (NOW + timedelta(hours=23)).isoformat()


def test_optional_fields_are_left_out_and_the_article_id_stands_in_for_a_missing_url():
    alert = sample_alert(2, url=None).model_copy(update={"title": None, "actors": []})
    entry = alertmanager_alert(alert, NOW, DAY)
    assert "actors" not in entry["labels"]
    assert set(entry["annotations"]) == {"summary", "evidence", "article", "alert_id"}
    assert entry["annotations"]["article"] == "article-2"
    assert "generatorURL" not in entry
    ftp = sample_alert(3, url="ftp://files.example/x")
    assert "generatorURL" not in alertmanager_alert(ftp, NOW, DAY)


def test_a_window_that_already_ended_runs_from_raised_at_for_one_window_length():
    old = datetime(2019, 5, 4, tzinfo=timezone.utc)
    alert = sample_alert(4, window_start=old, window=timedelta(hours=6), raised_at=NOW - timedelta(minutes=5))
    starts, ends = active_period(alert, NOW, DAY)
    assert starts == old
    assert ends == NOW - timedelta(minutes=5) + timedelta(hours=6)
    assert ends > NOW  # not born resolved


def test_a_current_window_is_used_as_is():
    alert = sample_alert(5, window_start=NOW - timedelta(hours=2), window=timedelta(hours=6))
    assert active_period(alert, NOW, DAY) == (NOW - timedelta(hours=2), NOW + timedelta(hours=4))


def test_an_alert_without_a_window_runs_from_first_seen_for_the_default_window():
    alert = sample_alert(6).model_copy(update={"window_start": None, "window_end": None, "story_key": None,
                                               "first_seen": NOW - timedelta(hours=1), "raised_at": NOW})
    assert active_period(alert, NOW, DAY) == (NOW - timedelta(hours=1), NOW + DAY)
    assert alertmanager_alert(alert, NOW, DAY)["labels"]["story"] == alert.alert_id  # its own story


def test_a_window_dated_in_the_future_still_ends_after_it_starts():
    future = NOW + timedelta(days=30)
    alert = sample_alert(7, window_start=future, window=timedelta(hours=6), raised_at=NOW)
    starts, ends = active_period(alert, NOW, DAY)
    assert (starts, ends) == (future, future + timedelta(hours=6))


def test_naive_datetimes_are_taken_as_utc():
    alert = sample_alert(8).model_copy(update={
        "window_start": datetime(2025, 6, 1, 11), "window_end": datetime(2025, 6, 1, 13)})
    assert active_period(alert, NOW, DAY) == (NOW - timedelta(hours=1), NOW + timedelta(hours=1))


def test_alertmanager_request_posts_a_list_of_one_to_the_v2_endpoint():
    assert alerts_endpoint("http://am:9093") == "http://am:9093/api/v2/alerts"
    assert alerts_endpoint("http://am:9093/") == "http://am:9093/api/v2/alerts"
    assert alerts_endpoint("http://am:9093/api/v2/alerts") == "http://am:9093/api/v2/alerts"
    alert = sample_alert(9)
    request = AlertmanagerSink("http://am:9093", DAY, clock=lambda: NOW).request_for(alert)
    assert request.url == "http://am:9093/api/v2/alerts"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == [alertmanager_alert(alert, NOW, DAY)]


def test_webhook_body_is_the_alert_json_with_id_and_signature_headers():
    alert = sample_alert(10)
    request = WebhookSink("http://hooks.example/in", "s3cret").request_for(alert)
    assert request.url == "http://hooks.example/in"
    assert request.body == alert.model_dump_json().encode()
    assert Alert.model_validate_json(request.body) == alert
    expected = hmac.new(b"s3cret", request.body, hashlib.sha256).hexdigest()
    assert request.headers == {"Content-Type": "application/json", "X-Stream-Alert-Id": alert.alert_id,
                               "X-Stream-Signature": f"sha256={expected}"}


def test_webhook_without_a_secret_sends_no_signature():
    request = WebhookSink("http://hooks.example/in").request_for(sample_alert(11))
    assert "X-Stream-Signature" not in request.headers


def test_signature_verification_rejects_a_changed_body_or_secret():
    body = b'{"alert_id": "x"}'
    header = signature("key", body)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert verify("key", body, header) and verify(b"key", body, header)
    assert not verify("key", body + b" ", header)
    assert not verify("other", body, header)
    assert not verify("key", body, None)
