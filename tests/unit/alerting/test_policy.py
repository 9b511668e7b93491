from datetime import timedelta

from stream.alerting.policy import decide
from stream.alerting.stories import Thresholds
from stream.models import Stance, StoryMention
from tests.unit.alerting.storyfixtures import T0, TEXT, mention

TH = Thresholds()
NOW = T0 + timedelta(hours=1)


def run(mentions: list[StoryMention], th: Thresholds = TH):
    """Feed mentions through decide() as the agent does; the decisions in order."""
    state, decisions = None, []
    for m in mentions:
        decision = decide(state, m, th, NOW)
        state = decision.state if decision.changed else state
        decisions.append(decision)
    return decisions


def test_the_first_mention_raises_an_alert_with_provenance_and_a_readable_summary():
    [d] = run([mention("a1", 2)])
    alert = d.alert
    assert alert is not None and d.suppressed is None
    assert (alert.category, alert.severity, alert.story_key) == ("arms_trade", "medium", "arms_trade:KP->RU")
    assert (alert.article_id, alert.paragraph_index, alert.event_id, alert.text) == ("a1", 2, "a1-2", TEXT)
    assert TEXT[alert.evidence[0].start:alert.evidence[0].end] == alert.evidence[0].text
    assert alert.supersedes is None and alert.escalation is None
    assert (alert.articles, alert.sources, alert.window_count, alert.article_ids) == (1, 1, 1, ["a1"])
    assert alert.window_end - alert.window_start == timedelta(days=1)
    assert "KP -> RU" in alert.summary and "¶3" in alert.summary and "1 article, 1 source" in alert.summary


def test_further_mentions_in_the_window_are_suppressed_until_the_story_escalates():
    decisions = run([mention("a1", 0, "A"), mention("a1", 1, "A"), mention("a2", 0, "A"), mention("a3", 0, "B")])
    assert [d.suppressed for d in decisions] == [None, "in_window", "in_window", None]
    first, escalation = decisions[0].alert, decisions[3].alert
    assert escalation.severity == "high" and escalation.escalation == "corroborated"
    assert escalation.supersedes == first.alert_id and escalation.alert_id != first.alert_id
    assert (escalation.articles, escalation.sources, escalation.window_count) == (3, 2, 4)
    assert escalation.article_ids == ["a1", "a2", "a3"] and "Escalated (corroborated)" in escalation.summary


def test_six_articles_from_six_sources_escalate_twice_and_raise_fewer_alerts_than_mentions():
    decisions = run([mention(f"a{i}", 0, f"outlet {i}") for i in range(6)])
    alerts = [d.alert for d in decisions if d.alert]
    assert [a.severity for a in alerts] == ["medium", "high", "critical"]
    assert [a.escalation for a in alerts] == [None, "corroborated", "surge"]
    assert alerts[2].supersedes == alerts[1].alert_id and alerts[1].supersedes == alerts[0].alert_id


def test_a_hardening_stance_escalates():
    decisions = run([mention("a1", 0, stance=Stance.FEARED), mention("a2", 0, stance=Stance.ALLEGED),
                     mention("a2", 1, stance=Stance.ASSERTED)])
    assert [d.alert.severity if d.alert else d.suppressed for d in decisions] == ["low", "in_window", "medium"]
    assert decisions[2].alert.escalation == "stance_hardened" and decisions[2].alert.stance is Stance.ASSERTED


def test_a_paragraph_seen_again_is_a_duplicate_and_changes_nothing():
    first = decide(None, mention("a1"), TH, NOW)
    again = decide(first.state, mention("a1"), TH, NOW + timedelta(minutes=5))
    assert (again.alert, again.suppressed, again.changed) == (None, "duplicate", False)
    assert again.state is first.state and first.state.windows[0].mentions == 1


def test_decide_never_mutates_the_state_it_is_given():
    first = decide(None, mention("a1"), TH, NOW)
    snapshot = first.state.model_dump()
    decide(first.state, mention("a2", source="B"), TH, NOW)
    assert first.state.model_dump() == snapshot


def test_a_new_window_raises_a_new_alert_not_an_escalation():
    first, later = run([mention("a1"), mention("a2", hours=30)])
    assert later.alert is not None and later.alert.supersedes is None
    assert later.alert.window_start == first.alert.window_start + timedelta(days=1)


def test_alert_ids_are_deterministic_so_a_replay_can_only_repeat_them():
    sequence = [mention(f"a{i}", 0, f"outlet {i}") for i in range(6)]
    assert [d.alert.alert_id for d in run(sequence) if d.alert] == [d.alert.alert_id for d in run(sequence) if d.alert]


def test_windows_beyond_retention_are_dropped_from_the_state():
    th = Thresholds(window_seconds=3600, retention_seconds=7200)
    decisions = run([mention(f"a{h}", hours=h) for h in range(6)], th)
    assert len(decisions[-1].state.windows) == 3
    assert all(d.alert is not None for d in decisions), "each new window raises"


def test_thresholds_are_settings():
    strict = Thresholds(escalate_min_articles=4)
    decisions = run([mention(f"a{i}", 0, f"outlet {i}") for i in range(4)], strict)
    assert [d.suppressed for d in decisions] == [None, "in_window", "in_window", None]


def test_the_partition_and_touch_time_are_recorded_for_expiry():
    d = decide(None, mention(), TH, NOW, partition=3)
    assert (d.state.partition, d.state.touched_at) == (3, NOW)


def test_a_mention_older_than_every_window_kept_is_late_and_raises_nothing():
    decisions = run([mention("a1", hours=0), mention("a2", hours=24), mention("a3", hours=48)])
    state = decisions[-1].state
    late = decide(state, mention("old", hours=-24 * 30), TH, NOW)
    assert (late.alert, late.suppressed, late.changed) == (None, "late", False)
    again = decide(state, mention("old", hours=-24 * 30), TH, NOW)
    assert again.alert is None, "a redelivered late paragraph raises nothing either"


def test_times_without_a_zone_are_read_as_utc():
    naive = mention().model_copy(update={"event_time": T0.replace(tzinfo=None)})
    parsed = type(naive).model_validate_json(naive.model_dump_json())
    assert parsed.event_time == T0


def test_a_state_is_copied_unless_the_caller_hands_it_over():
    state = decide(None, mention("a1", 0, "A"), TH, NOW).state
    before = state.model_dump_json()
    kept = decide(state, mention("a2", 0, "B"), TH, NOW)
    assert state.model_dump_json() == before and kept.state is not state, "the caller's state is left alone"
    owned = decide(state, mention("a2", 0, "B"), TH, NOW, owned=True)
    assert owned.state is state and owned.state.model_dump_json() == kept.state.model_dump_json()
