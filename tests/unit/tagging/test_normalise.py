"""normalise(): folding for matching, with exact maps back to original offsets."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from stream.tagging.normalise import _normalise_pieces, fold_term, normalise


def test_folds_case_quotes_dashes_and_spaces() -> None:
    n = normalise("Moscow\u2019s  arms\u2011supply\u00a0DEAL")
    assert n.text == "moscow's arms supply deal"
    assert n.cased == "Moscow's arms supply DEAL"


def test_html_entities_are_decoded_and_map_to_the_whole_entity() -> None:
    text = "Russia&#8217;s arms&nbsp;deal &amp; more"
    n = normalise(text)
    assert n.text == "russia's arms deal & more"
    i = n.text.index("'")
    assert text[slice(*n.span(i, i + 1))] == "&#8217;"
    j = n.text.index("arms deal")
    assert text[slice(*n.span(j, j + len("arms deal")))] == "arms&nbsp;deal"


def test_accents_and_compatibility_forms_fold() -> None:
    assert normalise("Türkiye ﬁghter Ｆ-16").text == "turkiye fighter f 16"


def test_zero_width_and_soft_hyphen_are_dropped_but_kept_in_spans() -> None:
    text = "wea\u00adpons\u200b sold"
    n = normalise(text)
    assert n.text == "weapons sold"
    assert text[slice(*n.span(0, 7))] == "wea\u00adpons\u200b"


def test_fold_term_strips_and_keeps_case() -> None:
    assert fold_term("  U.S.\u2013made ") == "U.S. made"


def test_empty_and_whitespace_only() -> None:
    assert normalise("").text == ""
    assert normalise(" \n\t ").text.strip() == ""


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_keeps_lengths_and_monotone_spans(text: str) -> None:
    n = normalise(text)
    assert len(n.text) == len(n.cased) == len(n.starts) == len(n.ends)
    for i in range(len(n.text)):
        assert 0 <= n.starts[i] < n.ends[i] <= len(text)
        if i:
            assert n.starts[i - 1] <= n.starts[i]


# --- the fast paths equal the original character-by-character implementation -----------------

def _reference_normalise(text: str) -> tuple[str, str, tuple[int, ...], tuple[int, ...]]:
    """The general path (every piece folded and merged one at a time) with lower case per
    character: what the fast paths must give."""
    n = _normalise_pieces(text)
    lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in n.cased)
    return lowered, n.cased, tuple(n.starts), tuple(n.ends)


_TRICKY = [
    " ", "  ", "\n", "\r\n", "\t", "\x0b", "\x1c", "\u00a0", "\u2028", "\u3000", "-", "\u2011", "\u2014", "`",
    "\u2019", "\u201c", "\u00ad", "\u200b", "\ufeff", "\u0301", "\u00e9", "\u00c9", "\u0130", "\u03a3", "\u03c3",
    "\u1e9e", "\u00df", "\ufb01", "\u2026", "\u00bd", "\u2122", "\u00a8", "\uff26", "\u01c5", "\ufdfa",
    "&amp;", "&nbsp;", "&#8217;", "&#x2014;", "&NewLine;", "&ThickSpace;", "&shy;", "&bogus;", "&#0;", "& ",
    "U.S.", "UN", "arms", "ARMS", "Sochi", "ΣΑΣ", "x", "7", ".", ",",
]
_tricky_text = st.lists(st.one_of(st.sampled_from(_TRICKY), st.text(max_size=3)), max_size=40).map("".join)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.text(), _tricky_text))
def test_normalise_equals_the_reference_implementation(text: str) -> None:
    n = normalise(text)
    assert (n.text, n.cased, n.starts, n.ends) == _reference_normalise(text)
    for i in range(len(n.text)):
        assert n.span(i, i + 1) == (n.starts[i], n.ends[i])


def test_str_lower_is_one_character_except_dotted_capital_i() -> None:
    # _lower_all relies on it: str.lower() equals lower case per character unless the length
    # changes (U+0130) or a capital sigma is present (final-sigma rule).
    import sys

    odd = [c for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF and len(chr(c).lower()) != 1]
    assert odd == [0x130]
