"""Who supplies whom: passive voice, recipient first, sale approvals, restrictions, origin, state
bodies, capitals and dated leaders (own sentences)."""

from __future__ import annotations

import pytest

from stream.tagging import Tagger


def _sides(tagger: Tagger, text: str, category: str = "arms_trade") -> tuple[set[str], set[str]]:
    (tag,) = [t for t in tagger.tag(text) if t.category == category]
    suppliers = {a.code or a.name for a in tag.actors if a.role == "supplier"}
    recipients = {a.code or a.name for a in tag.actors if a.role == "recipient"}
    return suppliers, recipients


@pytest.mark.parametrize(
    ("text", "supplier", "recipient"),
    [
        # Passive voice: "by X" supplies, the subject of a passive outgoing verb receives.
        ("Leopard tanks were delivered to Ukraine by Germany last year.", "DE", "UA"),
        ("Ethiopia was supplied with Wing Loong drones by the United Arab Emirates.", "AE", "ET"),
        ("Armenia was sold Pinaka rockets by India in 2023.", "IN", "AM"),
        ("Kyiv has been promised more Gepard tanks by Berlin.", "DE", "UA"),
        # Recipient first.
        ("Poland received K2 tanks from South Korea.", "KR", "PL"),
        ("India bought Rafales from France.", "FR", "IN"),
        ("Hanoi is understood to have bought 12 Su-30 jets from Moscow.", "RU", "VN"),
        ("The Kremlin has received hundreds of Shahed drones from Tehran.", "IR", "RU"),
        ("Riyadh could turn to Beijing for J-35 stealth fighters.", "CN", "SA"),
        # Sale approvals, with state bodies as the party.
        ("The State Department approved the possible sale of 12 AH-64E Apaches to Nigeria.", "US", "NG"),
        ("The Pentagon will ship another batch of GMLRS rockets to Kyiv.", "US", "UA"),
        # Recipient-first verbs with an object: "handed Russia ...", "supplying Moscow with ...".
        ("Belarus has handed Russia thousands of tonnes of artillery shells.", "BY", "RU"),
        ("Kim Jong Un has supplied Putin with millions of shells.", "KP", "RU"),
        # Destinations and beneficiaries.
        ("Customs seized 400 rifles in a container bound for Libya.", None, "LY"),
        ("Italy will hand over the last Eurofighters built for Kuwait next spring.", "IT", "KW"),
        # Origin: a demonym or "X-made" before the goods, "made in X" after, when nobody else supplies.
        ("Azerbaijan may obtain more Israeli loitering munitions.", "IL", "AZ"),
        ("Swedish-built Archer howitzers were handed over to Ukraine in January.", "SE", "UA"),
        ("North Korean ballistic missiles keep flowing to Russia.", "KP", "RU"),
        ("Drone engines made in China keep reaching Russian factories.", "CN", "RU"),
        # Capitals as metonyms and leaders.
        ("Pyongyang has sent artillery shells to Moscow, Seoul says.", "KP", "RU"),
        ("Xi will agree to sell J-10C fighters to Bangladesh, officials in New Delhi fear.", "CN", "BD"),
    ],
)
def test_supplier_and_recipient(tagger: Tagger, text: str, supplier: str | None, recipient: str) -> None:
    assert _sides(tagger, text) == ({supplier} if supplier else set(), {recipient})


@pytest.mark.parametrize(
    ("text", "restrictor", "recipient"),
    [
        ("The EU banned exports of drone components to Russia.", "European Union", "RU"),
        ("Switzerland blocked the re-export of Swiss-made anti-aircraft ammunition to Ukraine.", "CH", "UA"),
        ("Ottawa suspended all new export permits for military goods bound for Israel.", "CA", "IL"),
        ("Madrid will refuse port calls by ships carrying weapons to Israel.", "ES", "IL"),
        ("Washington barred the sale of F-35 jets to Turkey.", "US", "TR"),
        ("The EU imposed an arms embargo on Russia in 2014.", "European Union", "RU"),
    ],
)
def test_a_party_that_restricts_is_not_the_supplier(tagger: Tagger, text: str, restrictor: str, recipient: str) -> None:
    (tag,) = [t for t in tagger.tag(text) if t.category == "arms_trade"]
    roles = {a.code or a.name: a.role for a in tag.actors}
    assert roles[restrictor] == "party"
    assert "supplier" not in roles.values()
    assert roles[recipient] == "recipient"


