"""Stance: cue lists with windows and priorities."""

from __future__ import annotations

import pytest

from stream.models import Stance
from stream.tagging import Tagger


def _stance(tagger: Tagger, text: str, category: str = "arms_trade") -> Stance:
    (tag,) = [t for t in tagger.tag(text) if t.category == category]
    return tag.stance


@pytest.mark.parametrize(
    ("text", "stance"),
    [
        ("Iran sold drones to Russia last year.", Stance.ASSERTED),
        ("Moscow denied it had any intention of buying drones or ammunition from Pyongyang.", Stance.DENIED),
        ("Iran is accused of arming the Houthis with anti-ship missiles.", Stance.ALLEGED),
        ("There are fears that North Korea may provide ammunition to Russia.", Stance.FEARED),
        ("The minister said the country would never buy weapons from Russia again.", Stance.NEGATED),
        ("Poland plans to buy 96 attack helicopters from the United States.", Stance.PLANNED),
        ("If Berlin sends Taurus missiles, Moscow says it will respond.", Stance.HYPOTHETICAL),
    ],
)
def test_stances(tagger: Tagger, text: str, stance: Stance) -> None:
    assert _stance(tagger, text) == stance


def test_cue_in_another_sentence_does_not_apply(tagger: Tagger) -> None:
    assert _stance(tagger, "Officials denied nothing. Iran sold drones to Russia.") == Stance.ASSERTED


def test_negation_after_evidence_is_ignored(tagger: Tagger) -> None:
    text = "Belarus faces the imposition of sanctions, without deploying its own soldiers."
    assert _stance(tagger, text, "sanctions") == Stance.ASSERTED


@pytest.mark.parametrize(
    ("text", "stance", "category"),
    [
        # Denials: the supplier's own, or a finding of no evidence.
        ("Belgrade denied supplying ammunition to Kyiv.", Stance.DENIED, "arms_trade"),
        ("Beijing rejected reports that it had sold drones to Moscow.", Stance.DENIED, "arms_trade"),
        ("The ministry dismissed as propaganda claims that Minsk had sent tanks to Russia.", Stance.DENIED, "arms_trade"),
        ("Cairo insisted it had not shipped rockets to Russia.", Stance.DENIED, "arms_trade"),
        ("There is no evidence that Pyongyang sold missiles to Hamas, the report found.", Stance.DENIED, "arms_trade"),
        ("Ankara insisted it had not helped Russia evade sanctions.", Stance.DENIED, "sanctions"),
        # Negations, within the clause.
        ("No weapons were delivered to Niger last year.", Stance.NEGATED, "arms_trade"),
        ("Japan has never sold lethal weapons to a country at war.", Stance.NEGATED, "arms_trade"),
        ("The Kremlin has yet to deliver the last S-400 squadrons to India.", Stance.NEGATED, "arms_trade"),
        ("Brazil has not joined any of the Western sanctions against Russia.", Stance.NEGATED, "sanctions"),
        # Hedges stay apart from assertions.
        ("Tehran has been shipping drone parts to Sudan, a Western diplomat alleged.", Stance.ALLEGED, "arms_trade"),
        ("Moscow has sent air-defence systems to Pyongyang, according to a lawmaker.", Stance.ALLEGED, "arms_trade"),
        ("Officials fear Pyongyang may ship more missiles to Moscow.", Stance.FEARED, "arms_trade"),
        ("Washington approved a possible sale of 96 AH-64E Apaches to Poland.", Stance.PLANNED, "arms_trade"),
        ("Vietnam is in talks to buy BrahMos missiles from India.", Stance.PLANNED, "arms_trade"),
        ("Brazil expects to receive its final Gripen E jets from Sweden in 2027.", Stance.PLANNED, "arms_trade"),
        ("It is unclear whether the EU will extend sanctions on Belarus.", Stance.HYPOTHETICAL, "sanctions"),
        ("Washington could reimpose sanctions on Caracas.", Stance.HYPOTHETICAL, "sanctions"),
        # Not negations.
        ("Germany is not only supplying tanks to Ukraine but also training crews.", Stance.ASSERTED, "arms_trade"),
        ("Turkish banks stopped processing payments for blacklisted Russian firms.", Stance.ASSERTED, "sanctions"),
        ("Iran sold drones to Russia, and it did not hide it.", Stance.ASSERTED, "arms_trade"),
    ],
)
def test_round2_stances(tagger: Tagger, text: str, stance: Stance, category: str) -> None:
    assert _stance(tagger, text, category) == stance


def test_denied_and_negated_tags_quote_the_words_that_deny(tagger: Tagger) -> None:
    text = "Belgrade denied supplying ammunition to Kyiv."
    (tag,) = [t for t in tagger.tag(text) if t.category == "arms_trade"]
    cue = [e for e in tag.evidence if e.rule_id == "stance.denied"]
    assert [e.text for e in cue] == ["denied"] and text[cue[0].start:cue[0].end] == "denied"
    assert "stance.denied" not in tag.rule_ids  # rule_ids lists the category rules that fired
    (tag,) = [t for t in tagger.tag("Japan has never sold lethal weapons to Ukraine.") if t.category == "arms_trade"]
    assert "never" in {e.text for e in tag.evidence if e.rule_id == "stance.negated"}
    (tag,) = [t for t in tagger.tag("Iran allegedly sold drones to Russia.") if t.category == "arms_trade"]
    assert all(not e.rule_id.startswith("stance.") for e in tag.evidence)  # hedges are not quoted


def test_negation_stops_at_a_clause_break(tagger: Tagger) -> None:
    assert _stance(tagger, "Not for the first time, Iran sold drones to Russia.") == Stance.ASSERTED
    assert _stance(tagger, "Despite no formal deal, Iran sold drones to Russia.") == Stance.ASSERTED
