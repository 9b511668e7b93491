"""Tagger cost: against a one-regex-per-term baseline, as rules grow, and as text grows.

``figures(texts)`` gives the harness's tagger section (``python -m bench``): paragraphs/s of the
full tagger (median of passes) over the benchmark's realistic paragraphs; the same per paragraph
against two baselines that only *find* the lexicon terms (no rules, no stance, no actors): a
loop of one compiled regex per term, and one big alternation regex of every term; and the
tagger's time at 10,000 lexicon terms over its time at 100: on the first benchmark paragraphs
whose lexicon hits are at most 100 distinct terms, the lexicons are cut to exactly those terms
plus one never-matching term in each lexicon left empty (a lexicon needs one term, so with the
~120 lexicons of the packaged rules the small set is ~200 terms, not 100: the count is reported),
then padded with never-matching terms to 10,000; both tag the sample exactly as the full
rules do (checked), so only the size of the automaton differs. ``python -m bench.tagger_bench`` prints the
older, more detailed tables below.

Figures are ratios within one run (these machines are noisy): the automaton's cost should stay
flat as the number of rules grows, while the per-term baseline grows with it; and cost per
character should stay flat as paragraphs get longer, including hit-dense ones where every
few words match a lexicon (rule evaluation must not scan every hit for every anchor hit).
"""

from __future__ import annotations

import gc
import json
import re
import shutil
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

from stream.tagging import DEFAULT_RULES_DIR, Tagger, load_tagger
from stream.tagging.rules_loader import load_rules

REPO = Path(__file__).resolve().parents[1]
DEV_SET = REPO / "eval" / "dev.jsonl"
EVAL_SETS = sorted((REPO / "eval").glob("*.jsonl"))
TARGET_TERMS = (100, 10_000)  # extra lexicon terms: time at 10,000 should stay <= 1.5x time at 100
EXTRA_TERMS = (0, 2_000, 8_000)
LENGTH_FACTORS = (1, 4, 16)
HIT_DENSE_SENTENCE = "Russia supplied artillery shells and drones to North Korea despite UN sanctions. "
HIT_DENSE_CHARS = 2_500  # x1; x16 is 40k characters, twice STREAM_MAX_PARAGRAPH_CHARS' default
REPEATS = 5
SMALL_TERMS, BIG_TERMS = 100, 10_000  # lexicon terms; the small set can't go below one per lexicon


def paragraphs() -> list[str]:
    return [json.loads(line)["text"] for line in DEV_SET.read_text().splitlines() if line.strip()]


def eval_paragraphs() -> list[str]:
    """Every paragraph of every eval set (realistic text, positives and hard negatives)."""
    return [json.loads(line)["text"] for path in EVAL_SETS for line in path.read_text().splitlines() if line.strip()]


def best_of(fn: Callable[[], object], repeats: int = REPEATS) -> float:
    """Fastest of several runs: the least noisy estimate of the work itself."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


class PerTermRegexBaseline:
    """What the automaton replaces: one compiled regex per term, each run over the text."""

    def __init__(self, terms: list[str]) -> None:
        self.patterns = [re.compile(rf"(?<!\w){re.escape(t)}(?!\w)") for t in terms]

    def scan(self, text: str) -> int:
        lowered = text.lower()
        return sum(1 for p in self.patterns if p.search(lowered))

    def scan_all(self, text: str) -> int:
        """Every hit of every term (what the tagger needs), not only whether each term occurs."""
        lowered = text.lower()
        return sum(len(p.findall(lowered)) for p in self.patterns)


class AlternationBaseline:
    """One regex: an alternation of every term (longest first), run once over the text."""

    def __init__(self, terms: list[str]) -> None:
        alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
        self.pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")

    def scan(self, text: str) -> int:
        return len(self.pattern.findall(text.lower()))


def matcher_terms(tagger: Tagger) -> list[str]:
    """Every term the tagger's automata hold (lexicons, exclusions, stance, actors, roles), folded."""
    return sorted(tagger._matcher._entries)


