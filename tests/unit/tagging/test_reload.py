"""RulesWatcher: swaps in valid new rules, keeps the old tagger when new rules are invalid."""

from __future__ import annotations

from pathlib import Path

from stream.tagging import load_tagger
from stream.tagging.reload import RulesWatcher

TEXT = "The ministry confirmed the purchase of new widgets from Norway."


def _watcher(rules_dir: Path) -> RulesWatcher:
    return RulesWatcher(rules_dir, load_tagger(rules_dir))


def test_no_change_no_reload(rules_copy: Path) -> None:
    watcher = _watcher(rules_copy)
    tagger = watcher.tagger
    assert watcher.poll() is False and watcher.tagger is tagger and watcher.last_error is None


def test_valid_change_swaps_tagger(rules_copy: Path) -> None:
    watcher = _watcher(rules_copy)
    old = watcher.tagger
    assert old.tag(TEXT) == []
    path = rules_copy / "arms_trade.yaml"
    path.write_text(path.read_text().replace('- "{weapon,weapons,', '- "{widgets,weapon,weapons,', 1))
    assert watcher.poll() is True
    assert watcher.tagger is not old and watcher.tagger.version != old.version
    assert [t.category for t in watcher.tagger.tag(TEXT)] == ["arms_trade"]
    assert watcher.last_error is None and watcher.poll() is False


def test_invalid_change_keeps_old_and_sets_last_error(rules_copy: Path) -> None:
    watcher = _watcher(rules_copy)
    old = watcher.tagger
    path = rules_copy / "sanctions.yaml"
    good = path.read_text()
    path.write_text(good.replace("weight: 0.92", "weight: 2", 1))
    assert watcher.poll() is False
    assert watcher.tagger is old
    assert watcher.last_error and watcher.last_error.startswith("sanctions.yaml: rule sanctions.core:")
    assert watcher.poll() is False  # reported once, not on every poll
    path.write_text(good.replace("weight: 0.92", "weight: 0.9", 1))  # fixed: reload and clear the error
    assert watcher.poll() is True and watcher.last_error is None


def test_new_and_deleted_files_count_as_changes(rules_copy: Path) -> None:
    watcher = _watcher(rules_copy)
    (rules_copy / "notes.yaml").write_text("kind: bogus\n")
    assert watcher.poll() is False and "notes.yaml" in (watcher.last_error or "")
    (rules_copy / "notes.yaml").unlink()
    assert watcher.poll() is True and watcher.last_error is None
