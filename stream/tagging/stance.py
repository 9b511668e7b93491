"""Stance: how the text presents a matched activity (asserted, alleged, denied, ...).

A cue applies when it sits in the same sentence within ``window_before`` words before the
evidence or ``window_after`` words after it; among applicable cues the lowest ``priority``
wins ("denied it had any intention of buying" is denied, not planned), then the nearest.
A window of 0 switches that side off.
"""

from __future__ import annotations

from collections.abc import Sequence

from stream.models import Stance
from stream.tagging.matcher import Document, Hit, Key, Matcher
from stream.tagging.normalise import fold_term
from stream.tagging.rules_schema import StanceCue, StanceFile, expand


class StanceResolver:
    def __init__(self, stance_file: StanceFile) -> None:
        self._cues: dict[str, StanceCue] = {cue.id: cue for cue in stance_file.cues}

    def register(self, matcher: Matcher) -> None:
        for cue in self._cues.values():
            for term in cue.terms:
                for variant in expand(term):
                    matcher.add(fold_term(variant), Key("stance", cue.id))

    def resolve(self, doc: Document, evidence: Sequence[Hit]) -> Stance:
        if not evidence:
            return Stance.ASSERTED
        first = min(h.tok_first for h in evidence)
        last = max(h.tok_last for h in evidence)
        sentences = {h.sentence for h in evidence}
        best: tuple[int, int, Stance] | None = None
        for hit in doc.of_group("stance"):
            if hit.sentence not in sentences:
                continue
            cue = self._cues[hit.key.name]
            if hit.tok_last < first:
                distance = first - hit.tok_last - 1
                if cue.window_before == 0 or distance > cue.window_before:
                    continue
            elif hit.tok_first > last:
                distance = hit.tok_first - last - 1
                if cue.window_after == 0 or distance > cue.window_after:
                    continue
            else:
                distance = 0
            candidate = (cue.priority, distance, cue.stance)
            if best is None or candidate[:2] < best[:2]:
                best = candidate
        return best[2] if best else Stance.ASSERTED
