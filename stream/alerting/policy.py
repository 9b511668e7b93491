"""The stateful alert policy, pure: a story's state and one mention in, a decision out.

:func:`decide` never mutates its input; the caller publishes the decision's alert first and
stores the new state after, so a crash in between repeats an alert id rather than losing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from stream.alerting.stories import (
    MAX_ARTICLE_IDS, StoryState, Thresholds, WindowState, count, severity_of, tier, window_start,
)
from stream.evidence import readable_evidence
from stream.models import Alert, EscalationReason, StoryMention, actors_phrase, severity_rank

SUMMARY_EVIDENCE_CHARS = 240  # the evidence sentence in a summary


@dataclass(frozen=True)
class Decision:
    state: StoryState
    changed: bool  # False: nothing to store (a duplicate)
    alert: Alert | None = None
    suppressed: str | None = None  # 'duplicate', 'in_window' or 'late' when no alert is raised


def category_label(category: str) -> str:
    """``arms_trade`` -> ``Arms trade``: any category reads well without a code change."""
    return category.replace("_", " ").capitalize()




def summarize(window: WindowState, category: str, escalation: EscalationReason | None) -> str:
    best = window.best
    assert best is not None
    parts = [f"{category_label(category)} ({window.stance.value})"]
    if escalation:
        parts.insert(0, f"Escalated ({escalation.replace('_', ' ')}):")
    actors = actors_phrase(window.actors)
    if actors:
        parts.append(f"[{actors}]")
    articles, sources = len(window.article_ids), len(window.sources)
    parts.append(f"{articles} article{'s' * (articles != 1)}, {sources} source{'s' * (sources != 1)}:")
    where = best.title or best.article_id
    parts.append(f"{readable_evidence(best.text, best.tag.evidence, SUMMARY_EVIDENCE_CHARS)} "
                 f"— {where!r} ¶{best.paragraph_index + 1}")
    return " ".join(parts)


def build_alert(
    state: StoryState, window: WindowState, trigger: StoryMention, th: Thresholds,
    escalation: EscalationReason | None, now: datetime,
) -> Alert:
    """The story's alert for ``window``: counts, article ids and its strongest evidence."""
    best = window.best
    assert best is not None and window.first_seen is not None and window.last_seen is not None
    severity = severity_of(window, th)
    return Alert(
        alert_id=Alert.make_alert_id(state.story_key, window.start, severity),
        category=best.tag.category,
        severity=severity,
        summary=summarize(window, best.tag.category, escalation),
        stance=window.stance,
        score=best.tag.score,
        actors=window.actors,
        evidence=best.tag.evidence,
        event_id=best.event_id,
        article_id=best.article_id,
        paragraph_index=best.paragraph_index,
        title=best.title,
        source=best.source,
        text=best.text,
        rules_version=trigger.rules_version,
        window_count=window.mentions,
        first_seen=window.first_seen,
        last_seen=window.last_seen,
        ingested_at=trigger.ingested_at,  # the paragraph that raised it: end-to-end latency
        raised_at=now,
        story_key=state.story_key,
        supersedes=window.alert_id if escalation else None,
        escalation=escalation,
        articles=len(window.article_ids),
        sources=len(window.sources),
        article_ids=window.article_ids[:MAX_ARTICLE_IDS],
        window_start=window.start,
        window_end=window.start + timedelta(seconds=th.window_seconds),
    )


def _window_for(state: StoryState, start: datetime, th: Thresholds) -> WindowState | None:
    """The state's window starting at ``start``, created if new; windows beyond retention go.
    None for a window older than every one the story keeps: a late mention, not counted."""
    for window in state.windows:
        if window.start == start:
            return window
    keep = max(1, th.retention_seconds // th.window_seconds + 1)
    if len(state.windows) >= keep and start < state.windows[0].start:
        return None
    window = WindowState(start=start)
    state.windows.append(window)
    state.windows.sort(key=lambda w: w.start)
    del state.windows[:-keep]  # the oldest go first
    return window


def _escalation(window: WindowState, th: Thresholds) -> EscalationReason:
    now_tier = tier(window, th)
    if now_tier > window.alert_tier:
        return "surge" if now_tier == 2 else "corroborated"
    return "stance_hardened"


def decide(state: StoryState | None, mention: StoryMention, th: Thresholds, now: datetime,
           partition: int | None = None, *, owned: bool = False) -> Decision:
    """What one mention does to its story: raise, escalate, or suppress (and why).

    ``state`` is left as it was unless ``owned`` (the caller's own copy, e.g. just read from
    the store: then it is updated in place rather than deep-copied first, a cost per mention).
    """
    start = window_start(mention.event_time, th.window_seconds)
    if state is not None:
        for window in state.windows:
            if window.start == start and mention.event_id in window.event_ids:
                return Decision(state=state, changed=False, suppressed="duplicate")
        if not owned:
            state = state.model_copy(deep=True)
    else:
        state = StoryState(story_key=mention.story_key, touched_at=now)
    state.touched_at = now
    if partition is not None:
        state.partition = partition
    window = _window_for(state, start, th)
    if window is None:  # it could only raise the same alert again and again: say so instead
        return Decision(state=state, changed=False, suppressed="late")
    count(window, mention)
    severity = severity_of(window, th)
    if window.severity is not None and severity_rank(severity) <= severity_rank(window.severity):
        return Decision(state=state, changed=True, suppressed="in_window")
    escalation = None if window.severity is None else _escalation(window, th)
    alert = build_alert(state, window, mention, th, escalation, now)
    window.alert_id, window.severity, window.alert_tier = alert.alert_id, alert.severity, tier(window, th)
    return Decision(state=state, changed=True, alert=alert)
