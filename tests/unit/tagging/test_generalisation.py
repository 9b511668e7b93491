"""Phrasing families that generalise recall beyond the eval sets (own sentences, not eval text).

Each family has positives and hard negatives that share its vocabulary, so a rule that is
widened too far (or a context window that is too loose) fails here rather than on unseen news.
"""

from __future__ import annotations

import pytest

from stream.tagging import Tagger

from .conftest import categories

ARMS = "arms_trade"
SANCTIONS = "sanctions"

# (family, text): the category must be tagged.
POSITIVE = [
    # Arms leaking or flowing to a party without a sale verb.
    (ARMS, "Mortar rounds made in Bulgaria keep finding their way to Sudan's warring parties."),
    (ARMS, "Rifles issued to the army ended up in the hands of smugglers on the Libyan border."),
    (ARMS, "Belgrade denies that its shells are reaching Kyiv through intermediaries in third countries."),
    (ARMS, "Weapons flowing into Haiti come mostly from Florida, investigators say."),
    # A cargo of weapons on its way to a recipient.
    (ARMS, "The coast guard seized 3,000 rifles bound for Port-au-Prince in a shipping container."),
    (ARMS, "The dhow was carrying anti-tank missiles destined for the Houthis, the navy said."),
    (ARMS, "The ship held 200 tonnes of explosives and detonators meant for Myanmar's junta."),
    # Foreign parts found inside weapons (dual-use tied to military use).
    (ARMS, "Western chips were found inside Russian cruise missiles that struck Kyiv."),
    (ARMS, "Components made by European firms have been found in Iranian attack drones."),
    (ARMS, "Investigators listed American microelectronics recovered from the wreckage of Shahed drones."),
    # A state asking others for weapons.
    (ARMS, "Kyiv has asked allies for more Patriot batteries before the winter."),
    (ARMS, "Zelensky appealed for long-range missiles at the summit in Vilnius."),
    (ARMS, "Taipei handed Washington a wish list of anti-ship missiles and drones."),
    # Armed by a named party.
    (ARMS, "The Houthis are being armed by Tehran, according to a UN panel."),
    (ARMS, "M23 rebels are trained and armed by Rwanda, UN experts say."),
    # Weapons "for" a state, got/wanted "from" a state, purchase talks.
    (ARMS, "Ships carrying weapons for Israel were refused entry to the port of Cartagena."),
    (ARMS, "The Czech initiative sourced 800,000 artillery shells in third countries for Kyiv."),
    (ARMS, "Ukraine will get its first F-16s from Denmark this summer."),
    (ARMS, "Ukraine wants long-range missiles from Washington."),
    (ARMS, "Pakistan is reportedly in talks with Beijing over 40 J-35 stealth fighters."),
    # Lexicon breadth: bombs and naval ships.
    (ARMS, "The United States will provide Israel with 2,000-pound bombs."),
    (ARMS, "Japan agreed to sell used destroyers to the Philippines."),
    # Listing in the security sense, in plain words.
    (SANCTIONS, "London listed three Russian generals over the abduction of Ukrainian children."),
    (SANCTIONS, "The EU listed 21 more individuals and entities under its Belarus regime."),
    (SANCTIONS, "Washington added nine Honduran officials to its list of corrupt actors."),
    (SANCTIONS, "Moscow put the EU officials on its stop list in retaliation."),
    # Entry bans and asset freezes described without the words.
    (SANCTIONS, "The US added the lawmakers to a visa list, barring them from entering the country."),
    (SANCTIONS, "The officials can no longer travel to the EU or access their funds there."),
    (SANCTIONS, "Four ministers cannot enter Canada and their assets have been frozen."),
    (SANCTIONS, "Banks are prohibited from making funds available to the listed persons."),
    # Measures, restrictions and penalties aimed at a state.
    (SANCTIONS, "The EU adopted new measures against Russia targeting liquefied natural gas."),
    (SANCTIONS, "Switzerland has adopted the EU's measures against Russia."),
    (SANCTIONS, "Washington threatened penalties on buyers of Venezuelan oil."),
    (SANCTIONS, "Traders use Kyrgyzstan to circumvent Western trade restrictions."),
    (SANCTIONS, "The tanker switched off its transponder to avoid US restrictions on Iranian crude."),
    # Export curbs on strategic goods, waivers, re-export, access to technology.
    (SANCTIONS, "Japan tightened export curbs on chipmaking equipment to China."),
    (SANCTIONS, "Washington restricted exports of advanced AI chips to Chinese firms."),
    (SANCTIONS, "Brussels agreed a ban on exports of dual-use goods to Minsk."),
    (SANCTIONS, "Two chipmakers received waivers from U.S. export rules for their plants."),
    (SANCTIONS, "Exporters must run checks to prevent goods being re-exported to Russia."),
    (SANCTIONS, "The Commerce Department cut off Huawei's access to American technology."),
    # Authorities and packages targeting firms; designations against.
    (SANCTIONS, "The US Treasury targeted six companies that helped Iran sell oil to China."),
    (SANCTIONS, "The package also targets companies in China and Turkey that supplied Moscow."),
    (SANCTIONS, "Officials are weighing new designations against the Venezuelan company involved."),
]

