"""Who supplies whom in one sentence, from the role cues of ``roles.yaml`` and the actor mentions.

- ``X supplied ... to Y`` / ``supplying Y with`` / ``Y bought ... from X`` / ``sold by X``: the
  subject of an outgoing word supplies, of an incoming word receives; ``from`` marks the
  supplier, ``to`` / ``bound for`` / ``for`` (right after) the recipient, ``by`` the agent.
- Passive voice (``Y was supplied with ... by X``): the subject of a passive outgoing word receives.
- Restrictions (``X banned exports of ... to Y``, ``X seized rifles``): a party whose restriction
  word stands between it and the transfer word is neither side; the destination may still receive.
- Origin (``Israeli drones``, ``Swiss-made rounds``, ``engines made in China``): supplies when the
  sentence names no other supplier.
- No subject across a reporting clause (``Treasury said the network shipped``) unless a pronoun
  takes it up (``Cairo insisted it had not shipped``), nor across a relative (``soldiers who sell``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from stream.models import ActorRole
from stream.tagging.hitindex import Reach, tokens_between
from stream.tagging.matcher import Document, Hit

SUBJECT_WINDOW = 10  # words between a subject and its verb
PREP_WINDOW = 2  # words between a preposition and its actor ("to a Russian port")
VERB_REACH = 12  # words between a transfer word and a preposition it governs
ORIGIN_REACH = 2  # words between a demonym ("-made") and the goods ("Swiss-made 35 mm ammunition")
AUX_REACH = 2  # words between a passive auxiliary and its participle ("were quietly delivered")


@dataclass(frozen=True)
class Vocabulary:
    """Folded word sets the role logic checks tokens against (built from roles.yaml and the gazetteer)."""

    demonyms: frozenset[str]
    participles: frozenset[str]
    origin_suffixes: frozenset[str]
    determiners: frozenset[str]
    location_preps: frozenset[str]
    auxiliaries: frozenset[str]
    reporting: frozenset[str]
    pronouns: frozenset[str]
    relatives: frozenset[str]


@dataclass
class Sentence:
    doc: Document
    cues: list[Hit]  # role cues, by start
    mentions: list[Hit]  # actor mentions, non-overlapping, by start
    evidence: list[Hit]  # hits of the goods lexicons in this sentence ("drones", "AH-64E Apaches")
    vocab: Vocabulary

    def token(self, index: int) -> str:
        doc = self.doc
        if 0 <= index < len(doc.tok_starts):
            return doc.norm.text[doc.tok_starts[index]:doc.tok_ends[index]]
        return ""

    def text(self, hit: Hit) -> str:
        return self.doc.norm.text[hit.start:hit.end]


def infer(s: Sentence) -> Iterator[tuple[str, ActorRole]]:
    """(actor key, role) pairs; ``party`` marks a restrictor, which no later pair can override."""
    finder = _RoleFinder(s)
    if not finder.verbs and not finder.dests:
        return
    yield from finder.restrictor_pairs()
    found = [*finder.by_prepositions(), *finder.by_subjects_and_objects()]
    kept = [(key, role) for key, role in found if key not in finder.restrictors]
    yield from kept
    if not any(role == "supplier" for _, role in kept):
        for m in s.mentions:
            if id(m) in finder.origins and m.key.name not in finder.restrictors:
                yield m.key.name, "supplier"


class _RoleFinder:
    """Sorted token indexes of one sentence's cues, so each lookup is a bisection."""

    def __init__(self, s: Sentence) -> None:
        self.s = s
        kinds: dict[str, list[Hit]] = {}
        for cue in s.cues:
            kinds.setdefault(cue.key.name, []).append(cue)
        # A transfer word inside a longer restriction or noun ("EU export controls", "shipping
        # containers") is no transfer: such a cue starts at or before it and reaches its end.
        longer = Reach((h.start, h.end) for h in (*kinds.get("restrict", []), *kinds.get("neu", [])))
        self.verbs = [h for h in s.cues if h.key.name == "neu"
                      or (h.key.name in ("out", "in") and not longer.covers(h.start + 1, h.end))]
        self.dests = kinds.get("dest", [])
        skip_hits = kinds.get("skip", [])
        inside_skip = Reach((k.start, k.end) for k in skip_hits)  # "to" in "according to"
        self.preps = [h for h in s.cues if h.key.name in ("src", "tgt", "agent", "bene")
                      and not inside_skip.covers(h.start, h.end)]
        self.skips = {h.tok_last for h in skip_hits}
        self.prep_lasts = {p.tok_last for p in (*self.preps, *self.dests)}
        self.blockers = sorted(self.skips | self.prep_lasts)
        self.restricts = [r for r in kinds.get("restrict", []) if s.token(r.tok_last + 1) != "to"]  # not "refused to send"
        self.restrict_firsts = sorted(r.tok_first for r in self.restricts)
        self.m_firsts = [m.tok_first for m in s.mentions]
        self.m_lasts = [m.tok_last for m in s.mentions]
        self.goods_firsts = sorted(h.tok_first for h in s.evidence)
        self.verb_firsts = [v.tok_first for v in self.verbs]
        self.restrictors: set[str] = set()
        self.origins = {id(m) for m in s.mentions if self._origin(m)}

    # --- lookups -----------------------------------------------------------------------------

    def _after(self, tok: int, window: int) -> Hit | None:
        """The first mention starting within ``window`` words after token ``tok``."""
        i = bisect_right(self.m_firsts, tok)
        return self.s.mentions[i] if i < len(self.m_firsts) and self.m_firsts[i] <= tok + 1 + window else None

    def _before(self, tok: int) -> list[Hit]:
        """Mentions ending within the subject window before token ``tok``, nearest first."""
        lo = bisect_left(self.m_lasts, tok - SUBJECT_WINDOW)
        return self.s.mentions[lo:bisect_left(self.m_lasts, tok)][::-1]

    def _verb_before(self, tok: int) -> Hit | None:
        for i in range(bisect_left(self.verb_firsts, tok) - 1, -1, -1):
            if self.verbs[i].tok_last < tok:
                return self.verbs[i]
        return None

    def _governed(self, m: Hit) -> bool:
        """Object of a preposition: 'in Seoul', 'in eastern Chad', 'to a Russian port' (not 'to let Germany')."""
        first, marks = m.tok_first, self.skips | self.prep_lasts
        if first - 1 in marks:
            return True
        if first - 2 not in marks:
            return False
        return self.s.token(first - 2) != "to" or self.s.token(first - 1) in self.s.vocab.determiners

    def _origin(self, m: Hit) -> bool:
        """A demonym (or 'X-made') right before the goods, or 'made in X' right after them."""
        s, first, last = self.s, m.tok_first, m.tok_last
        if s.token(first - 1) == "in" and s.token(first - 2) in s.vocab.origin_suffixes:
            i = bisect_left(self.goods_firsts, first - 2) - 1
            return i >= 0 and self.goods_firsts[i] >= first - 3 - ORIGIN_REACH
        at = first - 2 if s.token(first - 1) in s.vocab.determiners else first - 1
        if s.token(at) in s.vocab.location_preps:
            return False  # "found inside Russian missiles": where the goods went, not where from
        if s.token(last + 1) in s.vocab.origin_suffixes:
            last += 1
        elif s.text(m) not in s.vocab.demonyms:
            return False
        i = bisect_right(self.goods_firsts, last)
        return (i < len(self.goods_firsts) and self.goods_firsts[i] <= last + 1 + ORIGIN_REACH
                and not tokens_between(self.blockers, last, self.goods_firsts[i]))

    def _words(self, words: frozenset[str], first: int, last: int) -> list[int]:
        """Tokens from ``first`` to ``last`` (inclusive) that are among ``words``."""
        return [i for i in range(max(first, 0), last + 1) if self.s.token(i) in words]

    def _passive(self, verb: Hit) -> bool:
        aux = self._words(self.s.vocab.auxiliaries, verb.tok_first - AUX_REACH - 1, verb.tok_first - 1)
        return bool(aux) and self._participle(verb)

    def _participle(self, verb: Hit) -> bool:
        word = self.s.text(verb)
        return word.endswith("ed") or word in self.s.vocab.participles

    def _restricted(self, first: int, last: int) -> bool:
        """A restriction word from token ``first`` up to ``last`` ("the EU banned exports")."""
        return tokens_between(self.restrict_firsts, first - 1, last)

    def _reported(self, first: int, verb_first: int) -> bool:
        """A reporting verb after token ``first`` whose clause has its own subject ("Treasury said
        the network shipped"); not a pronoun ("Cairo insisted it had not"), not "that it said"."""
        vocab = self.s.vocab
        reports = self._words(vocab.reporting, first + 1, verb_first - 1)
        if not reports:
            return False
        report = reports[-1]
        if self._words(vocab.pronouns, report - 1, report - 1):
            return False
        return not self._words(vocab.pronouns, report + 1, verb_first - 1)

    # --- patterns ------------------------------------------------------------------------------

    def restrictor_pairs(self) -> Iterator[tuple[str, ActorRole]]:
        """The subject of a restriction word that governs a transfer word after it."""
        for r in self.restricts:
            i = bisect_right(self.verb_firsts, r.tok_last)
            if i == len(self.verb_firsts) or self.verb_firsts[i] > r.tok_last + VERB_REACH:
                continue
            subject = next((m for m in self._before(r.tok_first) if not self._governed(m)), None)
            if subject is not None:
                self.restrictors.add(subject.key.name)
                yield subject.key.name, "party"

    def by_prepositions(self) -> Iterator[tuple[str, ActorRole]]:
        for prep in self.preps:
            verb = self._verb_before(prep.tok_first)
            target = self._after(prep.tok_last, 1 if prep.key.name == "bene" else PREP_WINDOW)
            if verb is None or target is None or prep.tok_first - verb.tok_last > VERB_REACH:
                continue
            if tokens_between(self.blockers, prep.tok_last, target.tok_first):
                continue  # "from Texas to Mexico": Mexico belongs to "to"
            if tokens_between(self.verb_firsts, prep.tok_last, target.tok_first):
                continue  # "agreed to buy South Korea's system": not a recipient of "to"
            key, kind = target.key.name, prep.key.name
            if kind == "src":
                yield key, "supplier"
            elif kind in ("tgt", "bene"):
                yield key, "recipient"
            elif self._restricted(verb.tok_last + 1, prep.tok_first):
                self.restrictors.add(key)  # "exports were banned by the EU"
            elif verb.key.name != "neu" and self._participle(verb):  # "sold by X", not "buy ... approved by X"
                yield key, "supplier" if verb.key.name == "out" else "recipient"
        for dest in self.dests:
            target = self._after(dest.tok_last, PREP_WINDOW)
            if target is not None:
                yield target.key.name, "recipient"

    def by_subjects_and_objects(self) -> Iterator[tuple[str, ActorRole]]:
        for verb in self.verbs:
            if verb.key.name == "neu":
                continue
            outgoing, passive = verb.key.name == "out", self._passive(verb)
            for m in self._before(verb.tok_first):
                if id(m) in self.origins:
                    break  # "North Korean missiles flowing to Russia": the goods are the subject
                if self._governed(m):
                    continue
                between = (m.tok_last + 1, verb.tok_first)
                if self._restricted(*between) or self._reported(m.tok_last, verb.tok_first) \
                        or self._words(self.s.vocab.relatives, between[0] + 1, between[1] - 1):
                    break  # "the EU banned exports", "Treasury said ...", "soldiers who sell"
                if not passive:
                    yield m.key.name, "supplier" if outgoing else "recipient"
                elif outgoing:
                    yield m.key.name, "recipient"  # "Ethiopia was supplied with drones"
                break
            # Direct object: "supplying Russia with drones" (recipient), "turned to Beijing for" (supplier).
            obj = self._after(verb.tok_last, 1)
            if obj is not None and not passive and id(obj) not in self.origins \
                    and not tokens_between(self.blockers, verb.tok_last, obj.tok_first):
                yield obj.key.name, "recipient" if outgoing else "supplier"
