"""Stance: how the text presents a matched activity (asserted, alleged, denied, ...).

A cue applies when it sits in the same sentence within ``window_before`` words before the
evidence or ``window_after`` words after it (and, for ``same_clause`` cues such as negations, with
no ',', ';' or ':' in between); among applicable cues the lowest ``priority`` wins ("denied it had
any intention of buying" is denied, not planned), then the nearest. A window of 0 switches that
side off. A cue with ``evidence: true`` is quoted among the tag's evidence (the negated words).
"""

from __future__ import annotations

from collections.abc import Sequence

from stream.models import Stance
from stream.tagging.matcher import Document, Hit, Key, Matcher
from stream.tagging.normalise import fold_term
from stream.tagging.rules_schema import StanceCue, StanceFile, expand

_CLAUSE_BREAKS = frozenset(",;:()")


class StanceResolver:
    def __init__(self, stance_file: StanceFile) -> None:
        self._cues: dict[str, StanceCue] = {cue.id: cue for cue in stance_file.cues}

    def register(self, matcher: Matcher) -> None:
        for cue in self._cues.values():
            for term in cue.terms:
                for variant in expand(term):
                    matcher.add(fold_term(variant), Key("stance", cue.id))

    def cue(self, cue_id: str) -> StanceCue:
        return self._cues[cue_id]

    def resolve(self, doc: Document, evidence: Sequence[Hit]) -> Stance:
        return self.resolve_with_cue(doc, evidence)[0]

    def resolve_with_cue(self, doc: Document, evidence: Sequence[Hit]) -> tuple[Stance, Hit | None]:
        """The stance and the cue hit that decided it (None: asserted by default)."""
        if not evidence:
            return Stance.ASSERTED, None
        first = min(h.tok_first for h in evidence)
        last = max(h.tok_last for h in evidence)
        start = min(h.start for h in evidence)
        end = max(h.end for h in evidence)
        sentences = {h.sentence for h in evidence}
        text = doc.norm.text
        best: tuple[int, int, Stance, Hit] | None = None
        for hit in doc.of_group("stance"):
            if hit.sentence not in sentences:
                continue
            cue = self._cues[hit.key.name]
            if cue.same_clause and any(h.start <= hit.start and hit.end <= h.end for h in evidence):
                continue  # a negation inside the matched phrase ("refused to deal with blacklisted firms")
            if hit.tok_last < first:
                distance = first - hit.tok_last - 1
                if cue.window_before == 0 or distance > cue.window_before:
                    continue
                between = text[hit.end:start]
            elif hit.tok_first > last:
                distance = hit.tok_first - last - 1
                if cue.window_after == 0 or distance > cue.window_after:
                    continue
                between = text[end:hit.start]
            else:
                distance, between = 0, ""
            if cue.same_clause and not _CLAUSE_BREAKS.isdisjoint(between):
                continue
            if best is None or (cue.priority, distance) < best[:2]:
                best = (cue.priority, distance, cue.stance, hit)
        return (best[2], best[3]) if best else (Stance.ASSERTED, None)
