"""Text normalisation for matching, with a map from every normalised character back to the original.

The matcher works on a folded copy (HTML entities decoded, compatibility forms and accents
removed, curly quotes and dash variants unified, whitespace collapsed, lower case) but evidence
must quote the ORIGINAL paragraph, so each output character remembers the original span
``[starts[i], ends[i])`` it came from. Both strings always have the same length.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_QUOTES = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "`": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2033": '"',
}
# Hyphens and dashes become a space, so "arms-supply", "arms supply" and "arms\u2011supply" agree.
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
_DROP = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")  # soft hyphen, zero-width characters


@dataclass(frozen=True)
class Normalised:
    original: str
    text: str  # folded, lower case: what the automaton scans
    cased: str  # folded, case kept: for case-sensitive terms and sentence splitting
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets for the normalised half-open range ``[start, end)`` (non-empty)."""
        return self.starts[start], self.ends[end - 1]


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """The folded form of one character (possibly empty or several characters)."""
    if ch in _QUOTES:
        return _QUOTES[ch]
    if ch in _DASHES:
        return " "
    if ch in _DROP:
        return ""
    if ch.isspace():
        return "\n" if ch in "\n\r\u2028\u2029\x0b\x0c\x85" else " "
    if ch.isascii():
        return ch
    decomposed = unicodedata.normalize("NFKD", ch)
    out = []
    for c in decomposed:
        if unicodedata.combining(c):
            continue
        if c in _QUOTES:
            c = _QUOTES[c]
        elif c in _DASHES:
            c = " "
        elif c.isspace():
            c = " "
        out.append(c)
    return "".join(out)


def _lower(ch: str) -> str:
    low = ch.lower()
    return low if len(low) == 1 else ch


def _pieces(text: str) -> list[tuple[int, int, str]]:
    """Split ``text`` into (start, end, raw) pieces: single characters or whole HTML entities."""
    pieces: list[tuple[int, int, str]] = []
    pos = 0
    for m in _ENTITY.finditer(text) if "&" in text else ():
        decoded = html.unescape(m.group(0))
        if decoded == m.group(0):
            continue
        pieces.extend((i, i + 1, text[i]) for i in range(pos, m.start()))
        pieces.append((m.start(), m.end(), decoded))
        pos = m.end()
    pieces.extend((i, i + 1, text[i]) for i in range(pos, len(text)))
    return pieces


def normalise(text: str) -> Normalised:
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for start, end, raw in _pieces(text):
        folded = "".join(_fold_char(c) for c in raw) if len(raw) > 1 else _fold_char(raw)
        if not folded or (folded.isspace() and out and out[-1].isspace()):
            # Nothing to emit: let the previous character absorb this piece (keeps spans whole).
            if ends:
                if folded == "\n":
                    out[-1] = "\n"
                ends[-1] = end
            continue
        if folded.isspace():
            folded = "\n" if "\n" in folded else " "
        for c in folded:
            out.append(c)
            starts.append(start)
            ends.append(end)
    cased = "".join(out)
    lowered = "".join(_lower(c) for c in out)
    return Normalised(text, lowered, cased, tuple(starts), tuple(ends))


def fold_term(term: str) -> str:
    """Fold a lexicon term the same way as paragraph text (case kept); strip outer spaces."""
    return normalise(term).cased.strip()
