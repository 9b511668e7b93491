"""evaluate: confusion counts, metrics, misclassified ids with evidence, input errors."""

from __future__ import annotations

import json

import pytest

from stream.errors import InputError
from stream.tagging import Tagger
from stream.tagging.evaluate import CategoryScore, evaluate, parse_examples, report


def _line(rid: str, text: str, arms: bool, sanctions: bool) -> str:
    return json.dumps({"id": rid, "text": text, "labels": {"arms_trade": arms, "sanctions": sanctions}})


def test_counts_metrics_and_misses(tagger: Tagger) -> None:
    lines = [
        _line("tp", "Iran sold drones to Russia.", True, False),
        _line("fn", "The aircraft will be handed to the allies soon.", True, False),
        _line("fp", "Russia bought missiles from North Korea.", False, True),
        _line("tn", "The weather was mild.", False, False),
    ]
    scores = evaluate(tagger, parse_examples(lines))
    arms, sanctions = scores["arms_trade"], scores["sanctions"]
    assert (arms.tp, arms.fp, arms.fn, arms.tn) == (1, 1, 1, 1)
    assert (sanctions.tp, sanctions.fp, sanctions.fn, sanctions.tn) == (0, 0, 1, 3)
    assert [(m.id, m.kind) for m in arms.misses] == [("fn", "fn"), ("fp", "fp")]
    assert arms.precision == arms.recall == arms.f1 == 0.5
    assert sanctions.precision == 1.0 and sanctions.recall == 0.0 and sanctions.f1 == 0.0


def test_false_positive_carries_evidence(tagger: Tagger) -> None:
    scores = evaluate(tagger, parse_examples([_line("x", "Iran sold drones to Russia.", False, False)]))
    (miss,) = scores["arms_trade"].misses
    assert miss.kind == "fp" and {e.text for e in miss.evidence} >= {"sold", "drones"}


def test_report_shape() -> None:
    out = report({"arms_trade": CategoryScore(tp=1, fp=1, fn=0, tn=2), "sanctions": CategoryScore()})
    assert out["arms_trade"] == {"precision": 0.5, "recall": 1.0, "f1": 0.6667, "tp": 1, "fp": 1, "fn": 0, "tn": 2}
    assert set(out["sanctions"]) == {"precision", "recall", "f1", "tp", "fp", "fn", "tn"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{nope", "f line 2: invalid JSON"),
        ('["a"]', "f line 2: expected a JSON object"),
        ('{"text": "x"}', "f line 2: missing or invalid 'id'"),
        ('{"id": "a"}', "f line 2: missing or invalid 'text'"),
        ('{"id": "a", "text": "x", "labels": {"sanctions": "yes"}}', "f line 2: 'labels' must map"),
    ],
)
def test_bad_lines(line: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_examples([_line("ok", "fine", False, False), line], source="f")


def test_blank_lines_are_skipped_and_ids_become_strings() -> None:
    (ex,) = parse_examples(["", '{"id": 7, "text": "t", "labels": {"arms_trade": false, "sanctions": true}}', "  "])
    assert ex.id == "7" and ex.labels == {"arms_trade": False, "sanctions": True}


@pytest.mark.parametrize("labels", ["", ', "labels": {}', ', "labels": {"arms_trade": "yes"}', ', "labels": []'])
def test_missing_or_malformed_labels_are_refused(labels: str) -> None:
    with pytest.raises(InputError, match="f line 1: 'labels' must map category names to true/false"):
        parse_examples(['{"id": "a", "text": "t"' + labels + "}"], source="f")


def test_a_category_an_example_does_not_label_is_not_scored_on_it(tagger) -> None:
    """A set written before a category existed has no label for it: absent, never false."""
    examples = parse_examples([
        '{"id": "a", "text": "North Korea shipped artillery shells to Russia.", "labels": {"arms_trade": true}}',
        '{"id": "b", "text": "The EU froze the assets of five banks.", "labels": {"sanctions": true}}',
    ])
    scores = evaluate(tagger, examples)
    assert (scores["arms_trade"].tp, scores["arms_trade"].tn, scores["arms_trade"].fp) == (1, 0, 0)
    assert (scores["sanctions"].tp, scores["sanctions"].fn, scores["sanctions"].fp) == (1, 0, 0)
