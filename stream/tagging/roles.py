"""Who supplies whom in one sentence, from the role cues of ``roles.yaml`` and the actor mentions.

- ``X supplied ... to Y`` / ``supplying Y with`` / ``Y bought ... from X`` / ``sold by X``: the
  subject of an outgoing word supplies, of an incoming word receives; ``from`` marks the
  supplier, ``to`` / ``bound for`` / ``for`` (right after) the recipient, ``by`` the agent.
- Passive voice (``Y was supplied with ... by X``): the subject of a passive outgoing word receives.
- Restrictions (``X banned exports of ... to Y``, ``X blocked the sale``): a party whose restriction
  word stands between it and the transfer word is neither side; the destination may still receive.
- Origin (``Israeli drones``, ``Swiss-made rounds``): a demonym right before the evidence supplies,
  when the sentence names no other supplier.
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
ORIGIN_REACH = 2  # words between a demonym ("-made") and the goods it qualifies ("more Israeli loitering munitions")
AUX_REACH = 2  # words between a passive auxiliary and its participle ("were quietly delivered")


@dataclass(frozen=True)
class Vocabulary:
    """Folded word sets the role logic checks tokens against (built from roles.yaml and the gazetteer)."""

    demonyms: frozenset[str]
    participles: frozenset[str]
    origin_suffixes: frozenset[str]
    determiners: frozenset[str]
    location_preps: frozenset[str]


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
    by_kind: dict[str, list[Hit]] = {}
    for cue in s.cues:
        by_kind.setdefault(cue.key.name, []).append(cue)
    # A transfer word inside a longer restriction or noun ("EU export controls", "shipping
    # containers") is no transfer: drop it when such a cue starts at or before it and reaches its end.
    longer = Reach((h.start, h.end) for h in (*by_kind.get("restrict", []), *by_kind.get("neu", [])))
    verbs = [
        h for h in s.cues
        if h.key.name in ("neu",) or (h.key.name in ("out", "in") and not longer.covers(h.start + 1, h.end))
    ]
    dests = by_kind.get("dest", [])
    if not verbs and not dests:
        return
    reports = sorted(h.tok_first for h in by_kind.get("report", []))
    pronouns = sorted(h.tok_first for h in by_kind.get("pron", []))
    relatives = sorted(h.tok_first for h in by_kind.get("rel", []))

    def reported(first: int, verb_first: int) -> bool:
        """A reporting verb between a mention and a transfer word, whose clause has its own
        subject ("Treasury said the network shipped"), not a pronoun ("Cairo insisted it had not")."""
        i = bisect_left(reports, verb_first) - 1  # the last reporting word before the verb
        if i < 0 or reports[i] <= first:
            return False
        if tokens_between(pronouns, reports[i] - 2, reports[i]):
            return False  # parenthetical: "firms that it said had arranged shipments"
        return not tokens_between(pronouns, reports[i], verb_first)
    skip_hits = by_kind.get("skip", [])
    skip_reach = Reach((k.start, k.end) for k in skip_hits)
    preps = [h for h in s.cues if h.key.name in ("src", "tgt", "agent", "bene") and not skip_reach.covers(h.start, h.end)]
    skips = {h.tok_last for h in skip_hits}
    prep_lasts = {p.tok_last for p in (*preps, *dests)}
    blockers = sorted(skips | prep_lasts)
    restricts = [r for r in by_kind.get("restrict", []) if s.token(r.tok_last + 1) != "to"]  # "refused to send"
    restrict_firsts = sorted(r.tok_first for r in restricts)
    auxes = {h.tok_last for h in by_kind.get("aux", [])}
    mentions = s.mentions
    m_firsts = [m.tok_first for m in mentions]
    m_lasts = [m.tok_last for m in mentions]
    ev_firsts = sorted(h.tok_first for h in s.evidence)
    verb_firsts = [v.tok_first for v in verbs]
    verb_lasts = {v.tok_last for v in verbs}

    def after(tok: int, window: int) -> Hit | None:
        """The first mention starting within ``window`` words after token ``tok``."""
        i = bisect_right(m_firsts, tok)
        return mentions[i] if i < len(mentions) and m_firsts[i] <= tok + 1 + window else None

    def verb_before(tok: int) -> Hit | None:
        for i in range(bisect_left(verb_firsts, tok) - 1, -1, -1):
            if verbs[i].tok_last < tok:
                return verbs[i]
        return None

    def origin_of(m: Hit) -> bool:
        """A demonym (or 'X-made') right before the evidence, or 'made in X' right after it: it
        names where the goods come from."""
        first, last = m.tok_first, m.tok_last
        if s.token(first - 1) == "in" and s.token(first - 2) in s.vocab.origin_suffixes:
            i = bisect_left(ev_firsts, first - 2) - 1
            return i >= 0 and ev_firsts[i] >= first - 3 - ORIGIN_REACH
        at = first - 2 if s.token(first - 1) in s.vocab.determiners else first - 1
        if s.token(at) in s.vocab.location_preps and at not in verb_lasts:  # not "pass on Swiss-made ..."
            return False  # "found inside Russian missiles": where the goods went, not where from
        if s.token(last + 1) in s.vocab.origin_suffixes:
            last += 1
        elif s.text(m) not in s.vocab.demonyms:
            return False
        i = bisect_right(ev_firsts, last)
        return i < len(ev_firsts) and ev_firsts[i] <= last + 1 + ORIGIN_REACH and not tokens_between(blockers, last, ev_firsts[i])

    def governed(m: Hit) -> bool:
        """Object of a preposition: 'in Seoul', 'to a Russian port' (not 'to let Germany')."""
        first = m.tok_first
        if first - 1 in skips or first - 1 in prep_lasts:
            return True
        if first - 2 not in skips and first - 2 not in prep_lasts:
            return False
        # "in eastern Chad" is governed; "to let Germany" is an infinitive, unless "to a Russian port".
        return s.token(first - 2) != "to" or s.token(first - 1) in s.vocab.determiners

    def participle(verb: Hit) -> bool:
        word = s.text(verb)
        return word.endswith("ed") or word in s.vocab.participles

    def passive(verb: Hit) -> bool:
        return any(verb.tok_first - d in auxes for d in range(1, AUX_REACH + 2)) and participle(verb)

    def restricted(first: int, last: int) -> bool:
        """A restriction word between two tokens ("the EU banned exports")."""
        return tokens_between(restrict_firsts, first - 1, last)

    # Restrictors first: the subject of a restriction word that governs a transfer word after it.
    restrictors: set[str] = set()
    for r in restricts:
        lo = bisect_left(m_lasts, r.tok_first - SUBJECT_WINDOW)
        governs = any(r.tok_last < v.tok_first <= r.tok_last + VERB_REACH for v in verbs)
        for m in reversed(mentions[lo:bisect_left(m_lasts, r.tok_first)] if governs else ()):
            if governed(m):
                continue
            restrictors.add(m.key.name)
            yield m.key.name, "party"
            break
    origins = {id(m) for m in mentions if origin_of(m)}
    found: list[tuple[str, ActorRole]] = []
    for prep in preps:
        verb = verb_before(prep.tok_first)
        window = 1 if prep.key.name == "bene" else PREP_WINDOW
        target = after(prep.tok_last, window)
        if verb is None or target is None or prep.tok_first - verb.tok_last > VERB_REACH:
            continue
        if tokens_between(blockers, prep.tok_last, target.tok_first) or tokens_between(verb_firsts, prep.tok_last, target.tok_first):
            continue  # "from Texas to Mexico": Mexico belongs to "to"; "agreed to buy X": X is no recipient
        if prep.key.name == "src":
            found.append((target.key.name, "supplier"))
        elif prep.key.name in ("tgt", "bene"):
            found.append((target.key.name, "recipient"))
        elif restricted(verb.tok_last + 1, prep.tok_first):
            found.append((target.key.name, "party"))  # "exports were banned by the EU"
            restrictors.add(target.key.name)
        elif verb.key.name != "neu" and participle(verb):  # "sold by X", not "buy ... approved by X"
            found.append((target.key.name, "supplier" if verb.key.name == "out" else "recipient"))
    for dest in dests:
        target = after(dest.tok_last, PREP_WINDOW)
        if target is not None:
            found.append((target.key.name, "recipient"))
    for verb in verbs:
        if verb.key.name == "neu":
            continue
        outgoing, is_passive = verb.key.name == "out", passive(verb)
        lo = bisect_left(m_lasts, verb.tok_first - SUBJECT_WINDOW)
        for m in reversed(mentions[lo:bisect_left(m_lasts, verb.tok_first)]):
            if id(m) in origins:
                break  # "North Korean missiles flowing to Russia": the goods are the subject
            if governed(m):
                continue
            if restricted(m.tok_last + 1, verb.tok_first) or reported(m.tok_last, verb.tok_first):
                break  # "the EU banned exports", "Treasury said the network shipped"
            if tokens_between(relatives, m.tok_last + 1, verb.tok_first):
                break  # "rifles that reach al-Shabaab are bought from soldiers who sell": not al-Shabaab
            if not is_passive:
                found.append((m.key.name, "supplier" if outgoing else "recipient"))
            elif outgoing:
                found.append((m.key.name, "recipient"))  # "Ethiopia was supplied with drones"
            break
        # Direct object: "supplying Russia with drones" (recipient), "turned to Beijing for" (supplier).
        obj = after(verb.tok_last, 1)
        if obj is not None and not is_passive and id(obj) not in origins and not tokens_between(blockers, verb.tok_last, obj.tok_first):
            found.append((obj.key.name, "recipient" if outgoing else "supplier"))
    named_supplier = any(role == "supplier" and key not in restrictors for key, role in found)
    for key, role in found:
        if key not in restrictors:
            yield key, role
    if not named_supplier:
        for m in mentions:
            if id(m) in origins and m.key.name not in restrictors:
                yield m.key.name, "supplier"
