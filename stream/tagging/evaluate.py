"""Pure evaluation of a tagger against labelled JSON lines.

Each line: ``{"id": str, "text": str, "labels": {"arms_trade": bool, "sanctions": bool}}``.
Each category of the rules is scored on the examples that label it: a set written before a
category existed simply has no label for it (absent is "not labelled", never "false").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from stream.errors import InputError
from stream.jsonl import json_object
from stream.models import Evidence, Tag
from stream.tagging.tagger import Tagger


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    labels: dict[str, bool]


@dataclass(frozen=True)
class Miss:
    id: str
    kind: str  # "fp" or "fn"
    text: str
    evidence: list[Evidence]


@dataclass
class CategoryScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    misses: list[Miss] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
            "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
        }


def parse_examples(lines: Iterable[str], source: str = "input") -> list[Example]:
    """Parse labelled JSON lines; a bad line raises ``InputError`` naming the line number."""
    out: list[Example] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        record = json_object(line, f"{source} line {number}")
        rid, text, labels = record.get("id"), record.get("text"), record.get("labels")
        if not isinstance(rid, (str, int)) or isinstance(rid, bool):
            raise InputError(f"{source} line {number}: missing or invalid 'id'")
        if not isinstance(text, str):
            raise InputError(f"{source} line {number}: missing or invalid 'text'")
        if not isinstance(labels, dict) or not labels or not all(
                isinstance(k, str) and isinstance(v, bool) for k, v in labels.items()):
            raise InputError(f"{source} line {number}: 'labels' must map category names to true/false")
        out.append(Example(str(rid), text, dict(labels)))
    return out


def evaluate(tagger: Tagger, examples: Iterable[Example]) -> dict[str, CategoryScore]:
    scores = {c: CategoryScore() for c in tagger.categories}
    for ex in examples:
        tags: dict[str, Tag] = {t.category: t for t in tagger.tag(ex.text)}
        for category, score in scores.items():
            if category not in ex.labels:
                continue  # this example was not labelled for this category
            predicted, gold = category in tags, ex.labels[category]
            if predicted and gold:
                score.tp += 1
            elif predicted:
                score.fp += 1
                score.misses.append(Miss(ex.id, "fp", ex.text, list(tags[category].evidence)))
            elif gold:
                score.fn += 1
                score.misses.append(Miss(ex.id, "fn", ex.text, []))
            else:
                score.tn += 1
    return scores


def report(scores: dict[str, CategoryScore]) -> dict[str, dict[str, float | int]]:
    """The ``--json`` shape: per category precision, recall, f1 and confusion counts."""
    return {category: score.as_dict() for category, score in scores.items()}
