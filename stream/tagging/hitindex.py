"""Sorted hit and span lookups with ``bisect``, so rule evaluation stays near-linear in hits.

The matcher emits each key's hits sorted by start, hence by first token too. Proximity queries
(``HitIndex.window``) and containment/overlap tests (``Reach``) therefore cost O(log n) plus the
hits actually in range, instead of a scan over every hit of the paragraph for every anchor: on a
long, hit-dense paragraph that scan made tagging quadratic.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence

from stream.tagging.matcher import Hit


class HitIndex:
    """One lexicon's hits, in the matcher's order (by start), with token-window lookups."""

    __slots__ = ("hits", "_firsts", "_reach")

    def __init__(self, hits: Sequence[Hit]) -> None:
        self.hits = hits
        self._firsts = [h.tok_first for h in hits]
        # The widest hit (in tokens) bounds how far back a hit can start and still end in a window.
        self._reach = max((h.tok_last - h.tok_first for h in hits), default=0)

    def window(self, first: int, last: int) -> Sequence[Hit]:
        """Hits, in list order, that may share a token with ``[first, last]``.

        Every hit with ``tok_first <= last`` and ``tok_last >= first`` is included; a few that
        start shortly before ``first`` but end before it may be too, so callers still check.
        """
        lo = bisect_left(self._firsts, first - self._reach)
        hi = bisect_right(self._firsts, last)
        return self.hits[lo:hi]


class Reach:
    """Half-open ``(start, end)`` spans: the furthest end among spans starting before a point."""

    __slots__ = ("_starts", "_ends")

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._ends: list[int] = []
        furthest = -1
        for _, end in ordered:
            furthest = max(furthest, end)
            self._ends.append(furthest)

    def before(self, point: int) -> int:
        """Largest end among spans whose start is < ``point`` (-1 when there is none)."""
        i = bisect_left(self._starts, point)
        return self._ends[i - 1] if i else -1

    def overlaps(self, start: int, end: int) -> bool:
        """Whether any span overlaps ``[start, end)`` (``s.start < end and start < s.end``)."""
        return self.before(end) > start

    def covers(self, start: int, end: int) -> bool:
        """Whether a span starting strictly before ``start`` reaches at least ``end``."""
        return self.before(start) >= end


def outermost(spans: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """The distinct spans not nested in another one (``o[0] <= s[0] and s[1] <= o[1]``, ``o != s``)."""
    unique = set(spans)
    reach = Reach(unique)
    # Nested: a span starting earlier reaches s's end, or one starting at s's start ends later.
    return {s for s in unique if not (reach.before(s[0]) >= s[1] or reach.before(s[0] + 1) > s[1])}


def tokens_between(sorted_tokens: Sequence[int], low: int, high: int) -> bool:
    """Whether any token index lies strictly between ``low`` and ``high``."""
    i = bisect_right(sorted_tokens, low)
    return i < len(sorted_tokens) and sorted_tokens[i] < high
