"""Evidence people can read: the sentence that carries it, with the matched words marked.

Pure and shared: the alert summary (plain text, marked with « »), ``stream alerts`` (terminal
highlighting) and the Alertmanager annotation all show the same sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stream.models import Evidence

# A sentence ends at . ! ? or … (and any closing quote or bracket) followed by white space.
_END = re.compile(r"[.!?…][\"'”’)\]]*\s+")
MAX_CHARS = 320


@dataclass(frozen=True)
class Sentence:
    text: str
    spans: tuple[tuple[int, int], ...]  # marked ranges, relative to ``text``, sorted, disjoint

    def marked(self, open_mark: str = "«", close_mark: str = "»") -> str:
        out, at = [], 0
        for start, end in self.spans:
            out += [self.text[at:start], open_mark, self.text[start:end], close_mark]
            at = end
        out.append(self.text[at:])
        return "".join(out)


def _bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around ``text[start:end]``: from after the previous end of sentence to its
    own closing punctuation (white space excluded)."""
    left = 0
    for found in _END.finditer(text, 0, start):
        left = found.end()
    closing = _END.search(text, end)
    return left, closing.end() - (len(closing.group()) - len(closing.group().rstrip())) if closing else len(text)


def evidence_sentence(text: str | None, evidence: list[Evidence], max_chars: int = MAX_CHARS) -> Sentence | None:
    """The sentence of ``text`` holding the first evidence span, with every span inside it; cut
    to ``max_chars`` around the first span (``…`` where cut). None without text or evidence."""
    spans = sorted({(e.start, e.end) for e in evidence if text and 0 <= e.start < e.end <= len(text)})
    if not text or not spans:
        return None
    left, right = _bounds(text, *spans[0])
    cut_left = cut_right = False
    if right - left > max_chars:  # a run-on "sentence": keep a window around the first span
        new_left = max(left, spans[0][0] - max_chars // 3)
        cut_left, left = new_left > left, new_left
        cut_right, right = left + max_chars < right, min(right, left + max_chars)
    inside, last = [], left
    for start, end in spans:
        if start >= last and end <= right:
            inside.append((start, end))
            last = end
    prefix, suffix = ("…" if cut_left else ""), ("…" if cut_right else "")
    shift = left - len(prefix)
    return Sentence(prefix + text[left:right] + suffix, tuple((s - shift, e - shift) for s, e in inside))
def readable_evidence(text: str | None, evidence: list[Evidence], max_chars: int = MAX_CHARS) -> str:
    """The marked sentence, or (an alert without its paragraph) the matched words quoted."""
    sentence = evidence_sentence(text, evidence, max_chars)
    if sentence is not None:
        return sentence.marked()
    return "; ".join(f"«{t}»" for t in dict.fromkeys(e.text for e in evidence))
