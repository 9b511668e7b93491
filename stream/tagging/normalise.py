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
from collections.abc import Sequence
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


class Normalised:
    """``text``/``cased`` with, for each of their characters, the original span it came from.

    ``starts``/``ends`` are built on first use: when nothing was dropped, merged or expanded
    (the common case) character ``i`` simply comes from ``original[i:i + 1]``.
    """

    __slots__ = ("original", "text", "cased", "_starts", "_ends")

    def __init__(self, original: str, text: str, cased: str,
                 starts: Sequence[int] | None, ends: Sequence[int] | None) -> None:
        self.original = original
        self.text = text  # folded, lower case: what the automaton scans
        self.cased = cased  # folded, case kept: for case-sensitive terms and sentence splitting
        self._starts = starts  # None: the identity map (starts[i] == i, ends[i] == i + 1)
        self._ends = ends

    @property
    def starts(self) -> tuple[int, ...]:
        return tuple(range(len(self.text))) if self._starts is None else tuple(self._starts)

    @property
    def ends(self) -> tuple[int, ...]:
        return tuple(range(1, len(self.text) + 1)) if self._ends is None else tuple(self._ends)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets for the normalised half-open range ``[start, end)`` (non-empty)."""
        if self._starts is None:
            return start, end
        return self._starts[start], self._ends[end - 1]  # type: ignore[index]

    def __repr__(self) -> str:
        return f"Normalised(original={self.original!r}, text={self.text!r})"


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


def _normalise_pieces(text: str) -> Normalised:
    """The general case, piece by piece: HTML entities, dropped or multi-character folds."""
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
    return Normalised(text, _lower_all(cased), cased, tuple(starts), tuple(ends))


class _NotOneToOne(Exception):
    """A character folds to nothing or to several characters: take the general path."""


class _OneToOne(dict[str, str]):
    """Folds of characters that fold to exactly one character, filled on first sight."""

    def __missing__(self, ch: str) -> str:
        folded = _fold_char(ch)
        if len(folded) != 1:
            raise _NotOneToOne
        if len(self) < 65_536:  # bounded, whatever the input
            self[ch] = folded
        return folded


_ONE_TO_ONE = _OneToOne()
# ASCII folds: all one to one (tab and other blanks to a space, \r \v \f to a newline, '-' to a space).
_ASCII_FOLD = str.maketrans({chr(c): _fold_char(chr(c)) for c in range(128) if _fold_char(chr(c)) != chr(c)})
# Characters a fold may change: those of _ASCII_FOLD and every non-ASCII character.
_SPECIAL = re.compile("[" + re.escape("".join(chr(c) for c in _ASCII_FOLD)) + "\x80-\U0010ffff]")
_WS_RUN = re.compile(r"[ \n]{2,}")


def _fold_special(m: re.Match[str]) -> str:
    return _ONE_TO_ONE[m.group()]


def _lower_all(cased: str) -> str:
    """``_lower`` of every character. ``str.lower`` gives the same except for U+0130 (the only
    character whose lower case is two characters) and a final capital sigma (context-dependent)."""
    lowered = cased.lower()
    if len(lowered) == len(cased) and "\u03a3" not in cased:
        return lowered
    return "".join(_lower(c) for c in cased)


def normalise(text: str) -> Normalised:
    if "&" in text and any(html.unescape(m.group(0)) != m.group(0) for m in _ENTITY.finditer(text)):
        return _normalise_pieces(text)
    if text.isascii():
        folded = text.translate(_ASCII_FOLD)
    else:
        try:
            folded = _SPECIAL.sub(_fold_special, text)
        except _NotOneToOne:
            return _normalise_pieces(text)
    # Every character folded to one character: only runs of blanks merge (into their first).
    # (Substring tests: much cheaper than _WS_RUN.search when, as usual, there is no run.)
    if not ("  " in folded or "\n" in folded and ("\n " in folded or " \n" in folded or "\n\n" in folded)):
        return Normalised(text, _lower_all(folded), folded, None, None)
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for m in _WS_RUN.finditer(folded):
        a, b = m.span()
        parts.append(folded[pos:a])
        parts.append("\n" if "\n" in m.group() else " ")
        starts.extend(range(pos, a + 1))
        ends.extend(range(pos + 1, a + 1))
        ends.append(b)
        pos = b
    parts.append(folded[pos:])
    starts.extend(range(pos, len(folded)))
    ends.extend(range(pos + 1, len(folded) + 1))
    cased = "".join(parts)
    return Normalised(text, _lower_all(cased), cased, starts, ends)


def fold_term(term: str) -> str:
    """Fold a lexicon term the same way as paragraph text (case kept); strip outer spaces."""
    return normalise(term).cased.strip()
