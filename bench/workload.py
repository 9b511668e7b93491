"""The benchmark's input: realistic paragraph events, varied, with many distinct stories.

Text: the hand-written eval paragraphs of :func:`bench.corpus.corpus` (positives and hard
negatives). One eval paragraph is 113-407 characters, so a benchmark paragraph joins one to five
consecutive ones (chosen by a seeded RNG) to reach 150-1,200 characters; each pass over the eval
texts starts at a different offset, so the same pair rarely meets twice and the mix of lengths,
positives and negatives varies along the stream. Events are made with
``stream.ingest.splitter.article_events`` (deterministic event ids), four paragraphs to an
article, seven outlets.

Stories: the alert policy keys a story by category and actors and raises one alert per story per
tumbling window of *event time* (``published_at``). Replaying the same texts on one day would
therefore raise each story's alert once and suppress every repeat. So each pass over the eval
texts is published as a new day's news: ``published_at`` is a day later for every pass (days in
the past, so the policy's one-day-ahead guard never applies). A pass is about 290 paragraphs; the
policy keeps three windows per story, so a mention is only "late" (not counted) when it is
processed more than two passes (~600 paragraphs) after a later one of the same story (the worker
counts those; the harness reports them). ``passes_per_day`` > 1 puts several passes in one day:
fewer alerts, more suppressed repeats.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from bench.corpus import EVAL_SETS, corpus
from stream.ingest.splitter import Article, article_events
from stream.models import ParagraphEvent, Source

MIN_CHARS, MAX_CHARS = 150, 1_200
JOIN_WEIGHTS = {1: 45, 2: 30, 3: 15, 4: 7, 5: 3}  # eval paragraphs per benchmark paragraph
PER_ARTICLE = 4
OUTLETS = 7


def eval_texts() -> list[str]:
    """Every hand-written eval paragraph, once, in corpus order."""
    count = sum(1 for path in EVAL_SETS for line in path.read_text().splitlines() if line.strip())
    return [text for article in corpus(count, "texts") for text in article.paragraphs]


class Workload:
    """An endless, deterministic stream of ParagraphEvents; ``take(n)`` continues where the
    last call stopped (so later phases keep getting new articles and later days)."""

    def __init__(self, prefix: str = "bench", seed: int = 10, first_day: datetime | None = None,
                 passes_per_day: int = 1) -> None:
        self.passes_per_day = max(1, passes_per_day)
        self.texts = eval_texts()
        self.rng = random.Random(seed)
        self.prefix = prefix
        today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        self.first_day = first_day or today - timedelta(days=2_000)
        self._events = self._generate()

    def _paragraphs(self) -> Iterator[tuple[int, str]]:
        """(pass number, text) forever."""
        n, weights = list(JOIN_WEIGHTS), list(JOIN_WEIGHTS.values())
        count = len(self.texts)
        for round_no in range(10**9):
            i = self.rng.randrange(count)  # a new offset each pass: new neighbours, new joins
            end = i + count
            while i < end:
                k = self.rng.choices(n, weights)[0]
                parts = []
                while i < end and (len(parts) < k or sum(map(len, parts)) + len(parts) < MIN_CHARS):
                    parts.append(self.texts[i % count])
                    i += 1
                text = " ".join(parts)
                while len(text) > MAX_CHARS and len(parts) > 1:
                    parts.pop()
                    text = " ".join(parts)
                if len(text) >= MIN_CHARS:
                    yield round_no, text[:MAX_CHARS]

    def _generate(self) -> Iterator[ParagraphEvent]:
        article_no, batch, batch_round = 0, [], 0
        for round_no, text in self._paragraphs():
            if batch and (len(batch) == PER_ARTICLE or round_no != batch_round):
                yield from self._article(article_no, batch, batch_round)
                article_no, batch = article_no + 1, []
            batch_round = round_no
            batch.append(text)

    def _article(self, number: int, paragraphs: list[str], round_no: int) -> list[ParagraphEvent]:
        article = Article(article_id=f"{self.prefix}-{number:06d}", title=f"Article {number}", paragraphs=paragraphs,
                          source=Source(name=f"outlet-{number % OUTLETS}"))
        published = self.first_day + timedelta(days=round_no // self.passes_per_day, hours=number % 24)
        return article_events(replace(article, published_at=published))

    def take(self, n: int) -> list[ParagraphEvent]:
        return [next(self._events) for _ in range(n)]
