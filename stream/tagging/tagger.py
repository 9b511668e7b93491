"""The tagger: scan once with the automaton, then evaluate only rules whose anchor terms hit.

A rule fires for an anchor hit when each ``near`` context has a hit within its window and no
``unless_near`` context has one. A category's score combines the weights of the distinct rules
that fired (``1 - prod(1 - w)``); the category is tagged when the score reaches its threshold.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from stream.models import Tag
from stream.tagging.actors import ActorIndex
from stream.tagging.hitindex import HitIndex, Reach, outermost
from stream.tagging.matcher import Document, Hit, Key, Matcher, gap
from stream.tagging.normalise import fold_term
from stream.tagging.rules_loader import RuleSet
from stream.tagging.rules_schema import ACTORS_LEXICON, CategoryFile, Context, Rule, expand
from stream.models import Evidence


MAX_EVIDENCE = 12


@dataclass(frozen=True)
class Firing:
    rule: Rule
    anchor: Hit
    support: tuple[Hit, ...]

    @property
    def hits(self) -> tuple[Hit, ...]:
        return (self.anchor, *self.support)


class _LazyIndex(dict[str, HitIndex]):
    """A lexicon's HitIndex, built the first time a rule asks for it (most lexicons never are)."""

    def __init__(self, hits: dict[str, list[Hit]]) -> None:
        super().__init__()
        self._hits = hits

    def get(self, name: str, default: HitIndex | None = None) -> HitIndex | None:  # type: ignore[override]
        if name not in self:
            hits = self._hits.get(name)
            if hits is None:
                return default
            self[name] = HitIndex(hits)
        return self[name]


def _context_hit(anchor: Hit, ctx: Context, index_of: dict[str, HitIndex]) -> Hit | None:
    """The nearest hit of the context's lexicons that satisfies window, direction and sentence.

    Only hits that can lie within ``ctx.window`` words are looked at (found by bisection), in
    the same order as a full scan, so ties still go to the first lexicon, then the first hit.
    """
    best: tuple[int, Hit] | None = None
    low, high = anchor.tok_first - ctx.window - 1, anchor.tok_last + ctx.window + 1
    for name in ctx.lexicons:
        index = index_of.get(name)
        if index is None:
            continue
        for hit in index.window(low, high):
            if anchor.start <= hit.start and hit.end <= anchor.end:
                continue  # part of the anchor phrase itself ("attack" in "attack drones")
            if ctx.same_sentence and hit.sentence != anchor.sentence:
                continue
            words, where = gap(anchor, hit)
            if words > ctx.window or (ctx.direction != "any" and where not in (ctx.direction, "overlap")):
                continue
            if best is None or words < best[0]:
                best = (words, hit)
    return best[1] if best else None


class _CategoryEngine:
    def __init__(self, cat: CategoryFile) -> None:
        self.category = cat.category
        self.threshold = cat.threshold
        self.rules_by_anchor: dict[str, list[Rule]] = defaultdict(list)
        for rule in cat.rules:
            for name in rule.match:
                self.rules_by_anchor[name].append(rule)

    def fire(self, doc: Document, lex_hits: dict[str, list[Hit]]) -> list[Firing]:
        excluded = doc.get("excl", self.category)
        if excluded:
            hidden = Reach((e.start, e.end) for e in excluded)
            lex_hits = {
                name: [h for h in hits if not hidden.overlaps(h.start, h.end)] for name, hits in lex_hits.items()
            }
        index_of = _LazyIndex(lex_hits)
        firings: list[Firing] = []
        seen: set[tuple[str, int, int]] = set()
        for name, hits in lex_hits.items():
            for rule in self.rules_by_anchor.get(name, ()):
                for anchor in hits:
                    sig = (rule.id, anchor.start, anchor.end)
                    if sig in seen:
                        continue
                    support: list[Hit] = []
                    for ctx in rule.near:
                        found = _context_hit(anchor, ctx, index_of)
                        if found is None:
                            break
                        support.append(found)
                    else:
                        if any(_context_hit(anchor, c, index_of) for c in rule.unless_near):
                            continue
                        seen.add(sig)
                        firings.append(Firing(rule, anchor, tuple(support)))
        return firings


