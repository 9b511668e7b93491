"""normalise(): folding for matching, with exact maps back to original offsets."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from stream.tagging.normalise import fold_term, normalise


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
