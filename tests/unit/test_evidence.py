from hypothesis import given, strategies as st

from stream.evidence import evidence_sentence, readable_evidence
from stream.models import Evidence

TEXT = ("The talks ended on Friday. Officials said North Korea shipped artillery shells to Russia, "
        "breaching “UN sanctions.” More talks are planned.")


def ev(text: str, words: str) -> Evidence:
    start = text.index(words)
    return Evidence(start=start, end=start + len(words), text=words, rule_id="r")


def test_the_sentence_carrying_the_evidence_with_every_match_in_it_marked():
    evidence = [ev(TEXT, "UN sanctions"), ev(TEXT, "shipped artillery shells")]
    assert readable_evidence(TEXT, evidence) == (
        "Officials said North Korea «shipped artillery shells» to Russia, breaching “«UN sanctions».”")


def test_evidence_in_another_sentence_than_the_first_match_is_left_out():
    evidence = [ev(TEXT, "talks ended"), ev(TEXT, "UN sanctions")]
    assert readable_evidence(TEXT, evidence) == "The «talks ended» on Friday."


def test_a_run_on_sentence_is_cut_around_the_match():
    text = "word " * 200 + "shipped rifles to the rebels " + "word " * 200
    sentence = evidence_sentence(text, [ev(text, "shipped rifles")], max_chars=120)
    assert len(sentence.text) <= 122 and sentence.text.startswith("…") and sentence.text.endswith("…")
    assert "«shipped rifles»" in sentence.marked()


def test_without_the_paragraph_the_matched_words_are_quoted():
    assert readable_evidence(None, [ev(TEXT, "UN sanctions"), ev(TEXT, "UN sanctions")]) == "«UN sanctions»"


@given(st.text(min_size=1, max_size=300), st.data())
def test_marked_spans_always_hold_the_evidence_text(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    evidence = [Evidence(start=start, end=end, text=text[start:end], rule_id="r")]
    sentence = evidence_sentence(text, evidence)
    assert sentence is not None and len(sentence.spans) <= 1
    for s, e in sentence.spans:
        assert sentence.text[s:e] == text[start:end]
