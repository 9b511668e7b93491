"""Actors: countries (by name, demonym, capital or leader -> ISO 3166 alpha-2) and organisations.

Roles come from the sentence shape around transfer words (see ``roles.yaml``):
``X supplied ... to Y`` / ``supplying Y with`` (X supplier, Y recipient), ``Y bought ... from X``,
``supply from X to Y`` and passive ``sold by X``. Everything else is a ``party``.
"""

from __future__ import annotations

from collections.abc import Iterable

from stream.models import Actor, ActorRole
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
            for sentence in sorted({m.sentence for m in mentions}):
                in_sentence = [m for m in mentions if m.sentence == sentence]
                for key, role in self._roles(doc, sentence, in_sentence):
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

    def _roles(self, doc: Document, sentence: int, mentions: list[Hit]) -> Iterable[tuple[str, ActorRole]]:
        cues = [h for h in doc.of_group("role") if h.sentence == sentence]
        verbs = [h for h in cues if h.key.name in ("out", "in")]
        if not verbs:
            return
        skip_hits = [h for h in cues if h.key.name == "skip"]
        skips = {h.tok_last for h in skip_hits}
        # A preposition inside a longer skip phrase ("according to") is not a role preposition.
        preps = [
            h for h in cues if h.key.name in ("src", "tgt", "agent")
            and not any(k.start < h.start and h.end <= k.end for k in skip_hits)
        ]

        def after(tok: int, window: int) -> Hit | None:
            for m in mentions:
                if tok < m.tok_first <= tok + 1 + window:
                    return m
            return None

        # Prepositions after a transfer word: "from X" supplies, "to Y" receives, "by X" is the agent.
        for prep in preps:
            verb = next((v for v in reversed(verbs) if v.tok_last < prep.tok_first), None)
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
            for m in reversed(mentions):
                if m.tok_last >= verb.tok_first or verb.tok_first - m.tok_last > _SUBJECT_WINDOW:
                    continue
                if (m.tok_first - 1) in skips or (m.tok_first - 2) in skips:
                    continue
                if any(p.tok_last in (m.tok_first - 1, m.tok_first - 2) for p in preps):
                    continue
                yield m.key.name, "supplier" if outgoing else "recipient"
                break
            # Direct object of a supply verb: "supplying Russia with drones", "sold Kyiv tanks".
            obj = after(verb.tok_last, 1)
            if outgoing and obj is not None and not any(
                verb.tok_last < t < obj.tok_first for t in skips | {p.tok_last for p in preps}
            ):
                yield obj.key.name, "recipient"
