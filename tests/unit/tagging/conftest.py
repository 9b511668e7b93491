"""Fixtures for the tagger tests: one packaged tagger per session, and a writable rules copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from stream.tagging import DEFAULT_RULES_DIR, Tagger, load_tagger


@pytest.fixture(scope="session")
def tagger() -> Tagger:
    return load_tagger()


@pytest.fixture()
def rules_copy(tmp_path: Path) -> Path:
    """A private copy of the packaged rules that a test may edit."""
    target = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, target)
    return target


def categories(tagger: Tagger, text: str) -> set[str]:
    return {t.category for t in tagger.tag(text)}