# (family, text): the category must NOT be tagged.
NEGATIVE = [
    (ARMS, "The refugees made their way to the border on foot."),
    (ARMS, "Money flowing to the militia came from gold mining, the report found."),
    (ARMS, "Soldiers made their way to the front with rifles and grenades."),
    (ARMS, "Refugees flowing into Poland told of missiles hitting their towns."),
    (ARMS, "Two cruise missiles headed for Kyiv were shot down overnight."),
    (ARMS, "Police said the tanks were headed for the front line in convoy."),
    (ARMS, "Engine parts found in the wreckage of the airliner point to metal fatigue."),
    (ARMS, "The chips inside iPhones are made in Taiwan."),
    (ARMS, "Reporters asked the minister about the missiles that hit the city."),
    (ARMS, "Experts asked whether tanks still matter on a battlefield dominated by drones in Ukraine."),
    (ARMS, "Gunmen armed with AK-47s attacked the village in Zamfara."),
    (ARMS, "Russia fired missiles for the third night in a row at Ukraine's grid."),
    (ARMS, "Drones from Russia crashed in Moldova and Romania overnight."),
    (ARMS, "Washington and Moscow are negotiating limits on nuclear warheads."),
    (ARMS, "Negotiations with Iran over its missile programme stalled."),
    (ARMS, "A bomb exploded near the embassy in Kabul."),
    (ARMS, "Kyiv asked allies for more money to rebuild the power grid."),
    (SANCTIONS, "Shares in the London-listed miner fell 5%."),
    (SANCTIONS, "Forbes listed them among the richest people in Russia."),
    (SANCTIONS, "The ministry listed the cathedral as a national monument."),
    (SANCTIONS, "UNESCO added the old town to its list of World Heritage Sites."),
    (SANCTIONS, "The company added the model to its list of bestsellers."),
    (SANCTIONS, "Fans were barred from entering the stadium after the match."),
    (SANCTIONS, "The Israeli army barred Palestinians from entering Jerusalem for the holiday."),
    (SANCTIONS, "Customers can no longer access their funds after the exchange collapsed."),
    (SANCTIONS, "Visitors can no longer enter the cathedral without a ticket."),
    (SANCTIONS, "The government imposed new measures against the spread of the virus."),
    (SANCTIONS, "Ministers announced new measures against Chinese steel dumping."),
    (SANCTIONS, "The government promised measures against Russian disinformation online."),
    (SANCTIONS, "Companies are trying to avoid US tariffs by shifting production to Vietnam."),
    (SANCTIONS, "India's export ban on onions has pushed up prices in Bangladesh."),
    (SANCTIONS, "Australia's export rules for live sheep will change next year."),
    (SANCTIONS, "Germany granted export licences for 40 armoured vehicles to Qatar."),
    (SANCTIONS, "Switzerland blocked the re-export of Swiss-made ammunition to Ukraine, citing neutrality."),
    (SANCTIONS, "Police cut off access to the square ahead of the protest."),
    (SANCTIONS, "The Treasury targeted inflation of 2% in its budget."),
    (SANCTIONS, "The EU hit Chinese firms with anti-dumping duties on steel."),
    (SANCTIONS, "The aid package targets small businesses in Ukraine hit by blackouts."),
]


@pytest.mark.parametrize(("category", "text"), POSITIVE)
def test_family_positive(tagger: Tagger, category: str, text: str) -> None:
    assert category in categories(tagger, text)


@pytest.mark.parametrize(("category", "text"), NEGATIVE)
def test_family_negative(tagger: Tagger, category: str, text: str) -> None:
    assert category not in categories(tagger, text)


def test_new_rule_evidence_quotes_the_original_text(tagger: Tagger) -> None:
    text = "Five officials can no longer enter Britain or access funds held there after London listed them."
    (tag,) = tagger.tag(text)
    assert tag.category == SANCTIONS
    assert {"sanctions.entry_and_funds", "sanctions.listing"} <= set(tag.rule_ids)
    assert all(text[e.start:e.end] == e.text for e in tag.evidence)
