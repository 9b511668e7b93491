import json
from pathlib import Path

import pytest

from stream.errors import InputError
from stream.ingest.readers import expand_paths, read_articles

REPO = Path(__file__).resolve().parents[2]


def test_markdown_title_from_heading(tmp_path: Path):
    (tmp_path / "a.md").write_text("# The Title\n\nPara one\nwraps.\n\nPara two.\n")
    [article] = read_articles([tmp_path / "a.md"])
    assert article.article_id == "a" and article.title == "The Title"
    assert article.paragraphs == ["Para one wraps.", "Para two."]


def test_text_title_is_short_first_line(tmp_path: Path):
    (tmp_path / "b.txt").write_text("Short title\n\nBody one.\n\nBody two.\n")
    [article] = read_articles([tmp_path / "b.txt"])
    assert article.title == "Short title" and article.paragraphs == ["Body one.", "Body two."]


def test_seed_article_without_title_line_keeps_every_paragraph():
    [article] = read_articles([REPO / "seeds" / "putin-lukashenko-sochi-north-korea.txt"])
    assert article.title is None
    assert len(article.paragraphs) == 5
    assert article.paragraphs[3].startswith("However, concerns have been raised")


def test_jsonl_articles(tmp_path: Path):
    rows = [
        {"id": "x1", "title": "One", "text": "A.\n\nB.", "source": "Wire", "url": "http://e/1",
         "published_at": "2024-01-02T03:04:05+00:00"},
        {"id": "x2", "title": "Two", "text": "C."},
    ]
    (tmp_path / "w.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    articles = list(read_articles([tmp_path / "w.jsonl"]))
    assert [a.article_id for a in articles] == ["x1", "x2"]
    assert articles[0].paragraphs == ["A.", "B."] and articles[0].source.url == "http://e/1"
    assert articles[0].published_at is not None and articles[1].source.name == "w.jsonl"


def test_bad_jsonl_line_names_file_and_line(tmp_path: Path):
    (tmp_path / "bad.jsonl").write_text('{"id": "ok", "text": "fine"}\n{"id": 1}\n')
    with pytest.raises(InputError, match=r"bad.jsonl:2: not a valid article"):
        list(read_articles([tmp_path / "bad.jsonl"]))


def test_missing_path_and_empty_dir_are_clear_errors(tmp_path: Path):
    with pytest.raises(InputError, match="no such file"):
        expand_paths([tmp_path / "nope"])
    with pytest.raises(InputError, match="no article files"):
        expand_paths([tmp_path])


def test_directory_expands_to_seed_files_sorted(tmp_path: Path):
    for name in ("b.txt", "a.md", "c.jsonl", "ignore.csv"):
        (tmp_path / name).write_text("x")
    assert [p.name for p in expand_paths([tmp_path])] == ["a.md", "b.txt", "c.jsonl"]
