"""The tagger: scan once with the automaton, then evaluate only rules whose anchor terms hit.

A rule fires for an anchor hit when each ``near`` context has a hit within its window and no
``unless_near`` context has one. A category's score combines the weights of the distinct rules
that fired (``1 - prod(1 - w)``); the category is tagged when the score reaches its threshold.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter

from stream.models import Tag
from stream.tagging.actors import ActorIndex
from stream.tagging.hitindex import HitIndex, Reach, outermost
from stream.tagging.matcher import Document, Hit, Key, Matcher
from stream.tagging.normalise import fold_term, normalise
from stream.tagging.rules_loader import RuleSet
from stream.tagging.rules_schema import ACTORS_LEXICON, CategoryFile, Context, Rule, expand
from stream.models import Evidence


MAX_EVIDENCE = 12


@dataclass(frozen=True)
class Firing:
    rule: Rule
    anchor: Hit
    support: tuple[Hit, ...]

    @cached_property
    def hits(self) -> tuple[Hit, ...]:
        return (self.anchor, *self.support)


class _LazyIndex(dict[str, "HitIndex | None"]):
    """A lexicon's HitIndex, built the first time a rule asks for it (most lexicons never are);
    ``index_of[name]`` is None for a lexicon without hits."""

    def __init__(self, hits: dict[str, list[Hit]]) -> None:
        super().__init__()
        self._hits = hits

    def __missing__(self, name: str) -> HitIndex | None:
        hits = self._hits.get(name)
        index = self[name] = None if hits is None else HitIndex(hits)
        return index

    def get(self, name: str, default: HitIndex | None = None) -> HitIndex | None:  # type: ignore[override]
        index = self[name]
        return default if index is None else index


# A context, read once from the rule: (lexicons, window, direction, same_sentence).
_Ctx = tuple[tuple[str, ...], int, str, bool]


def _compile(ctx: Context) -> _Ctx:
    return tuple(ctx.lexicons), ctx.window, ctx.direction, ctx.same_sentence


def _context_hit(anchor: Hit, ctx: Context, index_of: dict[str, HitIndex]) -> Hit | None:
    """The nearest hit of the context's lexicons that satisfies window, direction and sentence.

    Only hits that can lie within ``ctx.window`` words are looked at (found by bisection), in
    the same order as a full scan, so ties still go to the first lexicon, then the first hit.
    """
    if not isinstance(index_of, _LazyIndex):
        index_of = _Indexes(index_of)
    return _nearest(anchor, _compile(ctx), index_of, False)  # type: ignore[arg-type]


class _Indexes(dict[str, "HitIndex | None"]):
    """A plain name -> HitIndex mapping read like _LazyIndex (None when absent)."""

    def __missing__(self, name: str) -> None:
        return None


def _nearest(anchor: Hit, ctx: _Ctx, index_of: _LazyIndex, any_hit: bool) -> Hit | None:
    """``_context_hit`` with the context compiled; ``any_hit``: the first qualifying hit will do
    (for ``unless_near``, where only whether there is one matters)."""
    lexicons, window, direction, same_sentence = ctx
    _, a_start, a_end, a_first, a_last, a_sentence = anchor
    low, high = a_first - window - 1, a_last + window + 1
    best: Hit | None = None
    best_words = 0
    for name in lexicons:
        index = index_of[name]
        if index is None:
            continue
        firsts, hits = index._firsts, index.hits
        for i in range(bisect_left(firsts, low - index._reach), bisect_right(firsts, high)):
            hit = hits[i]
            _, start, end, first, last, sentence = hit
            if a_start <= start and end <= a_end:
                continue  # part of the anchor phrase itself ("attack" in "attack drones")
            if same_sentence and sentence != a_sentence:
                continue
            # gap(anchor, hit), inline
            if first > a_last:
                words, where = first - a_last - 1, "after"
            elif a_first > last:
                words, where = a_first - last - 1, "before"
            else:
                words, where = 0, "overlap"
            if words > window or (direction != "any" and where != direction and where != "overlap"):
                continue
            if best is None or words < best_words:
                if any_hit:
                    return hit
                best, best_words = hit, words
    return best


class _CategoryEngine:
    def __init__(self, cat: CategoryFile) -> None:
        self.category = cat.category
        self.threshold = cat.threshold
        self.rules_by_anchor: dict[str, list[Rule]] = defaultdict(list)
        for rule in cat.rules:
            for name in rule.match:
                self.rules_by_anchor[name].append(rule)
        # The same, with each rule's contexts compiled: (rule, near, lexicon sets of near, unless_near).
        self._compiled: dict[str, list[tuple[Rule, tuple[_Ctx, ...], tuple[frozenset[str], ...], tuple[_Ctx, ...]]]] = {
            name: [(r, tuple(map(_compile, r.near)), tuple(frozenset(c.lexicons) for c in r.near),
                    tuple(map(_compile, r.unless_near))) for r in rules]
            for name, rules in self.rules_by_anchor.items()
        }
        self._excl_key = Key("excl", self.category)

    def fire(self, doc: Document, lex_hits: dict[str, list[Hit]], shared: _LazyIndex | None = None) -> list[Firing]:
        """The rules that fire; ``shared``: a _LazyIndex of ``lex_hits`` other engines may use too."""
        excluded = doc.of_key(self._excl_key)
        if excluded:
            hidden = Reach((e.start, e.end) for e in excluded)
            lex_hits = {
                name: [h for h in hits if not hidden.overlaps(h.start, h.end)] for name, hits in lex_hits.items()
            }
            shared = None  # filtered hits: an index of our own
        index_of = _LazyIndex(lex_hits) if shared is None else shared
        firings: list[Firing] = []
        seen: set[tuple[str, int, int]] = set()
        compiled = self._compiled
        with_hits = {name for name, hits in lex_hits.items() if hits}
        for name, hits in lex_hits.items():
            rules = compiled.get(name)
            if rules is None or not hits:
                continue
            for rule, near, near_sets, unless_near in rules:
                if any(map(with_hits.isdisjoint, near_sets)):
                    continue  # a context none of whose lexicons has a hit: no anchor can fire
                rule_id = rule.id
                for anchor in hits:
                    sig = (rule_id, anchor.start, anchor.end)
                    if sig in seen:
                        continue
                    support: list[Hit] = []
                    for ctx in near:
                        found = _nearest(anchor, ctx, index_of, False)
                        if found is None:
                            break
                        support.append(found)
                    else:
                        if any(_nearest(anchor, c, index_of, True) for c in unless_near):
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
        # For each anchor lexicon, the lexicon sets of its rules' near contexts (all categories):
        # a paragraph where no rule has an anchor hit and a hit for every near context fires nothing.
        self._near_by_anchor: dict[str, list[tuple[frozenset[str], ...]]] = defaultdict(list)
        for cat in rules.categories.values():
            for rule in cat.rules:
                for name in rule.match:
                    self._near_by_anchor[name].append(tuple(frozenset(c.lexicons) for c in rule.near))

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
        return doc, self._fire(doc)

    def _fire(self, doc: Document) -> dict[str, list[Firing]]:
        lex_hits = doc.named("lex")
        lex_hits[ACTORS_LEXICON] = doc.of_group("actor")
        shared = _LazyIndex(lex_hits)  # built lexicon by lexicon, once for all engines
        return {e.category: e.fire(doc, lex_hits, shared) for e in self._engines}

    def _may_fire(self, raw: list[tuple[int, int, int, Key]]) -> bool:
        """Whether some rule has an anchor hit and a hit of some lexicon of each near context
        (windows, sentences and exclusions aside): when not, no rule fires."""
        keys = set(map(itemgetter(3), raw))
        names = {name for group, name in keys if group == "lex"}
        names.discard(ACTORS_LEXICON)  # that name stands for the actor hits (see analyse)
        if any(group == "actor" for group, _ in keys):
            names.add(ACTORS_LEXICON)
        near_by_anchor = self._near_by_anchor
        for name in names:
            for near_sets in near_by_anchor.get(name, ()):
                if not any(map(names.isdisjoint, near_sets)):
                    return True
        return False

    def _tag(self, text: str) -> list[Tag]:
        norm = normalise(text)
        raw = self._matcher.find(norm)
        if not self._may_fire(raw):
            return []  # the common case on a news stream: no Document, no rule evaluation
        doc = self._matcher.document(norm, raw)
        firings = self._fire(doc)
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
