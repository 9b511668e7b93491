"""Actors: countries (by name, demonym, capital, state body or leader -> ISO 3166 alpha-2) and
organisations, with supplier/recipient roles for categories that have them (see ``roles.py``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from stream.models import Actor, ActorRole
from stream.tagging.matcher import Document, Hit, Key, Matcher
from stream.tagging.normalise import fold_term
from stream.tagging.roles import Sentence, Vocabulary, infer
from stream.tagging.rules_schema import GazetteerFile, LeadersFile, RolesFile, expand


def _start(hit: Hit) -> int:
    return hit.start


def _folded(terms: Sequence[str]) -> frozenset[str]:
    return frozenset(fold_term(v).lower() for t in terms for v in expand(t) if fold_term(v))


class ActorIndex:
    def __init__(self, gazetteer: GazetteerFile, roles: RolesFile, leaders: LeadersFile | None = None) -> None:
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
        for person in leaders.leaders if leaders is not None else ():
            key = person.country if person.country is not None else "org:" + str(person.organisation)
            self._terms.extend((t, Key("actor", key)) for t in (person.name, *person.aliases))
        groups = {
            "out": roles.outgoing, "in": roles.incoming, "src": roles.source_preps,
            "tgt": roles.target_preps, "agent": roles.agent_preps, "skip": roles.skip_before,
            "dest": roles.destination_preps, "bene": roles.benefactive_preps,
            "restrict": roles.restrict, "neu": roles.neutral,
        }
        for name, terms in groups.items():
            self._terms.extend((t, Key("role", name)) for t in terms)
        self._vocab = Vocabulary(
            demonyms=_folded([d for c in gazetteer.countries for d in c.demonyms]),
            participles=_folded(roles.participles),
            origin_suffixes=_folded(roles.origin_suffixes),
            determiners=_folded(roles.determiners),
            location_preps=_folded(roles.location_preps),
            # Single words checked token by token (not matcher terms: they are everywhere).
            auxiliaries=_folded(roles.passive_aux),
            reporting=_folded(roles.reporting),
            pronouns=_folded(roles.pronouns),
            relatives=_folded(roles.relatives),
        )
        self._goods = tuple(roles.goods_lexicons)
        self._goods_keys = tuple(Key("lex", name) for name in self._goods)

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
        """The actors of ``sentences`` (all when None); roles from the sentence shape when asked."""
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
            # The goods (for origin demonyms): hits of the goods lexicons, in text order.
            goods = sorted((h for key in self._goods_keys for h in doc.of_key(key)), key=_start)
            ev_by_sentence: dict[int, list[Hit]] = defaultdict(list)
            for hit in goods:
                if hit.sentence in by_sentence:
                    ev_by_sentence[hit.sentence].append(hit)
            for sentence in sorted(by_sentence):
                unit = Sentence(doc, cues_by_sentence.get(sentence, []), by_sentence[sentence],
                                ev_by_sentence.get(sentence, []), self._vocab)
                for key, role in infer(unit):
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
