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