def bench_targets(texts: list[str]) -> Table:
    """The issue's figures: paragraphs/s on realistic paragraphs, against a per-term regex loop
    and one big alternation over the same terms, and the cost of 10,000 vs 100 extra terms."""
    tagger = load_tagger()
    terms = matcher_terms(tagger)
    loop, alternation = PerTermRegexBaseline(terms), AlternationBaseline(terms)
    t_tag = best_of(lambda: [tagger.tag(t) for t in texts], repeats=7)
    t_loop = best_of(lambda: [loop.scan_all(t) for t in texts], repeats=2)
    t_alt = best_of(lambda: [alternation.scan(t) for t in texts], repeats=3)
    per_terms = {}
    with tempfile.TemporaryDirectory() as tmp:
        for extra in TARGET_TERMS:
            grown = load_tagger(rules_with_extra_terms(extra, Path(tmp) / f"rules-{extra}"))
            per_terms[extra] = best_of(lambda: [grown.tag(t) for t in texts], repeats=7)
    table = Table(title=f"targets ({len(texts)} eval paragraphs, {len(terms)} terms, best of 7)")
    for col in ("figure", "value", "target"):
        table.add_column(col, justify="right")
    table.add_row("tagger paragraphs/s", f"{len(texts) / t_tag:,.0f}", ">= 3x before")
    table.add_row("tagger us / paragraph", f"{t_tag / len(texts) * 1e6:.1f}", "")
    table.add_row("vs_regex_loop (x faster)", f"{t_loop / t_tag:.1f}", ">= 5")
    table.add_row("vs_alternation (x faster)", f"{t_alt / t_tag:.1f}", "")
    table.add_row(f"time {TARGET_TERMS[1]:,} / {TARGET_TERMS[0]} extra terms",
                  f"{per_terms[TARGET_TERMS[1]] / per_terms[TARGET_TERMS[0]]:.2f}", "<= 1.5")
    return table


def rules_with_extra_terms(extra: int, into: Path) -> Path:
    """A copy of the packaged rules with ``extra`` never-matching terms in one lexicon."""
    shutil.copytree(DEFAULT_RULES_DIR, into)
    path = into / "arms_trade.yaml"
    doc = yaml.safe_load(path.read_text())
    first = next(iter(doc["lexicons"]))
    doc["lexicons"][first]["terms"] += [f"qzv{i} xlorp{i % 97} item" for i in range(extra)]
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    return into


def load_measured(rules_dir: Path) -> tuple[Tagger, float]:
    """Load a tagger and return the peak Python-heap memory the load took, in MiB
    (tracemalloc sees pyahocorasick's allocations too: it allocates through PyMem)."""
    tracemalloc.start()
    try:
        tagger = load_tagger(rules_dir)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return tagger, peak / 2**20


def bench_rule_growth(texts: list[str]) -> Table:
    table = Table(title=f"cost vs number of rules ({len(texts)} dev paragraphs, best of {REPEATS})")
    for col in ("extra terms", "terms", "load MiB", "tagger ms", "tagger x", "per-term regex ms", "regex x"):
        table.add_column(col, justify="right")
    base_tagger = base_regex = None
    with tempfile.TemporaryDirectory() as tmp:
        for extra in EXTRA_TERMS:
            rules_dir = rules_with_extra_terms(extra, Path(tmp) / f"rules-{extra}")
            tagger, load_mib = load_measured(rules_dir)
            terms = sorted({t for ts in load_rules(rules_dir).lexicons.values() for t in ts})
            regex = PerTermRegexBaseline(terms)
            t_tag = best_of(lambda: [tagger.tag(t) for t in texts])
            t_re = best_of(lambda: [regex.scan(t) for t in texts], repeats=2)
            base_tagger, base_regex = base_tagger or t_tag, base_regex or t_re
            table.add_row(str(extra), str(len(terms)), f"{load_mib:.1f}", f"{t_tag * 1e3:.1f}", f"{t_tag / base_tagger:.2f}",
                          f"{t_re * 1e3:.1f}", f"{t_re / base_regex:.2f}")
    return table


