"""Realistic input for benchmarks, soak runs and fault tests: the hand-written eval paragraphs
(positives and hard negatives, 150-1,200 characters) as articles under fresh ids."""

from __future__ import annotations

import json
from pathlib import Path

from stream.ingest.splitter import Article
from stream.models import Source

REPO = Path(__file__).resolve().parents[1]
EVAL_SETS = [REPO / "eval" / name for name in ("dev.jsonl", "challenge.jsonl", "heldout.jsonl", "heldout2.jsonl")]


def corpus(paragraphs: int, prefix: str = "fault") -> list[Article]:
    """Hand-written eval paragraphs (positives and hard negatives), four to an article, cycled
    with new article ids until ``paragraphs`` are made: distinct event ids, realistic text."""
    texts = [json.loads(line)["text"] for path in EVAL_SETS for line in path.read_text().splitlines() if line.strip()]
    articles, made = [], 0
    while made < paragraphs:
        n = min(4, paragraphs - made)
        chunk = [texts[(made + i) % len(texts)] for i in range(n)]
        articles.append(Article(article_id=f"{prefix}-{len(articles):05d}", title=f"Article {len(articles)}",
                                paragraphs=chunk, source=Source(name=f"outlet-{len(articles) % 7}")))
        made += n
    return articles
