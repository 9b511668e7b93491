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


# Groups only a tag needs (stance cues, role words): their automaton matches are set aside
# during the scan and resolved into hits when first asked for, so a paragraph that fires no
# rule never pays for their hits (a third of all hits: 'to', 'from', 'according to', ...).
LAZY_GROUPS = frozenset({"stance", "role"})

Raw = tuple[int, int, int, Key]  # (sort_key, start, end, key); sort_key = start * (len + 1) - end
Deferred = tuple[int, tuple]  # an automaton match (last index, value) with lazy entries


def _find(automaton: ahocorasick.Automaton, low: str, cased: str) -> tuple[list[Raw], list[Deferred]]:
    """Hits of the eager groups at word boundaries, in scan order; matches with lazy entries."""
    size = len(low)
    order = size + 1  # sort key start * order - end: by start, longest first
    raw: list[Raw] = []
    append = raw.append
    deferred: list[Deferred] = []
    for item in automaton.iter(low):
        last, (length, entries, keys, lazy) = item
        if lazy is not None:
            deferred.append(item)
            if not entries:
                continue
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
    return raw, deferred


def _resolve(deferred: list[Deferred], group: str, low: str, cased: str) -> list[Raw]:
    """The hits of one lazy group among the matches set aside by ``_find`` (same checks)."""
    size = len(low)
    order = size + 1
    raw: list[Raw] = []
    for last, (length, _, _, lazy) in deferred:
        end = last + 1
        start = end - length
        if (start and low[start - 1].isalnum()) or (end < size and low[end].isalnum()):
            continue
        for key, case in lazy:
            if key[0] == group and (case is None or cased[start:end] == case):
                raw.append((start * order - end, start, end, key))
    return raw


class Matcher:
    def __init__(self) -> None:
        self._entries: dict[str, list[tuple[Key, str | None]]] = defaultdict(list)
        self._automaton: ahocorasick.Automaton | None = None
        self._lazy_groups: frozenset[str] = frozenset()

    def add(self, term: str, key: Key) -> None:
        """Add a folded term (see ``normalise.fold_term``)."""
        cased = term if is_case_sensitive(term) else None
        entry = (key, cased)
        bucket = self._entries[_lower(term)]
        if entry not in bucket:
            bucket.append(entry)

    def build(self) -> None:
        automaton = ahocorasick.Automaton()
        lazy_groups: set[str] = set()
        for low, bucket in self._entries.items():
            # (length, eager entries, their keys when none is case-sensitive (most terms) else
            # None, lazy entries or None); each keeps the bucket's order, so ties keep theirs.
            eager = tuple(e for e in bucket if e[0].group not in LAZY_GROUPS)
            lazy = tuple(e for e in bucket if e[0].group in LAZY_GROUPS)
            lazy_groups.update(key.group for key, _ in lazy)
            keys = tuple(key for key, _ in eager) if all(case is None for _, case in eager) else None
            automaton.add_word(low, (len(low), eager, keys, lazy or None))
        if len(automaton):
            automaton.make_automaton()
            self._automaton = automaton
        self._lazy_groups = frozenset(lazy_groups)

    def scan(self, text: str) -> "Document":
        norm = normalise(text)
        return self.document(norm, self.find(norm))

    def find(self, norm: Normalised) -> tuple[list[Raw], list[Deferred]]:
        """The eager groups' hits, unsorted, and the matches set aside for the lazy groups."""
        if self._automaton is None or not norm.text:
            return [], []
        return _find(self._automaton, norm.text, norm.cased)

    def document(self, norm: Normalised, found: tuple[list[Raw], list[Deferred]]) -> "Document":
        """The document of ``find(norm)``; lazy groups' hits are resolved when asked for."""
        raw, deferred = found
        doc = Document(norm)
        if raw:
            doc.add_hits(raw)
        if deferred:
            doc._deferred = deferred
            doc._pending = set(self._lazy_groups)
        return doc


class Document:
    """A scanned paragraph: its hits by key, token offsets and each token's sentence number.

    Hits of the lazy groups (``LAZY_GROUPS``) are found when first asked for: by ``get``,
    ``of_group`` or ``hits``."""

    __slots__ = ("norm", "_hits", "tok_starts", "tok_ends", "tok_sentence", "_groups", "_pending", "_deferred")

    def __init__(self, norm: Normalised, hits: dict[Key, list[Hit]] | None = None) -> None:
        self.norm = norm
        self._hits: dict[Key, list[Hit]] = {} if hits is None else hits
        self._groups: dict[str, list[Hit]] = {}
        self._pending: set[str] = set()  # lazy groups whose hits are not resolved yet
        self._deferred: list[Deferred] = []  # the automaton matches they come from
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

    @property
    def hits(self) -> dict[Key, list[Hit]]:
        """Every hit, by key (lazy groups' keys come after the others')."""
        for group in sorted(self._pending):
            self._scan(group)
        return self._hits

    def _scan(self, group: str) -> None:
        if group in self._pending:
            self._pending.discard(group)
            self.add_hits(_resolve(self._deferred, group, self.norm.text, self.norm.cased))

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
        self._hits.update(grouped)  # the keys of one scan are new: each group has one scan
        self._groups = {}

    def get(self, group: str, name: str) -> list[Hit]:
        if group in self._pending:
            self._scan(group)
        return self._hits.get(Key(group, name), [])

    def of_key(self, key: Key) -> list[Hit]:
        """``get(*key)`` (empty: a tuple, not to be modified)."""
        if key[0] in self._pending:
            self._scan(key[0])
        return self._hits.get(key, ())  # type: ignore[return-value]

    def named(self, group: str) -> dict[str, list[Hit]]:
        """The group's hits by key name, in key order."""
        if group in self._pending:
            self._scan(group)
        return {key[1]: hits for key, hits in self._hits.items() if key[0] == group}

    def of_group(self, group: str) -> list[Hit]:
        """The group's hits by start, longest first (computed once per document: do not modify)."""
        if group in self._pending:
            self._scan(group)
        out = self._groups.get(group)
        if out is None:
            out = [h for key, hs in self._hits.items() if key[0] == group for h in hs]
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