def bench_text_length(texts: list[str]) -> Table:
    tagger = load_tagger()
    table = Table(title="cost vs text length (same paragraphs, repeated within one text)")
    for col in ("length x", "chars", "ms", "us / 1k chars", "vs x1"):
        table.add_column(col, justify="right")
    base = None
    for factor in LENGTH_FACTORS:
        long_texts = [" ".join([t] * factor) for t in texts]
        chars = sum(map(len, long_texts))
        elapsed = best_of(lambda: [tagger.tag(t) for t in long_texts], repeats=3)
        per_k = elapsed / chars * 1e9
        base = base or per_k
        table.add_row(str(factor), str(chars), f"{elapsed * 1e3:.1f}", f"{per_k:.1f}", f"{per_k / base:.2f}")
    return table


def hit_dense_text(chars: int) -> str:
    """A paragraph of ``chars`` characters where nearly every other word is a lexicon hit."""
    return (HIT_DENSE_SENTENCE * (chars // len(HIT_DENSE_SENTENCE) + 1))[:chars]


def bench_hit_density() -> Table:
    tagger = load_tagger()
    table = Table(title="hit density: cost vs length of a hit-dense paragraph (should stay flat)")
    for col in ("length x", "chars", "hits", "ms", "us / 1k chars", "vs x1"):
        table.add_column(col, justify="right")
    base = None
    for factor in LENGTH_FACTORS:
        text = hit_dense_text(HIT_DENSE_CHARS * factor)
        doc, _ = tagger.analyse(text)
        hits = sum(len(h) for h in doc.hits.values())
        elapsed = best_of(lambda: tagger.tag(text), repeats=3)
        per_k = elapsed / len(text) * 1e9
        base = base or per_k
        table.add_row(str(factor), str(len(text)), str(hits), f"{elapsed * 1e3:.1f}", f"{per_k:.1f}",
                      f"{per_k / base:.2f}")
    return table


def bench_throughput(texts: list[str]) -> str:
    tagger = load_tagger()
    runs = [best_of(lambda: [tagger.tag(t) for t in texts], repeats=1) for _ in range(REPEATS)]
    per_paragraph = statistics.median(runs) / len(texts)
    return (f"tagger: {1 / per_paragraph:,.0f} paragraphs/s, {per_paragraph * 1e6:.0f} us per paragraph "
            f"(median of {REPEATS} passes over {len(texts)} dev paragraphs, rules {tagger.version})")


def lexicon_terms(rules_dir: Path = DEFAULT_RULES_DIR) -> list[str]:
    return sorted({t for ts in load_rules(rules_dir).lexicons.values() for t in ts})


def _lexicon_files(rules_dir: Path):
    for path in sorted(rules_dir.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        if isinstance(doc, dict) and isinstance(doc.get("lexicons"), dict):
            yield path, doc


def lexicon_hits(text: str, tagger: Tagger) -> set[str]:
    """The (folded, lower-case) lexicon terms ``tagger`` hits in ``text`` (its internals:
    ``analyse`` and ``Document.hits``)."""
    doc, _ = tagger.analyse(text)
    return {doc.norm.text[h.start:h.end] for key, hits in doc.hits.items() if key.group == "lex" for h in hits}


def texts_hitting_at_most(texts: list[str], limit: int) -> tuple[list[str], set[str]]:
    """The longest prefix of ``texts`` whose lexicon hits are at most ``limit`` distinct terms."""
    tagger, found, chosen = load_tagger(), set(), []
    for text in texts:
        more = found | lexicon_hits(text, tagger)
        if len(more) > limit and chosen:
            break
        chosen.append(text)
        found = more
    return chosen, found


def rules_with_terms(hits: set[str], into: Path) -> Path:
    """A copy of the packaged rules whose lexicons keep only the (brace-expanded) terms in
    ``hits``; a lexicon left empty gets one never-matching term (a lexicon needs one to load).
    On texts whose hits are all in ``hits`` it tags exactly as the full rules do."""
    from stream.tagging.normalise import fold_term
    from stream.tagging.rules_schema import expand

    shutil.copytree(DEFAULT_RULES_DIR, into)
    for path, doc in _lexicon_files(into):
        for name, lexicon in doc["lexicons"].items():
            kept = [v for t in lexicon["terms"] for v in expand(t) if fold_term(v).lower() in hits]
            lexicon["terms"] = list(dict.fromkeys(kept)) or [f"qzvempty {name.replace('_', ' ')} xlorp"]
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    return into


def pad_rules_to(rules_dir: Path, total_terms: int) -> Path:
    """Add never-matching terms to one lexicon of ``rules_dir`` until its lexicons hold
    ``total_terms`` (folded) terms."""
    missing = total_terms - sum(len(ts) for ts in load_rules(rules_dir).lexicons.values())
    if missing > 0:
        path = rules_dir / "arms_trade.yaml"
        doc = yaml.safe_load(path.read_text())
        first = next(iter(doc["lexicons"]))
        doc["lexicons"][first]["terms"] += [f"qzv{i} xlorp{i % 97} item" for i in range(missing)]
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    return rules_dir


def _per_paragraph(fn: Callable[[str], object], texts: list[str], budget_s: float) -> float:
    """Seconds per paragraph of ``fn``, over as many of ``texts`` as fit in about ``budget_s``
    (the slow baselines would otherwise take minutes)."""
    started, done = time.perf_counter(), 0
    for text in texts:
        fn(text)
        done += 1
        if time.perf_counter() - started > budget_s:
            break
    return (time.perf_counter() - started) / done


def figures(texts: list[str], passes: int = 5, baseline_budget_s: float = 4.0) -> dict:
    """The tagger section of ``bench/results.json`` (see the module docstring)."""
    tagger = load_tagger()
    tagger.tag(texts[0])
    gc.collect()
    runs = [best_of(lambda: [tagger.tag(t) for t in texts], repeats=1) for _ in range(passes)]
    tag_s = statistics.median(runs) / len(texts)
    terms = lexicon_terms()
    regex_s = _per_paragraph(PerTermRegexBaseline(terms).scan, texts, baseline_budget_s)
    alternation = AlternationBaseline(terms)
    alt_s = _per_paragraph(alternation.scan, texts, baseline_budget_s)
    sample, hits = texts_hitting_at_most(texts, SMALL_TERMS)
    sample = (sample * (len(texts) // len(sample) + 1))[:max(len(texts), 200)]  # as long to time
    with tempfile.TemporaryDirectory() as tmp:
        small_dir = pad_rules_to(rules_with_terms(hits, Path(tmp) / "small"), SMALL_TERMS)
        small_terms = sum(len(ts) for ts in load_rules(small_dir).lexicons.values())
        big_dir = pad_rules_to(shutil.copytree(small_dir, Path(tmp) / "big"), BIG_TERMS)
        big_terms = sum(len(ts) for ts in load_rules(big_dir).lexicons.values())
        small, big = load_tagger(small_dir), load_tagger(big_dir)
        same = [small.tag(t) for t in sample] == [big.tag(t) for t in sample] == [tagger.tag(t) for t in sample]
        t_small, t_big = float("inf"), float("inf")
        for _ in range(passes):  # interleaved, after a collection: the same conditions for both
            gc.collect()
            t_small = min(t_small, best_of(lambda: [small.tag(t) for t in sample], repeats=1))
            gc.collect()
            t_big = min(t_big, best_of(lambda: [big.tag(t) for t in sample], repeats=1))
    return {
        "paragraphs_per_s": 1 / tag_s,
        "us_per_paragraph": tag_s * 1e6,
        "paragraphs": len(texts),
        "mean_chars": sum(map(len, texts)) / len(texts),
        "lexicon_terms": len(terms),
        "regex_loop_paragraphs_per_s": 1 / regex_s,
        "alternation_paragraphs_per_s": 1 / alt_s,
        "vs_regex_loop": regex_s / tag_s,
        "vs_alternation": alt_s / tag_s,
        "rules_10k_over_100": t_big / t_small,
        "rules_small_terms": small_terms,
        "rules_big_terms": big_terms,
        "rules_sample_paragraphs": len(set(sample)),
        "rules_small_big_tag_identically": same,
        "rules_version": tagger.version,
    }


def main() -> None:
    console = Console()
    texts = paragraphs()
    console.print(bench_throughput(texts))
    console.print(bench_targets(eval_paragraphs()))
    console.print(bench_rule_growth(texts))
    console.print(bench_text_length(texts))
    console.print(bench_hit_density())


if __name__ == "__main__":
    main()
