"""One Aho-Corasick automaton over every term of every rule file.

Scanning costs O(text length + hits) whatever the number of rules. A hit counts only at word
boundaries of the normalised text; terms written in capitals ("US", "UN") must match case too.
A :class:`Document` adds word (token) and sentence positions so rules can test proximity.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field

import ahocorasick

from stream.tagging.normalise import Normalised, normalise

# Numbers keep their separators ("6.5", "12,000") so they count as one word in windows.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W_]+(?:'[^\W_]+)*")
_SENT_END = re.compile(r"[.!?]+[\"')\]]*(?=\s+[\"'(\[]?[A-Z0-9])|\n+")
_ABBREV = frozenset(
    "mr mrs ms dr gen lt col maj capt sgt adm st sen rep gov prof jr sr no vs etc inc ltd co corp"
    " jan feb mar apr jun jul aug sep sept oct nov dec approx est dept fig cf".split()
)


@dataclass(frozen=True, slots=True)
class Key:
    """What a term stands for: ``group`` is 'lex', 'excl', 'stance', 'actor' or 'role'."""

    group: str
    name: str


@dataclass(frozen=True, slots=True)
class Hit:
    key: Key
    start: int  # normalised offsets, half-open
    end: int
    tok_first: int
    tok_last: int
    sentence: int


def _lower(term: str) -> str:
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in term)


def is_case_sensitive(term: str) -> bool:
    letters = [c for c in term if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


class Matcher:
    def __init__(self) -> None:
        self._entries: dict[str, list[tuple[Key, str | None]]] = defaultdict(list)
        self._automaton: ahocorasick.Automaton | None = None

    def add(self, term: str, key: Key) -> None:
        """Add a folded term (see ``normalise.fold_term``)."""
        cased = term if is_case_sensitive(term) else None
        entry = (key, cased)
        bucket = self._entries[_lower(term)]
        if entry not in bucket:
            bucket.append(entry)

    def build(self) -> None:
        automaton = ahocorasick.Automaton()
        for low, entries in self._entries.items():
            automaton.add_word(low, (len(low), tuple(entries)))
        if len(automaton):
            automaton.make_automaton()
            self._automaton = automaton

    def scan(self, text: str) -> "Document":
        norm = normalise(text)
        doc = Document(norm)
        if self._automaton is None or not norm.text:
            return doc
        low, cased = norm.text, norm.cased
        raw: list[tuple[int, int, Key]] = []
        for last, (length, entries) in self._automaton.iter(low):
            start, end = last - length + 1, last + 1
            if (start > 0 and low[start - 1].isalnum()) or (end < len(low) and low[end].isalnum()):
                continue
            for key, case in entries:
                if case is None or cased[start:end] == case:
                    raw.append((start, end, key))
        doc.add_hits(raw)
        return doc


@dataclass
class Document:
    norm: Normalised
    hits: dict[Key, list[Hit]] = field(default_factory=dict)
    tok_starts: list[int] = field(default_factory=list)
    tok_ends: list[int] = field(default_factory=list)
    tok_sentence: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        text = self.norm.text
        for m in _TOKEN.finditer(text):
            self.tok_starts.append(m.start())
            self.tok_ends.append(m.end())
        bounds = _sentence_bounds(self.norm.cased)
        self.tok_sentence = [bisect_right(bounds, s) for s in self.tok_starts]

    def add_hits(self, raw: list[tuple[int, int, Key]]) -> None:
        grouped: dict[Key, list[Hit]] = defaultdict(list)
        for start, end, key in sorted(raw, key=lambda r: (r[0], -r[1])):
            first = max(0, bisect_right(self.tok_starts, start) - 1)
            last = max(first, bisect_left(self.tok_starts, end) - 1)
            sentence = self.tok_sentence[first] if self.tok_sentence else 0
            grouped[key].append(Hit(key, start, end, first, last, sentence))
        self.hits = dict(grouped)

    def get(self, group: str, name: str) -> list[Hit]:
        return self.hits.get(Key(group, name), [])

    def of_group(self, group: str) -> list[Hit]:
        out = [h for key, hs in self.hits.items() if key.group == group for h in hs]
        return sorted(out, key=lambda h: (h.start, -h.end))


def _sentence_bounds(cased: str) -> list[int]:
    """Character offsets where a new sentence starts."""
    bounds: list[int] = []
    for m in _SENT_END.finditer(cased):
        if m.group(0)[0] == ".":
            word = re.search(r"([A-Za-z]+)\.?$", cased[max(0, m.start() - 12):m.start()])
            if word and (word.group(1).lower() in _ABBREV or len(word.group(1)) == 1):
                continue
        bounds.append(m.end())
    return bounds


def gap(a: Hit, b: Hit) -> tuple[int, str]:
    """Words between two hits and where ``b`` lies relative to ``a``: 'before', 'after', 'overlap'."""
    if b.tok_first > a.tok_last:
        return b.tok_first - a.tok_last - 1, "after"
    if a.tok_first > b.tok_last:
        return a.tok_first - b.tok_last - 1, "before"
    return 0, "overlap"
