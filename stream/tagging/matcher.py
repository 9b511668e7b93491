"""One Aho-Corasick automaton over every term of every rule file.

Scanning costs O(text length + hits) whatever the number of rules. A hit counts only at word
boundaries of the normalised text; terms written in capitals ("US", "UN") must match case too.
A :class:`Document` adds word (token) and sentence positions so rules can test proximity.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from operator import itemgetter
from typing import NamedTuple

import ahocorasick

from stream.tagging.normalise import Normalised, normalise

# Numbers keep their separators ("6.5", "12,000") so they count as one word in windows.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W_]+(?:'[^\W_]+)*")
_SENT_END = re.compile(r"[.!?]+[\"')\]]*(?=\s+[\"'(\[]?[A-Z0-9])|\n+")
# The same patterns, faster: a leading lookahead of the characters a match can start with lets
# the regex engine skip other positions at once; on lower-case ASCII text \d is [0-9] and
# [^\W_] is [a-z0-9]. Same matches (tests/unit/tagging/test_matcher.py checks).
_TOKEN_FAST = re.compile(r"(?=[^\W_])(?:" + _TOKEN.pattern + ")")
_TOKEN_ASCII_LOWER = re.compile(r"(?=[a-z0-9])(?:[0-9]+(?:[.,][0-9]+)*|[a-z0-9]+(?:'[a-z0-9]+)*)")
_SENT_END_FAST = re.compile(r"(?=[.!?\n])(?:" + _SENT_END.pattern + ")")
_LAST_WORD = re.compile(r"([A-Za-z]+)\.?$")
_ABBREV = frozenset(
    "mr mrs ms dr gen lt col maj capt sgt adm st sen rep gov prof jr sr no vs etc inc ltd co corp"
    " jan feb mar apr jun jul aug sep sept oct nov dec approx est dept fig cf".split()
)


class Key(NamedTuple):
    """What a term stands for: ``group`` is 'lex', 'excl', 'stance', 'actor' or 'role'.

    A named tuple (immutable, hashed in C): every hit is grouped by its key.
    """

    group: str
    name: str


class Hit(NamedTuple):
    """One term match. A named tuple: the matcher makes tens per paragraph, and a tuple is
    the cheapest immutable record to build (``_new_hit``) and to read."""

    key: Key
    start: int  # normalised offsets, half-open
    end: int
    tok_first: int
    tok_last: int
    sentence: int


_new_hit = tuple.__new__  # _new_hit(Hit, (key, start, end, tok_first, tok_last, sentence))


def _lower(term: str) -> str:
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in term)


def is_case_sensitive(term: str) -> bool:
    letters = [c for c in term if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


Raw = tuple[int, int, int, Key]  # (sort_key, start, end, key); sort_key = start * (len + 1) - end


def _find(automaton: ahocorasick.Automaton, low: str, cased: str) -> list[Raw]:
    """Every term hit at word boundaries, in scan order."""
    size = len(low)
    order = size + 1  # sort key start * order - end: by start, longest first
    raw: list[Raw] = []
    append = raw.append
    for last, (length, entries, keys) in automaton.iter(low):
        end = last + 1
        start = end - length
        if (start and low[start - 1].isalnum()) or (end < size and low[end].isalnum()):
            continue
        if keys is not None:
            sort_key = start * order - end
            for key in keys:
                append((sort_key, start, end, key))
            continue
        for key, case in entries:
            if case is None or cased[start:end] == case:
                append((start * order - end, start, end, key))
    return raw


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
            # (length, entries, keys): keys when no entry is case-sensitive (most terms), else None.
            keys = tuple(key for key, _ in entries) if all(case is None for _, case in entries) else None
            automaton.add_word(low, (len(low), tuple(entries), keys))
        if len(automaton):
            automaton.make_automaton()
            self._automaton = automaton

    def scan(self, text: str) -> "Document":
        norm = normalise(text)
        return self.document(norm, self.find(norm))

    def find(self, norm: Normalised) -> list[Raw]:
        """The hits, unsorted and not yet placed in tokens and sentences (see ``document``)."""
        if self._automaton is None or not norm.text:
            return []
        return _find(self._automaton, norm.text, norm.cased)

    def document(self, norm: Normalised, raw: list[Raw]) -> "Document":
        """The document of ``find(norm)``'s hits."""
        doc = Document(norm)
        if raw:
            doc.add_hits(raw)
        return doc