class Tagger:
    """Tags paragraphs with the rules' categories; pure, thread-compatible, never raises on text."""

    def __init__(self, rules: RuleSet) -> None:
        self.version: str = rules.version
        self.rules = rules
        self._matcher = Matcher()
        for name, terms in rules.lexicons.items():
            for term in terms:
                self._matcher.add(term, Key("lex", name))
        for cat in rules.categories.values():
            for exc in cat.exclusions:
                for term in exc.terms:
                    for variant in expand(term):
                        self._matcher.add(fold_term(variant), Key("excl", cat.category))
        from stream.tagging.stance import StanceResolver  # local: keeps import graph simple

        self._stance = StanceResolver(rules.stance)
        self._stance.register(self._matcher)
        self._actors = ActorIndex(rules.gazetteer, rules.roles, rules.leaders)
        self._actors.register(self._matcher)
        self._matcher.build()
        self._engines = [_CategoryEngine(c) for c in rules.categories.values()]
        self._with_roles = {c.category for c in rules.categories.values() if c.roles}

    @property
    def categories(self) -> tuple[str, ...]:
        """The categories these rules tag, sorted (a category is a rules file: see rules_schema)."""
        return tuple(sorted(self.rules.categories))

    def tag(self, text: str) -> list[Tag]:
        """Pure: no I/O. An internal error propagates, so the caller can keep the paragraph
        (the worker dead-letters it as ``tagger_error``) instead of silently tagging nothing."""
        if not isinstance(text, str) or not text:
            return []
        return self._tag(text)

    def analyse(self, text: str) -> tuple[Document, dict[str, list[Firing]]]:
        """The scanned document and the rule firings per category (for debugging and eval)."""
        doc = self._matcher.scan(text)
        lex_hits = {key.name: hits for key, hits in doc.hits.items() if key.group == "lex"}
        lex_hits[ACTORS_LEXICON] = doc.of_group("actor")
        return doc, {e.category: e.fire(doc, lex_hits) for e in self._engines}

    def _tag(self, text: str) -> list[Tag]:
        doc, firings = self.analyse(text)
        tags: list[Tag] = []
        for engine in self._engines:
            fired = firings[engine.category]
            if not fired:
                continue
            weights = {f.rule.id: f.rule.weight for f in fired}
            remaining = 1.0
            for w in weights.values():
                remaining *= 1.0 - w
            score = round(min(1.0, 1.0 - remaining), 4)
            if score < engine.threshold:
                continue
            tags.append(self._make_tag(doc, engine.category, score, fired))
        return sorted(tags, key=lambda t: t.category)

    def _make_tag(self, doc: Document, category: str, score: float, fired: list[Firing]) -> Tag:
        best = min(fired, key=lambda f: (-f.rule.weight, f.anchor.start))
        stance, cue = self._stance.resolve_with_cue(doc, best.hits)
        spans: dict[tuple[int, int], str] = {}
        for f in sorted(fired, key=lambda f: (-f.rule.weight, f.anchor.start)):
            for hit in f.hits:
                spans.setdefault((hit.start, hit.end), f.rule.id)
        # Drop spans nested in a larger one ("arms" inside "arms sales"); rule_ids keeps every rule.
        outer = outermost(spans)
        kept = sorted((span, rule_id) for span, rule_id in spans.items() if span in outer)[:MAX_EVIDENCE]
        if cue is not None and self._stance.cue(cue.key.name).evidence:
            # Quote the words that deny or negate it ("denied", "has never sold"), kept in the cap.
            span = (cue.start, cue.end)
            if all(s != span for s, _ in kept):
                kept = sorted([*kept[: MAX_EVIDENCE - 1], (span, cue.key.name)])
        evidence = []
        for (start, end), rule_id in kept:
            o_start, o_end = doc.norm.span(start, end)
            evidence.append(Evidence(start=o_start, end=o_end, text=doc.norm.original[o_start:o_end], rule_id=rule_id))
        rule_ids = list(dict.fromkeys(f.rule.id for f in sorted(fired, key=lambda f: f.anchor.start)))
        sentences = {h.sentence for f in fired for h in f.hits}
        actors = self._actors.actors(doc, sentences, with_roles=category in self._with_roles)
        return Tag(
            category=category,  # type: ignore[arg-type]
            score=score,
            stance=stance,
            evidence=evidence,
            actors=actors,
            rule_ids=rule_ids,
        )
