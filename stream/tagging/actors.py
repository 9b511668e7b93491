"""Actors: countries (by name, demonym, capital or leader -> ISO 3166 alpha-2) and organisations.

Roles come from the sentence shape around transfer words (see ``roles.yaml``):
``X supplied ... to Y`` / ``supplying Y with`` (X supplier, Y recipient), ``Y bought ... from X``,
``supply from X to Y`` and passive ``sold by X``. Everything else is a ``party``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable

from stream.models import Actor, ActorRole
from stream.tagging.hitindex import Reach, tokens_between
from stream.tagging.matcher import Document, Hit, Key, Matcher
from stream.tagging.normalise import fold_term
from stream.tagging.rules_schema import GazetteerFile, RolesFile, expand

_SUBJECT_WINDOW = 10  # words between a subject and its verb
_PREP_WINDOW = 2  # words between a preposition and its actor ("to a Russian port")


class ActorIndex:
    def __init__(self, gazetteer: GazetteerFile, roles: RolesFile) -> None:
        self._names: dict[str, tuple[str, str, str | None]] = {}  # key -> (name, kind, code)
        self._terms: list[tuple[str, Key]] = []
        for c in gazetteer.countries:
            self._names[c.code] = (c.name, "country", c.code)
            for t in (c.name, *c.aliases, *c.demonyms, *c.capitals, *c.leaders):
                self._terms.append((t, Key("actor", c.code)))
        for o in gazetteer.organisations:
            self._names["org:" + o.id] = (o.name, o.kind, None)
            for t in (o.name, *o.aliases):
                self._terms.append((t, Key("actor", "org:" + o.id)))
        groups = {
            "out": roles.outgoing, "in": roles.incoming, "src": roles.source_preps,
            "tgt": roles.target_preps, "agent": roles.agent_preps, "skip": roles.skip_before,
        }
        for name, terms in groups.items():
            self._terms.extend((t, Key("role", name)) for t in terms)

    def register(self, matcher: Matcher) -> None:
        for term, key in self._terms:
            for variant in expand(term):
                folded = fold_term(variant)
                if folded:
                    matcher.add(folded, key)

    @staticmethod
    def _mentions(doc: Document) -> list[Hit]:
        """Actor hits, longest first at each position, without overlaps."""
        kept: list[Hit] = []
        for hit in doc.of_group("actor"):
            if kept and hit.start < kept[-1].end:
                continue
            kept.append(hit)
        return kept

    def actors(self, doc: Document, sentences: set[int] | None, with_roles: bool) -> list[Actor]:
        mentions = [m for m in self._mentions(doc) if sentences is None or m.sentence in sentences]
        roles: dict[str, ActorRole] = {}
        if with_roles:
            # Group once (list order kept) rather than filtering every hit for every sentence.
            by_sentence: dict[int, list[Hit]] = defaultdict(list)
            for m in mentions:
                by_sentence[m.sentence].append(m)
            cues_by_sentence: dict[int, list[Hit]] = defaultdict(list)
            for cue in doc.of_group("role"):
                if cue.sentence in by_sentence:
                    cues_by_sentence[cue.sentence].append(cue)
            for sentence in sorted(by_sentence):
                for key, role in self._roles(cues_by_sentence.get(sentence, []), by_sentence[sentence]):
                    roles.setdefault(key, role)
        out: list[Actor] = []
        seen: set[str] = set()
        for m in mentions:
            key = m.key.name
            if key in seen:
                continue
            seen.add(key)
            name, kind, code = self._names[key]
            out.append(Actor(name=name, kind=kind, code=code, role=roles.get(key, "party")))  # type: ignore[arg-type]
        return out

    @staticmethod
    def _roles(cues: list[Hit], mentions: list[Hit]) -> Iterable[tuple[str, ActorRole]]:
        """Roles from one sentence's role cues and (non-overlapping, ordered) actor mentions.

        Mentions do not overlap, so their first and last tokens both rise along the list and
        every lookup below is a bisection over the sentence rather than a scan of it.
        """
        verbs = [h for h in cues if h.key.name in ("out", "in")]
        if not verbs:
            return
        skip_hits = [h for h in cues if h.key.name == "skip"]
        skips = {h.tok_last for h in skip_hits}
        # A preposition inside a longer skip phrase ("according to") is not a role preposition.
        skip_reach = Reach((k.start, k.end) for k in skip_hits)
        preps = [
            h for h in cues if h.key.name in ("src", "tgt", "agent") and not skip_reach.covers(h.start, h.end)
        ]
        prep_lasts = {p.tok_last for p in preps}
        blockers = sorted(skips | prep_lasts)
        verb_firsts = [v.tok_first for v in verbs]
        m_firsts = [m.tok_first for m in mentions]
        m_lasts = [m.tok_last for m in mentions]

        def after(tok: int, window: int) -> Hit | None:
            """The first mention starting within ``window`` words after token ``tok``."""
            i = bisect_right(m_firsts, tok)
            return mentions[i] if i < len(mentions) and m_firsts[i] <= tok + 1 + window else None

        def verb_before(tok: int) -> Hit | None:
            """The last verb (in list order) ending before token ``tok``."""
            for i in range(bisect_left(verb_firsts, tok) - 1, -1, -1):
                if verbs[i].tok_last < tok:
                    return verbs[i]
            return None

        # Prepositions after a transfer word: "from X" supplies, "to Y" receives, "by X" is the agent.
        for prep in preps:
            verb = verb_before(prep.tok_first)
            target = after(prep.tok_last, _PREP_WINDOW)
            if verb is None or target is None or prep.tok_first - verb.tok_last > 12:
                continue
            if prep.key.name == "src":
                yield target.key.name, "supplier"
            elif prep.key.name == "tgt":
                yield target.key.name, "recipient"
            else:
                yield target.key.name, "supplier" if verb.key.name == "out" else "recipient"
        for verb in verbs:
            outgoing = verb.key.name == "out"
            # Subject: the nearest actor before the verb not governed by a preposition ("in Seoul").
            lo = bisect_left(m_lasts, verb.tok_first - _SUBJECT_WINDOW)
            for m in reversed(mentions[lo:bisect_left(m_lasts, verb.tok_first)]):
                if (m.tok_first - 1) in skips or (m.tok_first - 2) in skips:
                    continue
                if (m.tok_first - 1) in prep_lasts or (m.tok_first - 2) in prep_lasts:
                    continue
                yield m.key.name, "supplier" if outgoing else "recipient"
                break
            # Direct object of a supply verb: "supplying Russia with drones", "sold Kyiv tanks".
            obj = after(verb.tok_last, 1)
            if outgoing and obj is not None and not tokens_between(blockers, verb.tok_last, obj.tok_first):
                yield obj.key.name, "recipient"