class Document:
    """A scanned paragraph: its hits by key, token offsets and each token's sentence number."""

    __slots__ = ("norm", "hits", "tok_starts", "tok_ends", "tok_sentence", "_groups")

    def __init__(self, norm: Normalised, hits: dict[Key, list[Hit]] | None = None) -> None:
        self.norm = norm
        self.hits: dict[Key, list[Hit]] = {} if hits is None else hits
        self._groups: dict[str, list[Hit]] = {}
        text = norm.text  # lower case
        spans = [m.span() for m in (_TOKEN_ASCII_LOWER if text.isascii() else _TOKEN_FAST).finditer(text)]
        self.tok_starts: list[int] = [s for s, _ in spans]
        self.tok_ends: list[int] = [e for _, e in spans]
        # Sentence of each token: how many sentence starts lie at or before it (bounds ascend).
        starts, sentence, done = self.tok_starts, [], 0
        bounds = _sentence_bounds(norm.cased)
        for number, bound in enumerate(bounds):
            upto = bisect_left(starts, bound)
            sentence += [number] * (upto - done)
            done = upto
        sentence += [len(bounds)] * (len(starts) - done)
        self.tok_sentence: list[int] = sentence

    def __repr__(self) -> str:
        return f"Document(text={self.norm.text!r}, hits={sum(map(len, self.hits.values()))})"

    def add_hits(self, raw: Sequence[tuple[int, ...]]) -> None:
        """Group ``(sort_key, start, end, key)`` hits by key, each key's list by start, longest
        first at one start (``sort_key = start * (len(text) + 1) - end``; ties keep scan order)."""
        grouped: dict[Key, list[Hit]] = {}
        tok_starts = self.tok_starts
        count = len(tok_starts)
        sentences = self.tok_sentence or [0]  # no token: every hit is at token 0, sentence 0
        for _, start, end, key in sorted(raw, key=_first):  # stable: ties keep the scan's order
            first = bisect_right(tok_starts, start) - 1
            if first < 0:
                first = 0
            # The last token starting before ``end`` (at least ``first``): most hits are one word.
            following = first + 1
            if following >= count or tok_starts[following] >= end:
                last = first
            else:
                last = bisect_left(tok_starts, end, following) - 1
            hit = _new_hit(Hit, (key, start, end, first, last, sentences[first]))
            hits = grouped.get(key)
            if hits is None:
                grouped[key] = [hit]
            else:
                hits.append(hit)
        self.hits = grouped
        self._groups = {}

    def get(self, group: str, name: str) -> list[Hit]:
        return self.hits.get(Key(group, name), [])

    def of_key(self, key: Key) -> list[Hit]:
        """``get(*key)`` (empty: a tuple, not to be modified)."""
        return self.hits.get(key, ())  # type: ignore[return-value]

    def named(self, group: str) -> dict[str, list[Hit]]:
        """The group's hits by key name, in key order."""
        return {key[1]: hits for key, hits in self.hits.items() if key[0] == group}

    def of_group(self, group: str) -> list[Hit]:
        """The group's hits by start, longest first (computed once per document: do not modify)."""
        out = self._groups.get(group)
        if out is None:
            out = [h for key, hs in self.hits.items() if key[0] == group for h in hs]
            out.sort(key=_start_longest)
            self._groups[group] = out
        return out


def _start_longest(h: Hit) -> tuple[int, int]:
    return h[1], -h[2]


_first = itemgetter(0)


def _sentence_bounds(cased: str) -> list[int]:
    """Character offsets where a new sentence starts."""
    bounds: list[int] = []
    for m in _SENT_END_FAST.finditer(cased):
        if m.group(0)[0] == ".":
            word = _LAST_WORD.search(cased[max(0, m.start() - 12):m.start()])
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
