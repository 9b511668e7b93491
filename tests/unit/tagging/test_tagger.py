"""Tagger: rule families (positives, negatives), output shape, spans and robustness."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stream.models import Tag
from stream.tagging import Tagger

from .conftest import categories

ARMS_POSITIVE = [
    "South Korea signed a deal to export K9 howitzers to Poland.",
    "Tehran has supplied Moscow with hundreds of Shahed drones.",
    "Germany pledged another batch of Leopard tanks to Ukraine.",
    "Smugglers moved Kalashnikovs across the border in a lorry, and the rifles were sold to gangs.",
    "North Korea may be preparing to ship more artillery shells to Russia, analysts fear.",
    "The navy took delivery of its third frigate from the shipyard.",
    "Arms sales to the region rose by a fifth last year.",
    "The UN kept its arms embargo on the militia in place.",
    "Poland signed a contract worth about $6.5 billion for 180 more K2 main battle tanks.",
    "Hezbollah receives most of its rockets from Iran via Syria.",
]
ARMS_NEGATIVE = [
    "Russian forces fired dozens of cruise missiles at Ukrainian energy infrastructure overnight.",
    "The Pentagon is deploying 3,000 additional troops and two warships to the eastern Mediterranean.",
    "Washington announced $500 million in budget support for Kyiv to pay salaries of civil servants.",
    "Iranian-made drones struck the port city of Odesa, killing three people.",
    "The town council approved the new coat of arms, and residents were up in arms about the cost.",
    "The robotic arm picked up the sample; think tanks warned that the arms race is accelerating.",
    "Amazon began delivering parcels by drone, promising delivery in under an hour.",
    "Airbus delivered 60 jets to airlines in March.",
    "Fighting intensified as both sides traded artillery fire.",
    "Regulators closed a shell company that sold fake insurance.",
]
SANCTIONS_POSITIVE = [
    "The EU adopted its 12th sanctions package targeting Russian diamonds.",
    "The US Commerce Department added 30 Chinese companies to its entity list.",
    "The Treasury froze the assets of four Iranian oil traders.",
    "China imposed export controls on gallium and germanium.",
    "Russia is evading the oil price cap using a shadow fleet of ageing tankers.",
    "A superyacht seized from a sanctioned Russian businessman will be auctioned.",
    "The cargo would breach United Nations Security Council resolutions on North Korea.",
    "Washington banned all arms sales to Venezuela in 2006.",
]
SANCTIONS_NEGATIVE = [
    "The board sanctioned the merger after a lengthy review.",
    "UEFA sanctioned the club with a stadium closure after racist chanting.",
    "A federal judge sanctioned two lawyers for citing non-existent cases.",
    "The findings were under embargo until Wednesday, but outlets broke the embargo early.",
    "The email provider blacklisted 3,000 domains used by spammers.",
    "A court froze the assets of the founders of a collapsed crypto lender at the request of liquidators.",
    "Claimants face benefit sanctions if they miss an appointment.",
    "The government sanctioned the use of force against protesters.",
]


# Rule families for how news describes orders, co-production and cargo, and how it describes
# sanctions without the word (lists, laws, evasion, entry bans, SWIFT, price cap, licences).
ARMS_FAMILY_POSITIVE = [
    "Poland has ordered 96 Apache helicopters from Boeing, the defence ministry said.",  # order
    "Cairo signed for two dozen Sukhoi fighters in 2018.",  # order + platform names
    "Crates of rifles were unloaded at the port of Berbera, a UN panel said.",  # cargo at a port
    "Containers were loaded at the port of Rajin. Analysts believe they held artillery shells.",  # next sentence
    "Turkey and Indonesia will co-produce medium tanks at a plant in Java.",  # co-production
    "The drones were routed through Belarus to Russian units, the investigators said.",  # routing
    "Portugal became the first export customer for the C-390 airlifter.",  # export customer
]
ARMS_FAMILY_NEGATIVE = [
    "Putin ordered missile strikes on Kyiv in response to the attack on the bridge.",  # a command
    "Kim Jong Un ordered the military to test more ballistic missiles this year.",
    "The president ordered increased production of artillery shells at state factories.",
    "Emirates ordered 90 more jets at the Dubai Airshow.",  # civil airliners
    "Soldiers unloaded artillery shells from trucks near the front line before the assault.",
    "Ships unloaded grain at the port of Odesa. Hours later Russian missiles struck the city.",
    "Hopes of a trade deal proved a mirage as talks collapsed.",
    "The Chinook salmon run was the lowest on record, fishery officials said.",
]
SANCTIONS_FAMILY_POSITIVE = [
    "A court convicted a freight forwarder of evading EU sanctions.",  # evasion beats "court"
    "Broker jailed for sanctions-busting sale of rifle scopes to Iran, court hears.",
    "Treasury removed the mixer from the SDN list after a court ruling.",  # list names
    "Washington weighed a waiver from CAATSA, which mandates penalties for buying Russian arms.",  # laws
    "Traders used front companies in Dubai to circumvent Western restrictions on Russian oil.",
    "US officials agreed to lift restrictions on Belarus's flag carrier.",  # relief
    "Britain imposed visa bans on 30 Russian officials.",  # entry bans
    "China retaliated by barring a dozen US lawmakers from entering the mainland.",
    "Beijing banned exports of gallium to the United States in retaliation for chip curbs.",
    "Not one bank will be reconnected to SWIFT until troops withdraw.",
    "Tankers carry Russian crude sold above the $60-a-barrel price cap.",
    "New licence requirements for exports of AI chips to China took effect.",
    "The firm made payments to a company owned by a designated Russian businessman.",
    "Washington froze the US-held assets of 250 Nicaraguan judges and prosecutors.",  # state freeze
    "The UN committee granted an exemption, though the ministers' assets remain frozen.",
    "Berlin froze arms export licences for Riyadh as a punitive measure.",
    "The E3 warned Tehran they would trigger the snapback mechanism.",
]
SANCTIONS_FAMILY_NEGATIVE = [
    "UN officials said Israel blocked aid trucks from entering Gaza for a third day.",
    "Police barred protesters from entering the square, and officials said the march was unlawful.",
    "Israel eased restrictions on movement in the West Bank ahead of the holiday, officials said.",
    "Canada announced retaliatory measures against US steel tariffs, including duties on American goods.",
    "Health officials imposed a travel ban on arrivals from three countries after the Ebola outbreak.",
    "Spanish police seized the assets of a drug cartel operating from Morocco.",
    "Ofgem raised the price cap on household energy bills as oil prices climbed.",
    "The frigate deployed countermeasures to decoy the Russian missile.",
    "UNESCO designated the Iranian site a World Heritage Site.",
    "The club faces financial sanctions from UEFA after breaching spending rules.",
    "The network uses SDN to route traffic between data centres in China.",
]


@pytest.mark.parametrize("text", ARMS_FAMILY_POSITIVE)
def test_arms_family_positive(tagger: Tagger, text: str) -> None:
    assert "arms_trade" in categories(tagger, text)


@pytest.mark.parametrize("text", ARMS_FAMILY_NEGATIVE)
def test_arms_family_negative(tagger: Tagger, text: str) -> None:
    assert "arms_trade" not in categories(tagger, text)


@pytest.mark.parametrize("text", SANCTIONS_FAMILY_POSITIVE)
def test_sanctions_family_positive(tagger: Tagger, text: str) -> None:
    assert "sanctions" in categories(tagger, text)


@pytest.mark.parametrize("text", SANCTIONS_FAMILY_NEGATIVE)
def test_sanctions_family_negative(tagger: Tagger, text: str) -> None:
    assert "sanctions" not in categories(tagger, text)


@pytest.mark.parametrize("text", ARMS_POSITIVE)
def test_arms_positive(tagger: Tagger, text: str) -> None:
    assert "arms_trade" in categories(tagger, text)


@pytest.mark.parametrize("text", ARMS_NEGATIVE)
def test_arms_negative(tagger: Tagger, text: str) -> None:
    assert "arms_trade" not in categories(tagger, text)


@pytest.mark.parametrize("text", SANCTIONS_POSITIVE)
def test_sanctions_positive(tagger: Tagger, text: str) -> None:
    assert "sanctions" in categories(tagger, text)


@pytest.mark.parametrize("text", SANCTIONS_NEGATIVE)
def test_sanctions_negative(tagger: Tagger, text: str) -> None:
    assert "sanctions" not in categories(tagger, text)


def test_both_categories_sorted_with_evidence_and_rule_ids(tagger: Tagger) -> None:
    text = "India bought S-400 air defence systems from Russia despite the threat of US sanctions."
    tags = tagger.tag(text)
    assert [t.category for t in tags] == ["arms_trade", "sanctions"]
    for tag in tags:
        assert 0.0 < tag.score <= 1.0
        assert tag.rule_ids and {e.rule_id for e in tag.evidence} <= set(tag.rule_ids)
        for e in tag.evidence:
            assert text[e.start:e.end] == e.text
    assert tags[1].evidence[0].text == "sanctions" and tags[1].rule_ids == ["sanctions.core"]


def test_nested_evidence_is_folded_into_the_larger_span(tagger: Tagger) -> None:
    (tag,) = tagger.tag("Arms sales rose.")
    assert [(e.text, e.rule_id) for e in tag.evidence] == [("Arms sales", "arms.compound")]
    assert set(tag.rule_ids) == {"arms.compound", "arms.weapon_transfer"}


def test_evidence_maps_back_to_original_unicode_text(tagger: Tagger) -> None:
    text = "Pyongyang\u2019s ARMS\u2011SALES&nbsp;to Moscow\u00a0grew, officials said."
    (tag,) = tagger.tag(text)
    assert any(e.text == "ARMS\u2011SALES" for e in tag.evidence)
    assert all(text[e.start:e.end] == e.text for e in tag.evidence)


def test_nothing_applies(tagger: Tagger) -> None:
    assert tagger.tag("") == []
    assert tagger.tag("The two leaders discussed grain exports, tourism and a new rail link.") == []


def test_tag_is_pure_and_deterministic(tagger: Tagger) -> None:
    text = "Iran sold drones to Russia, breaching sanctions."
    assert tagger.tag(text) == tagger.tag(text)


def test_version_has_manifest_version_and_hash(tagger: Tagger) -> None:
    base, _, digest = tagger.version.partition("+")
    assert base and len(digest) == 10


def test_scan_cost_does_not_raise_on_long_text(tagger: Tagger) -> None:
    text = "Russia bought missiles from North Korea. " * 2000
    (tag,) = tagger.tag(text)
    assert tag.category == "arms_trade" and len(tag.evidence) <= 12


_TRICKY = st.sampled_from(
    ["arms", " sold ", "&amp;", "&#8217;", "\u2019", "\u00ad", "\u200b", "\u0301", "İ", "ß", "\ufb01", "-",
     "\u2014", "U.S.", "sanctions", "missiles", "\n", "Pyongyang", "&", ";", "\ud800", "Ｆ"]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), st.lists(st.one_of(_TRICKY, st.text(max_size=5)), max_size=40).map("".join)))
def test_never_raises_and_spans_slice_input(tagger: Tagger, text: str) -> None:
    tags = tagger.tag(text)
    assert isinstance(tags, list) and len({t.category for t in tags}) == len(tags)
    for tag in tags:
        assert isinstance(tag, Tag)
        for e in tag.evidence:
            assert text[e.start:e.end] == e.text
