import pytest

from stream.config import Settings, load_settings
from stream.errors import ConfigError


def test_defaults_match_the_documented_contract(monkeypatch):
    for key in list(__import__("os").environ):
        if key.startswith("STREAM_"):
            monkeypatch.delenv(key)
    s = load_settings()
    assert s.bootstrap_servers == "127.0.0.1:9092"
    assert (s.web_host, s.web_port) == ("127.0.0.1", 6066)
    assert (s.topic_paragraphs, s.topic_tagged, s.topic_dlq, s.topic_alerts) == (
        "paragraphs", "paragraphs-tagged", "paragraphs-dlq", "alerts")
    assert s.alert_topic_for("arms_trade") == "alerts-arms-trade"
    assert s.alert_topic_for("sanctions") == "alerts-sanctions"


def test_environment_overrides(monkeypatch):
    monkeypatch.setenv("STREAM_WEB_PORT", "7000")
    monkeypatch.setenv("STREAM_TOPIC_ALERTS", "my-alerts")
    s = load_settings()
    assert s.web_port == 7000 and s.topic_alerts == "my-alerts"


def test_bad_environment_is_a_one_line_config_error(monkeypatch):
    monkeypatch.setenv("STREAM_WEB_PORT", "not-a-port")
    with pytest.raises(ConfigError, match="web_port"):
        load_settings()


def test_with_validates_overrides_and_ignores_none():
    s = Settings()
    assert s.with_(bootstrap_servers=None) == s
    assert s.with_(bootstrap_servers="h:1,k:2").bootstrap_servers == "h:1,k:2"
    with pytest.raises(ConfigError, match="HOST:PORT"):
        s.with_(bootstrap_servers="nohost")


def test_the_heartbeat_must_fit_three_times_in_the_session_timeout():
    assert Settings().consumer_session_timeout_seconds == 10.0
    with pytest.raises(ConfigError, match="a third of consumer_session_timeout_seconds"):
        Settings().with_(consumer_session_timeout_seconds=6.0, consumer_heartbeat_seconds=3.0)
