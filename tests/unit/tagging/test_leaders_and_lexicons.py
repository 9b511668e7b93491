"""The dated leaders file and shared lexicon files: validation, and that upkeep is one file's edit."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from stream.errors import RulesError
from stream.tagging import DEFAULT_RULES_DIR, load_tagger
from stream.tagging.rules_loader import load_rules


def _error(rules_dir: Path) -> str:
    with pytest.raises(RulesError) as info:
        load_rules(rules_dir)
    return str(info.value)


def _actors(rules_dir: Path, text: str) -> set[str]:
    (tag,) = [t for t in load_tagger(rules_dir).tag(text) if t.category == "arms_trade"]
    return {a.code or a.name for a in tag.actors}


def test_packaged_leaders_are_dated_and_known() -> None:
    rules = load_rules(DEFAULT_RULES_DIR)
    assert rules.leaders is not None
    codes = {c.code for c in rules.gazetteer.countries}
    assert len(rules.leaders.leaders) >= 100
    for leader in rules.leaders.leaders:
        assert leader.since <= rules.leaders.as_of
        assert leader.country in codes or leader.organisation is not None
    # People live in leaders.yaml only, so a change of office is one edit.
    assert all(not c.leaders for c in rules.gazetteer.countries)
    current = {lead.name for lead in rules.leaders.leaders if lead.until is None}
    assert "Donald Trump" in current and "Joe Biden" not in current


def test_adding_a_leader_is_one_edit(rules_copy: Path) -> None:
    text = "Zorbanovich said Iran sold drones to Russia."
    assert "AM" not in _actors(rules_copy, text)
    with (rules_copy / "leaders.yaml").open("a") as handle:
        handle.write("  - {name: Arman Zorbanovich, aliases: [Zorbanovich], country: AM, role: prime minister, since: 2025-01-01}\n")
    assert "AM" in _actors(rules_copy, text)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("  - {name: A B, country: ZZ, role: president, since: 2020-01-01}\n", "country ZZ is not in the gazetteer"),
        ("  - {name: A B, organisation: nobody, role: chief, since: 2020-01-01}\n", "organisation 'nobody' is not in the gazetteer"),
        ("  - {name: A B, role: president, since: 2020-01-01}\n", "exactly one of 'country' or 'organisation'"),
        ("  - {name: A B, country: FR, role: president, since: 2020-01-01, until: 2019-01-01}\n", "'until' is before 'since'"),
        ("  - {name: A B, country: FR, role: president, since: 2099-01-01}\n", "'since' is after as_of"),
        ("  - {name: A B, country: FR, role: president}\n", "since"),
    ],
)
def test_bad_leader_entries_name_the_file_and_problem(rules_copy: Path, line: str, message: str) -> None:
    with (rules_copy / "leaders.yaml").open("a") as handle:
        handle.write(line)
    error = _error(rules_copy)
    assert error.startswith("leaders.yaml:") and message in error


def test_leaders_file_is_optional(rules_copy: Path) -> None:
    (rules_copy / "leaders.yaml").unlink()
    rules = load_rules(rules_copy)
    assert rules.leaders is None
    assert "US" not in _actors(rules_copy, "Trump said Iran sold drones to Russia.")


def test_shared_lexicons_file(rules_copy: Path) -> None:
    rules = load_rules(rules_copy)
    assert "weapon_system" in rules.lexicons
    # A second file may not define the same lexicon name.
    (rules_copy / "more.yaml").write_text("kind: lexicons\nlexicons:\n  weapon_system:\n    terms: [Foo-1]\n")
    assert "lexicon 'weapon_system' is also defined in" in _error(rules_copy)
    # Without the shared file, the rules that use it name the missing lexicon.
    (rules_copy / "more.yaml").unlink()
    (rules_copy / "weapon_systems.yaml").unlink()
    assert "unknown lexicon 'weapon_system'" in _error(rules_copy)


def test_new_weapon_system_is_one_edit(rules_copy: Path) -> None:
    text = "Egypt bought 12 Zorblax-9 from France."
    assert "arms_trade" not in {t.category for t in load_tagger(rules_copy).tag(text)}
    path = rules_copy / "weapon_systems.yaml"
    path.write_text(path.read_text() + '      - "{Zorblax 9}"\n')
    assert "arms_trade" in {t.category for t in load_tagger(rules_copy).tag(text)}


def test_as_of_is_a_date() -> None:
    rules = load_rules(DEFAULT_RULES_DIR)
    assert rules.leaders is not None and isinstance(rules.leaders.as_of, date)
