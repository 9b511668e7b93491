"""Round-2 phrasing families (own sentences, not eval text): each with positives and hard negatives
that share its vocabulary, so widening a family too far fails here rather than on unseen news."""

from __future__ import annotations

import pytest

from stream.tagging import Tagger

from .conftest import categories

ARMS = "arms_trade"
SANCTIONS = "sanctions"

POSITIVE = [
    # A named weapon system with a sale approval, order or purchase, and no generic arms word.
    (ARMS, "The State Department approved the possible sale of 12 AH-64E Apaches to Nigeria."),
    (ARMS, "The Pentagon cleared a possible sale of 40 PAC-3 MSE interceptors to Germany."),
    (ARMS, "India signed for two more BrahMos batteries last month."),
    (ARMS, "Manila took delivery of its second BrahMos battery in April."),
    (ARMS, "Lithuania bought two more NASAMS batteries from Norway."),
    (ARMS, "Canberra signed a contract for 20 more MQ-9B SkyGuardians."),
    (ARMS, "Erdogan agreed to sell 48 KAAN fighters to Jakarta."),
    (ARMS, "The Philippines ordered two more Jose Rizal-class frigates from South Korea."),
    (ARMS, "Morocco's air force picked the AH-64E over the T129, and the first helicopters arrived in spring."),
    (ARMS, "Nigeria was sold 12 AH-1Z Vipers by the US in a deal worth $997 million."),
    # Seizure, interdiction, traffickers.
    (ARMS, "Customs officers in Mersin seized 400 assault rifles hidden in a shipping container bound for Libya."),
    (ARMS, "The US Navy interdicted a dhow carrying anti-tank missiles in the Arabian Sea."),
    (ARMS, "A French frigate intercepted a fishing boat off Somalia carrying AK-47s and grenades."),
    (ARMS, "Italian police seized a consignment of drone components destined for Iran."),
    (ARMS, "Customs intercepted a shipment of radio modules that was bound for a Russian maker of guided munitions."),
    (ARMS, "Prosecutors charged six members of a ring that trafficked Glock pistols from Texas to Mexico."),
    # Weapons carried or handed to a party, recipient first, ordered by, turning to a supplier.
    (ARMS, "Ships carrying weapons to Israel will be refused entry, Madrid said."),
    (ARMS, "Pretoria will not let its ammunition go to Kyiv."),
    (ARMS, "Belarus has handed Russia thousands of tonnes of artillery shells."),
    (ARMS, "New Delhi handed two maritime patrol aircraft to Colombo on Monday."),
    (ARMS, "All 24 K9 howitzers ordered by Norway are now in service."),
    (ARMS, "Riyadh could turn to Beijing for J-35 stealth fighters."),
    (ARMS, "Tokyo has not sent any lethal equipment to Kyiv."),
    (ARMS, "Japan could transfer its retiring destroyer escorts to the Philippines."),
    (ARMS, "Drone engines made in China keep reaching Russian factories through Kazakhstan."),
    # A supplier denying a transfer.
    (ARMS, "Beijing has repeatedly denied arming Moscow."),
    (ARMS, "The UAE rejected accusations that it was arming the RSF."),
    (ARMS, "South Africa denies that it loaded weapons onto a Russian ship in Simon's Town."),
    # Sanctions: prohibitions in a resolution, licence requirements, dealings refused or forbidden.
    (SANCTIONS, "Resolution 2397 bans member states from supplying North Korea with industrial machinery."),
    (SANCTIONS, "Under Resolution 1718, all states must prevent the supply of luxury goods to North Korea."),
    (SANCTIONS, "From next month, exporters will need a licence to ship machine tools to Russia."),
    (SANCTIONS, "The new rules require a licence for sales of advanced chips to Chinese firms."),
    (SANCTIONS, "U.S. persons are prohibited from dealing with the designated companies."),
    (SANCTIONS, "British firms are now barred from doing business with the Iranian bank."),
    (SANCTIONS, "The regulation makes it illegal for EU firms to provide services to the Russian tanker fleet."),
    (SANCTIONS, "Turkish banks stopped processing payments for blacklisted Russian firms."),
    (SANCTIONS, "Port operators refused to service vessels on the U.S. list."),
    (SANCTIONS, "Indian refiners have stopped buying cargoes from the designated Rosneft subsidiaries."),
    (SANCTIONS, "The European Union suspended a range of sanctions on Syria's energy sector."),
    (SANCTIONS, "Washington could restore the oil sanctions it suspended last year."),
    (SANCTIONS, "The decree prohibits the export of drones to Russia."),
    (SANCTIONS, "The shipment fell under the ban on exporting dual-use goods to Russia."),
]

