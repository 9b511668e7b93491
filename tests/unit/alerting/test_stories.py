from datetime import datetime, timedelta, timezone

from stream.alerting.stories import (
    StoryState, Thresholds, WindowState, count, mentions_of, severity_of, source_of, story_key, window_start,
)
from stream.config import Settings
from stream.models import Actor, Stance
from tests.unit.alerting.storyfixtures import T0, mention, tag, tagged


def test_the_story_key_is_supplier_to_recipient_when_roles_are_known():
    assert story_key(tag(), "art") == "arms_trade:KP->RU"


def test_without_roles_the_key_is_the_sorted_parties_and_names_fold_case():
    actors = [Actor(name="Russia", code="RU"), Actor(name="Iran", code="IR"), Actor(name="Wagner Group", kind="organisation")]
    assert story_key(tag("sanctions", actors=actors), "art") == "sanctions:IR+RU+wagner group"


def test_a_tag_naming_nobody_keys_on_its_article():
    assert story_key(tag(actors=[]), "art-7") == "arms_trade:article:art-7"


def test_one_mention_per_tag_timed_by_publication_else_ingestion():
    published = datetime(2024, 5, 1, tzinfo=timezone.utc)
    [a, s] = mentions_of(tagged(tag(), tag("sanctions"), published_at=published))
    assert (a.story_key, s.story_key) == ("arms_trade:KP->RU", "sanctions:KP->RU")
    assert a.event_time == published
    [undated] = mentions_of(tagged(tag()))
    assert undated.event_time == T0


def test_windows_are_tumbling_and_aligned_to_utc_days():
    assert window_start(T0, 86_400) == datetime(2024, 6, 3, tzinfo=timezone.utc)
    assert window_start(T0 + timedelta(hours=15), 86_400) == datetime(2024, 6, 4, tzinfo=timezone.utc)
    assert window_start(T0.replace(tzinfo=None), 3600) == datetime(2024, 6, 3, 9, tzinfo=timezone.utc)


def test_counts_keep_distinct_articles_and_sources_and_the_strongest_evidence():
    window = WindowState(start=T0)
    count(window, mention("a1", 0, "Outlet A", stance=Stance.FEARED))
    count(window, mention("a1", 1, "Outlet A", score=0.95))
    count(window, mention("a2", 0, None))
    assert (window.mentions, window.article_ids, window.sources) == (3, ["a1", "a2"], ["outlet a"])
    assert window.stance is Stance.ASSERTED and window.best.event_id == "a1-1"
    assert window.first_seen == T0 and window.event_ids == ["a1-0", "a1-1", "a2-0"]


def test_a_source_without_a_name_is_known_by_its_host():
    m = mention(source=None).model_copy(update={"source": mention().source.model_copy(update={"name": None})})
    assert source_of(m) == "news.example"


def test_severity_is_the_stance_level_plus_the_corroboration_tier():
    th = Thresholds()

    def severity(stance: Stance, articles: int, sources: int, score: float = 0.9) -> str:
        window = WindowState(start=T0)
        for i in range(articles):
            count(window, mention(f"a{i}", source=f"s{i % sources}", stance=stance, score=score))
        return severity_of(window, th)

    assert [severity(Stance.ASSERTED, *n) for n in ((1, 1), (3, 2), (6, 3))] == ["medium", "high", "critical"]
    assert [severity(Stance.FEARED, *n) for n in ((1, 1), (3, 2), (6, 3))] == ["low", "medium", "high"]
    assert [severity(Stance.DENIED, *n) for n in ((1, 1), (3, 2), (6, 3))] == ["low", "low", "medium"]
    assert severity(Stance.ASSERTED, 1, 1, score=0.4) == "low"
    assert severity(Stance.ASSERTED, 3, 1) == "medium", "three articles from one outlet do not corroborate"


def test_thresholds_come_from_the_settings():
    th = Thresholds.from_settings(Settings(story_window_seconds=3600, escalate_min_articles=4, surge_min_sources=5))
    assert (th.window_seconds, th.escalate_min_articles, th.surge_min_sources, th.retention_seconds) == (3600, 4, 5, 172_800)


def test_a_story_expires_after_retention_without_mentions():
    state = StoryState(story_key="k", touched_at=T0)
    assert not state.expired(T0 + timedelta(hours=47), 172_800)
    assert state.expired(T0 + timedelta(hours=49), 172_800)


def test_a_publication_date_far_in_the_future_is_not_trusted():
    [m] = mentions_of(tagged(tag(), published_at=datetime(9999, 12, 31, 23, 59, tzinfo=timezone.utc)))
    assert m.event_time == T0
    [naive] = mentions_of(tagged(tag(), published_at=datetime(2024, 5, 1)))
    assert naive.event_time == datetime(2024, 5, 1, tzinfo=timezone.utc)


def test_a_story_key_naming_hundreds_of_parties_stays_bounded_and_distinct():
    many = [Actor(name=f"Trading Company Number {i}", kind="organisation") for i in range(300)]
    fewer = many[:299]
    key, other = story_key(tag(actors=many), "art"), story_key(tag(actors=fewer), "art")
    assert len(key) <= 200 and len(other) <= 200 and key != other
    assert key.startswith("arms_trade:trading company number 0+")
