from stream.ingest.splitter import Article, article_events, split_paragraphs


def test_paragraphs_split_on_blank_lines_and_lines_joined():
    text = "First line\ncontinues here.\n\n\nSecond para.\r\n \r\nThird."
    assert split_paragraphs(text) == ["First line continues here.", "Second para.", "Third."]


def test_whitespace_only_text_has_no_paragraphs():
    assert split_paragraphs(" \n\n \t\n") == []


def test_events_are_numbered_and_ids_deterministic():
    article = Article(article_id="a1", title="T", paragraphs=["one", "two"])
    first, second = article_events(article), article_events(article)
    assert [e.paragraph_index for e in first] == [0, 1]
    assert all(e.paragraph_count == 2 and e.article_id == "a1" and e.title == "T" for e in first)
    assert [e.event_id for e in first] == [e.event_id for e in second]
    assert first[0].event_id != first[1].event_id
