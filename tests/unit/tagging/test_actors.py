"""Actors: gazetteer normalisation to ISO codes, organisations, supplier/recipient roles."""

from __future__ import annotations

from stream.tagging import Tagger


def _actors(tagger: Tagger, text: str, category: str = "arms_trade") -> dict[str, tuple[str, str]]:
    (tag,) = [t for t in tagger.tag(text) if t.category == category]
    return {a.code or a.name: (a.kind, a.role) for a in tag.actors}


def test_capitals_demonyms_and_leaders_normalise_to_codes(tagger: Tagger) -> None:
    text = "Kim Jong Un and Putin discussed whether Pyongyang could sell North Korean shells to Moscow."
    actors = _actors(tagger, text)
    assert set(actors) == {"KP", "RU"}
    assert actors["KP"] == ("country", "supplier") and actors["RU"] == ("country", "recipient")


def test_supplier_to_recipient(tagger: Tagger) -> None:
    actors = _actors(tagger, "Germany pledged another batch of Leopard tanks to Ukraine.")
    assert actors == {"DE": ("country", "supplier"), "UA": ("country", "recipient")}


def test_bought_from(tagger: Tagger) -> None:
    actors = _actors(tagger, "India bought S-400 air defence systems from Russia.")
    assert actors == {"IN": ("country", "recipient"), "RU": ("country", "supplier")}


def test_supplying_with_and_according_to(tagger: Tagger) -> None:
    text = "Tehran has supplied Moscow with hundreds of Shahed drones, according to US intelligence."
    actors = _actors(tagger, text)
    assert actors == {"IR": ("country", "supplier"), "RU": ("country", "recipient"), "US": ("country", "party")}


def test_supply_from_to_and_prepositional_mentions(tagger: Tagger) -> None:
    text = ("Officials in Seoul said a cargo ship had carried thousands of artillery shells "
            "from North Korea to a Russian port, a transfer that would breach United Nations resolutions.")
    actors = _actors(tagger, text)
    assert actors["KR"] == ("country", "party")
    assert actors["KP"] == ("country", "supplier") and actors["RU"] == ("country", "recipient")
    assert actors["United Nations"] == ("organisation", "party")


def test_sanctions_actors_are_parties(tagger: Tagger) -> None:
    actors = _actors(tagger, "The EU imposed sanctions on Iranian drone makers.", "sanctions")
    assert actors == {"European Union": ("organisation", "party"), "IR": ("country", "party")}


def test_pronoun_us_is_not_the_united_states(tagger: Tagger) -> None:
    assert _actors(tagger, "Russia said it sold us weapons last year.") == {"RU": ("country", "supplier")}


def test_groups_are_other(tagger: Tagger) -> None:
    actors = _actors(tagger, "Iran is arming the Houthis with anti-ship missiles.")
    assert actors["Houthis"] == ("other", "recipient")
