"""Matcher: automaton hits at word boundaries, case-sensitive capitals, tokens and sentences."""

from __future__ import annotations

from stream.tagging.matcher import Key, Matcher, gap, is_case_sensitive


def _matcher(*terms: str) -> Matcher:
    m = Matcher()
    for term in terms:
        m.add(term, Key("lex", term.lower().replace(" ", "_").replace(".", "")))
    m.build()
    return m


def _found(m: Matcher, text: str) -> list[str]:
    doc = m.scan(text)
    return [doc.norm.original[slice(*doc.norm.span(h.start, h.end))] for h in doc.of_group("lex")]


def test_word_boundaries() -> None:
    m = _matcher("arms", "arms deal")
    assert _found(m, "Farmsteads and harms") == []
    assert _found(m, "an arms deal.") == ["arms deal", "arms"]


def test_capitalised_terms_match_case() -> None:
    m = _matcher("US", "UN")
    assert _found(m, "Tell us about the UN and the US.") == ["UN", "US"]
    assert is_case_sensitive("U.S.") and not is_case_sensitive("Xi") and not is_case_sensitive("A")


def test_unicode_text_matches_folded_terms() -> None:
    m = _matcher("arms supply")
    assert _found(m, "the ARMS\u2011SUPPLY route") == ["ARMS\u2011SUPPLY"]


def test_sentences_and_gaps() -> None:
    m = _matcher("weapons", "sold", "gen")
    doc = m.scan("Gen. Smith sold old weapons. Nobody else sold anything.")
    weapons = doc.get("lex", "weapons")[0]
    sold_1, sold_2 = doc.get("lex", "sold")
    assert sold_1.sentence == weapons.sentence != sold_2.sentence  # "Gen." is not a sentence end
    assert gap(sold_1, weapons) == (1, "after")
    assert gap(weapons, sold_1) == (1, "before")


def test_numbers_count_as_one_word() -> None:
    m = _matcher("contract", "tanks")
    doc = m.scan("a contract worth $6.5 billion for 1,000 tanks")
    assert gap(doc.get("lex", "contract")[0], doc.get("lex", "tanks")[0])[0] == 5


def test_empty_matcher_and_empty_text() -> None:
    m = Matcher()
    m.build()
    assert m.scan("anything").hits == {}
    assert _matcher("x").scan("").hits == {}


# --- the faster token and sentence patterns find exactly what the plain ones find -------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from stream.tagging.matcher import (  # noqa: E402
    _SENT_END, _SENT_END_FAST, _TOKEN, _TOKEN_ASCII_LOWER, _TOKEN_FAST,
)

_pieces = st.sampled_from(["a", "Zb", "7", "12,000", "6.5", "x's", "'", "_", ".", "!?", ". ", ".\" A", ")", "\n",
                           "\n\n", " ", "  ", "Gen. ", "U.S. ", "\u00e9", "\u0661", "\u00b2", "\u2163", "-", ","])
_text = st.one_of(st.text(), st.lists(_pieces, max_size=30).map("".join))


def _spans(pattern, text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


@settings(max_examples=500, deadline=None)
@given(_text)
def test_fast_patterns_match_the_plain_ones(text: str) -> None:
    assert _spans(_TOKEN_FAST, text) == _spans(_TOKEN, text)
    assert _spans(_SENT_END_FAST, text) == _spans(_SENT_END, text)
    low = text.lower()
    if low.isascii():
        assert _spans(_TOKEN_ASCII_LOWER, low) == _spans(_TOKEN, low)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["arms", "arms deal", "deal", " ", ". ", "X", "-", "'", "U.S.", "12,000", "\n"]),
                max_size=25).map("".join))
def test_hit_tokens_and_sentences_equal_the_bisect_definition(text: str) -> None:
    from bisect import bisect_left, bisect_right

    doc = _matcher("arms", "arms deal", "deal", "U.S.", "- '").scan(text)
    starts = doc.tok_starts
    for hit in (h for hits in doc.hits.values() for h in hits):
        first = max(0, bisect_right(starts, hit.start) - 1)
        assert (hit.tok_first, hit.tok_last) == (first, max(first, bisect_left(starts, hit.end) - 1))
        assert hit.sentence == (doc.tok_sentence[first] if starts else 0)
