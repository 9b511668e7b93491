"""Scaling: tagging work grows linearly with hit-dense text; bisect lookups equal full scans.

No wall-clock thresholds: the work is counted as Python line events executed inside
``stream/tagging`` (deterministic for a given input), so a per-hit scan of all hits shows up
as a count that grows with the square of the text length.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import stream.tagging
from stream.tagging import Tagger
from stream.tagging.hitindex import HitIndex, Reach, outermost, tokens_between
from stream.tagging.matcher import Hit, gap
from stream.tagging.rules_schema import Context
from stream.tagging.tagger import MAX_EVIDENCE, _context_hit

PACKAGE_DIR = str(Path(stream.tagging.__file__).resolve().parent)
DENSE = {
    "sentences": "Russia supplied artillery shells and drones to North Korea despite UN sanctions. ",
    # No sentence break at all: per-sentence loops (roles, stance) see every hit at once.
    "one sentence": "Russia supplied artillery shells and drones to North Korea despite UN sanctions, ",
    "exclusions": "Iran denied selling drones to Moscow, the coat of arms was sold by France; ",
}


def traced_lines(tagger: Tagger, text: str) -> int:
    """Line events executed in the tagging package while tagging ``text``."""
    count = 0

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if not frame.f_code.co_filename.startswith(PACKAGE_DIR):
            return None
        if event == "line":
            count += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        tagger.tag(text)
    finally:
        sys.settrace(previous)
    return count


@pytest.mark.parametrize("sentence", DENSE.values(), ids=DENSE.keys())
def test_work_grows_linearly_with_hit_dense_text(tagger: Tagger, sentence: str) -> None:
    # x8 the text should cost about x8 the work; the old all-hits scan cost about x20 here.
    small, large = traced_lines(tagger, sentence * 10), traced_lines(tagger, sentence * 80)
    assert small > 0
    assert large / small < 10, (small, large)


def test_output_stays_bounded_on_long_hit_dense_text(tagger: Tagger) -> None:
    tags = tagger.tag(DENSE["sentences"] * 400)  # ~32k characters, thousands of hits
    assert {t.category for t in tags} == {"arms_trade", "sanctions"}
    rule_count = sum(len(c.rules) for c in tagger.rules.categories.values())
    for tag in tags:
        assert 0 < len(tag.evidence) <= MAX_EVIDENCE
        assert len(tag.rule_ids) <= rule_count
        assert len({a.name for a in tag.actors}) == len(tag.actors)


def _context_hit_full_scan(anchor: Hit, ctx: Context, hits_of: dict[str, list[Hit]]) -> Hit | None:
    """The pre-index implementation: every hit of every context lexicon, for every anchor."""
    best: tuple[int, Hit] | None = None
    for name in ctx.lexicons:
        for hit in hits_of.get(name, ()):
            if hit is anchor or (hit.start == anchor.start and hit.end == anchor.end):
                continue
            if ctx.same_sentence and hit.sentence != anchor.sentence:
                continue
            words, where = gap(anchor, hit)
            if words > ctx.window or (ctx.direction != "any" and where not in (ctx.direction, "overlap")):
                continue
            if best is None or words < best[0]:
                best = (words, hit)
    return best[1] if best else None


@pytest.mark.parametrize("text", [
    DENSE["sentences"] * 6,
    DENSE["one sentence"] * 6,
    "Iran has supplied Moscow with hundreds of Shahed drones. The EU froze the assets of "
    "three Iranian firms and banned exports of drone engines to Tehran, officials said.",
])
def test_indexed_context_lookup_equals_full_scan(tagger: Tagger, text: str) -> None:
    doc = tagger._matcher.scan(text)
    hits_of = {key.name: hits for key, hits in doc.hits.items() if key.group == "lex"}
    index_of = {name: HitIndex(hits) for name, hits in hits_of.items()}
    checked = 0
    for category in tagger.rules.categories.values():
        for rule in category.rules:
            for ctx in (*rule.near, *rule.unless_near):
                for name in rule.match:
                    for anchor in hits_of.get(name, ()):
                        assert _context_hit(anchor, ctx, index_of) is _context_hit_full_scan(anchor, ctx, hits_of)
                        checked += 1
    assert checked > 20


spans = st.lists(st.tuples(st.integers(0, 40), st.integers(1, 12)).map(lambda t: (t[0], t[0] + t[1])), max_size=25)


@given(spans, st.integers(0, 50), st.integers(1, 12))
def test_reach_equals_brute_force(items: list[tuple[int, int]], start: int, length: int) -> None:
    end = start + length
    reach = Reach(items)
    assert reach.overlaps(start, end) == any(s < end and start < e for s, e in items)
    assert reach.covers(start, end) == any(s < start and end <= e for s, e in items)


@given(spans)
def test_outermost_equals_brute_force(items: list[tuple[int, int]]) -> None:
    expected = {s for s in items if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in items)}
    assert outermost(items) == expected


@given(st.lists(st.integers(0, 30)), st.integers(0, 30), st.integers(0, 30))
def test_tokens_between_equals_brute_force(tokens: list[int], low: int, high: int) -> None:
    assert tokens_between(sorted(set(tokens)), low, high) == any(low < t < high for t in tokens)
