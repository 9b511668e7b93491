"""Rule files: validation errors name the file, the rule id and the problem; version hashing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stream.errors import RulesError
from stream.tagging import DEFAULT_RULES_DIR, load_tagger
from stream.tagging.rules_loader import load_rules
from stream.tagging.rules_schema import expand


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def _error(rules_dir: Path) -> str:
    with pytest.raises(RulesError) as info:
        load_rules(rules_dir)
    return str(info.value)


def test_packaged_rules_load() -> None:
    rules = load_rules(DEFAULT_RULES_DIR)
    assert set(rules.categories) == {"arms_trade", "sanctions"}
    assert re.fullmatch(r"[0-9A-Za-z._-]+\+[0-9a-f]{10}", rules.version)
    assert len(rules.gazetteer.countries) >= 100


def test_brace_expansion() -> None:
    assert expand("suppl{y,ies}") == ["supply", "supplies"]
    assert expand("{arms,weapons} {deal,deals}") == ["arms deal", "arms deals", "weapons deal", "weapons deals"]
    assert expand("sell{,s}") == ["sell", "sells"]


def test_any_edit_changes_version(rules_copy: Path) -> None:
    before = load_rules(rules_copy).version
    _edit(rules_copy / "arms_trade.yaml", "weight: 0.92", "weight: 0.91")
    after = load_rules(rules_copy).version
    assert before != after and before.split("+")[0] == after.split("+")[0]


def test_bad_weight_names_file_and_rule(rules_copy: Path) -> None:
    _edit(rules_copy / "arms_trade.yaml", "weight: 0.92", "weight: 1.5")
    message = _error(rules_copy)
    assert message.startswith("arms_trade.yaml: rule arms.compound: rules.0.weight:")
    assert "less than or equal to 1" in message


def test_unknown_lexicon(rules_copy: Path) -> None:
    _edit(rules_copy / "sanctions.yaml", "match: [embargo]", "match: [embargoo]")
    assert _error(rules_copy) == "sanctions.yaml: rule sanctions.embargo: unknown lexicon 'embargoo'"


def test_unknown_field(rules_copy: Path) -> None:
    _edit(rules_copy / "stance.yaml", "window_before: 15", "window_befor: 15")
    message = _error(rules_copy)
    assert message.startswith("stance.yaml: rule stance.denied: cues.0.window_befor: Extra inputs")


def test_duplicate_rule_id(rules_copy: Path) -> None:
    _edit(rules_copy / "sanctions.yaml", "id: sanctions.embargo", "id: arms.compound")
    message = _error(rules_copy)
    assert "rule arms.compound: duplicate id (also in arms_trade.yaml)" in message


def test_unbalanced_braces(rules_copy: Path) -> None:
    _edit(rules_copy / "sanctions.yaml", '"resolution{,s}"', '"resolution{,s"')
    message = _error(rules_copy)
    assert message == "sanctions.yaml: lexicons.resolution.terms: unbalanced braces in term 'resolution{,s'"


def test_term_without_letters(rules_copy: Path) -> None:
    _edit(rules_copy / "sanctions.yaml", '"resolution{,s}"', '"--"')
    assert _error(rules_copy) == "sanctions.yaml: lexicon resolution: term '--' has no letters or digits"


def test_invalid_yaml_has_line(rules_copy: Path) -> None:
    (rules_copy / "broken.yaml").write_text("kind: category\nrules: [\n")
    assert re.match(r"broken\.yaml: line \d+: invalid YAML", _error(rules_copy))


def test_unknown_kind_and_missing_files(rules_copy: Path, tmp_path: Path) -> None:
    (rules_copy / "extra.yaml").write_text("kind: nonsense\n")
    assert _error(rules_copy).startswith("extra.yaml: 'kind' must be one of")
    (rules_copy / "extra.yaml").unlink()
    (rules_copy / "gazetteer.yaml").unlink()
    assert "no 'gazetteer' file" in _error(rules_copy)
    assert "rules directory not found" in _error(tmp_path / "missing")


def test_yaml_norway_pitfall_is_reported(rules_copy: Path) -> None:
    _edit(rules_copy / "gazetteer.yaml", '{code: "NO",', "{code: NO,")
    message = _error(rules_copy)
    assert message.startswith("gazetteer.yaml:") and "code" in message


def test_load_tagger_accepts_a_directory(rules_copy: Path) -> None:
    assert load_tagger(rules_copy).version == load_tagger().version
