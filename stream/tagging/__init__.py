"""Rule-based tagging of news paragraphs: ``arms_trade`` and ``sanctions``.

``load_tagger()`` reads the packaged rules (``stream/tagging/rules/``) or another directory,
validates them and returns a :class:`Tagger` whose ``tag(text)`` returns a list of ``Tag``.
"""

from __future__ import annotations

from pathlib import Path

from stream.tagging.rules_loader import load_rules
from stream.tagging.tagger import Tagger

DEFAULT_RULES_DIR: Path = Path(__file__).resolve().parent / "rules"

__all__ = ["DEFAULT_RULES_DIR", "Tagger", "load_tagger"]


def load_tagger(rules_dir: Path | None = None) -> Tagger:
    """Load and validate the rules; raises ``stream.errors.RulesError`` when they are invalid."""
    return Tagger(load_rules(Path(rules_dir) if rules_dir is not None else DEFAULT_RULES_DIR))