NEGATIVE = [
    # Named systems without a transfer.
    (ARMS, "Two AH-64E Apaches flew over the parade in Warsaw on Independence Day."),
    (ARMS, "The Patriot batteries shot down three missiles over Kyiv overnight."),
    (ARMS, "BrahMos missiles were test-fired from a destroyer in the Bay of Bengal."),
    (ARMS, "Hyundai Rotem opened a second production line for K2 tanks in Changwon."),
    (ARMS, "The Bundeswehr's Leopard 2A7 tanks took part in a NATO exercise in Lithuania."),
    (ARMS, "The government approved the proposed sale of the steelworks to a Chinese firm."),
    (ARMS, "The regulator cleared the proposed sale of the airline to a Qatari fund."),
    # Seizures that are not transfers, interceptions in combat.
    (ARMS, "Police seized 30 guns in a raid on a gang hideout in Marseille."),
    (ARMS, "Troops seized a cache of weapons near the border after clashes with rebels."),
    (ARMS, "Ukrainian air defences intercepted 40 drones and six missiles overnight."),
    (ARMS, "The navy intercepted a missile fired by the Houthis at a cargo ship in the Red Sea."),
    (ARMS, "Coast guard officers seized a yacht carrying 1.2 tonnes of cocaine off the Azores."),
    (ARMS, "Russian troops seized the village after days of shelling."),
    # Movements that are deployments, figurative gifts, domestic guns.
    (ARMS, "Russian tanks moved into Ukraine in February 2022."),
    (ARMS, "China moved missiles closer to Taiwan during the drills."),
    (ARMS, "Russian bombers carrying cruise missiles flew towards Ukraine before dawn."),
    (ARMS, "The prime minister handed his critics fresh ammunition by cancelling the inquiry."),
    (ARMS, "The strikes gave Russia a pretext to move more missiles to Belarus."),
    (ARMS, "Several US states are arming teachers with handguns."),
    (ARMS, "Hunters will need a licence to buy rifles under the new law."),
    (ARMS, "Peacekeepers handed over their last bases to the Malian army in December."),
    (ARMS, "Ships carrying Ukrainian grain to Egypt left Odesa on Tuesday."),
    # Resolutions, licences and dealings outside sanctions.
    (SANCTIONS, "The city council passed a resolution banning single-use plastics on the seafront."),
    (SANCTIONS, "Drivers will need a licence to operate e-scooters on public roads from March."),
    (SANCTIONS, "India requires exporters to obtain a licence for rice shipments to Bangladesh."),
    (SANCTIONS, "Employees are barred from trading with insider information."),
    (SANCTIONS, "Civil servants are barred from doing business with firms they oversee."),
    (SANCTIONS, "The company refused to do business with suppliers that use child labour."),
    (SANCTIONS, "The bank stopped dealing with crypto firms after heavy losses."),
    (SANCTIONS, "It is illegal for drivers to use a handheld phone while driving in France."),
    (SANCTIONS, "The judge lifted sanctions on the lawyer after she apologised."),
    (SANCTIONS, "A Kenyan sprinter was banned for four years after testing positive."),
    (SANCTIONS, "The new force, sanctioned by a Security Council resolution, will patrol the capital."),
]


@pytest.mark.parametrize(("category", "text"), POSITIVE)
def test_family_positive(tagger: Tagger, category: str, text: str) -> None:
    assert category in categories(tagger, text)


@pytest.mark.parametrize(("category", "text"), NEGATIVE)
def test_family_negative(tagger: Tagger, category: str, text: str) -> None:
    assert category not in categories(tagger, text)


def test_weapon_systems_are_a_shared_lexicon(tagger: Tagger) -> None:
    """Weapon-system families live in their own rules file (kind: lexicons), used as anchors."""
    assert "weapon_system" in tagger.rules.lexicons
    assert "weapon_systems.yaml" in tagger.rules.files
    assert "weapon_system" not in tagger.rules.categories["arms_trade"].lexicons
    (tag,) = [t for t in tagger.tag("India signed for two more BrahMos batteries.") if t.category == ARMS]
    assert "BrahMos batteries" in {e.text for e in tag.evidence}
