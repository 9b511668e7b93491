"""Read articles from seed files: plain text, Markdown and JSON Lines.

- ``.txt``/``.md``: the title is the first Markdown heading, else the first line; the rest is
  split into paragraphs on blank lines. The article id is the file's stem.
- ``.jsonl``: one article per line with ``id``, ``title``, ``text`` and optional ``source``,
  ``url``, ``published_at``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stream.errors import InputError
from stream.ingest.splitter import Article, split_paragraphs
from stream.models import Source

SUFFIXES = (".txt", ".md", ".jsonl")


class JsonArticle(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str = Field(min_length=1)
    title: str | None = None
    text: str = Field(min_length=1)
    source: str | None = None
    url: str | None = None
    published_at: datetime | None = None


def read_text_article(path: Path) -> Article:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    lines = raw.strip().splitlines()
    if not lines:
        raise InputError(f"{path}: the file is empty")
    heading = next((i for i, line in enumerate(lines) if line.startswith("# ")), None)
    if heading is not None:
        title = lines[heading][2:].strip()
        body = "\n".join(lines[:heading] + lines[heading + 1 :])
        paragraphs = split_paragraphs(body)
    else:
        paragraphs = split_paragraphs(raw)
        # A short first line standing alone is a title; a long one is the first paragraph.
        first = lines[0].strip()
        is_title = len(lines) > 1 and not lines[1].strip() and len(first) <= 200 and len(paragraphs) > 1
        title = first if is_title else None
        if is_title:
            paragraphs = paragraphs[1:]
    if not paragraphs:
        raise InputError(f"{path}: no paragraphs found")
    return Article(article_id=path.stem, title=title, paragraphs=paragraphs, source=Source(name=path.name))


def read_jsonl_articles(path: Path) -> Iterator[Article]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = JsonArticle.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError) as exc:
            detail = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else exc.msg
            raise InputError(f"{path}:{number}: not a valid article: {detail}") from None
        paragraphs = split_paragraphs(item.text)
        if not paragraphs:
            raise InputError(f"{path}:{number}: article {item.id!r} has no paragraphs")
        yield Article(
            article_id=item.id,
            title=item.title,
            paragraphs=paragraphs,
            source=Source(name=item.source or path.name, url=item.url),
            published_at=item.published_at,
        )


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, directories expanded to their seed files (sorted, non-recursive)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in SUFFIXES and p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"{path}: no such file or directory")
    if not files:
        raise InputError("no article files (.txt, .md, .jsonl) found in " + ", ".join(map(str, paths)))
    return files


def read_articles(paths: Iterable[Path]) -> Iterator[Article]:
    for path in expand_paths(paths):
        if path.suffix == ".jsonl":
            yield from read_jsonl_articles(path)
        else:
            yield read_text_article(path)