def test_refusing_to_send_keeps_the_would_be_supplier(tagger: Tagger) -> None:
    """'refused to send' negates the transfer; 'refused to let X pass on' makes X the supplier."""
    assert _sides(tagger, "Greece refused to send its S-300 batteries to Ukraine.") == ({"GR"}, {"UA"})
    text = "Switzerland refused to let Germany pass on Swiss-made ammunition to Ukraine."
    assert _sides(tagger, text) == ({"DE"}, {"UA"})


def test_reporting_clause_subject_is_not_the_supplier(tagger: Tagger) -> None:
    assert _sides(tagger, "Treasury said the network shipped drone engines to Iran.") == (set(), {"IR"})
    # ...unless the reported clause's subject is a pronoun for it.
    assert _sides(tagger, "Cairo insisted it had not shipped rockets to Russia.") == ({"EG"}, {"RU"})
    assert _sides(tagger, "Beijing rejected reports that it had sold drones to Moscow.") == ({"CN"}, {"RU"})


def test_prepositions_do_not_reach_past_each_other(tagger: Tagger) -> None:
    text = "Prosecutors charged a ring that trafficked Glock pistols from Texas to Mexico."
    assert _sides(tagger, text) == (set(), {"MX"})


def test_seizing_party_is_not_the_supplier(tagger: Tagger) -> None:
    text = "Italian police seized a consignment of drone components destined for Iran."
    assert _sides(tagger, text) == (set(), {"IR"})


def test_roles_follow_the_rules_file_not_the_category_name(tagger: Tagger) -> None:
    """A category whose rules file says roles: false gets parties only (sanctions here)."""
    assert not tagger.rules.categories["sanctions"].roles
    (tag,) = [t for t in tagger.tag("The EU banned exports of drone components to Russia.") if t.category == "sanctions"]
    assert {a.role for a in tag.actors} == {"party"}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("The Kremlin sold drones to Iran.", "RU"),
        ("The Pentagon sold drones to Iran.", "US"),
        ("The State Department sold drones to Iran.", "US"),
        ("OFAC said Iran sold drones to Russia.", "US"),
        ("Treasury said Iran sold drones to Russia.", "US"),
        ("BIS said Iran sold drones to Russia.", "US"),
        ("OFSI said Iran sold drones to Russia.", "GB"),
        ("Rubio said Iran sold drones to Russia.", "US"),
        ("Takaichi said Iran sold drones to Russia.", "JP"),
        ("Mark Rutte said Iran sold drones to Russia.", None),
    ],
)
def test_state_bodies_and_leaders_name_their_state(tagger: Tagger, text: str, code: str | None) -> None:
    (tag,) = [t for t in tagger.tag(text) if t.category == "arms_trade"]
    names = {a.code or a.name for a in tag.actors}
    assert (code or "NATO") in names


@pytest.mark.parametrize(
    ("text", "supplier", "recipient"),
    [
        # A relative clause's subject is not the actor before it.
        ("Rifles that reach the Houthis are often bought from soldiers who sell off their kit.", None, None),
        # A place after "in <adjective>" is no subject; an infinitive "to let X" does not govern X.
        ("Cargo flights landing in eastern Chad carried rifles destined for Sudan.", None, "SD"),
        # "agreed to buy X's ...": X is the seller, not a recipient of "to".
        ("Riyadh signed an agreement to buy South Korea's Cheongung air defence system.", "KR", "SA"),
        # Nouns that contain a transfer word are no transfer: "shipping containers", "second-hand".
        ("Most guns fuelling Haiti's violence are hidden in shipping containers bound for Port-au-Prince.", None, "HT"),
        ("Manila is weighing second-hand Gripen jets that could be delivered sooner.", None, "PH"),
        # An export restriction still points at its destination.
        ("Canada suspended export permits for drone optics to Turkey in 2020.", None, "TR"),
        # A demonym after "inside" is where the goods went, not where they came from.
        ("Western chips keep turning up inside Russian cruise missiles.", None, None),
    ],
)
def test_sentence_shapes_that_name_no_false_side(
    tagger: Tagger, text: str, supplier: str | None, recipient: str | None
) -> None:
    assert _sides(tagger, text) == ({supplier} if supplier else set(), {recipient} if recipient else set())
