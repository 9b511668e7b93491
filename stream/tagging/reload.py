"""Hot reload of rules: the worker calls ``poll()`` between events.

The fingerprint is the names, sizes, mtimes and content hashes of the rule files, so an edit
that keeps size and mtime still counts. Invalid new rules never replace working ones.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from stream.errors import RulesError
from stream.tagging import load_tagger
from stream.tagging.rules_loader import rule_files
from stream.tagging.tagger import Tagger

log = logging.getLogger(__name__)


def fingerprint(rules_dir: Path) -> str:
    """A digest of every rule file's name, size, mtime and content ('' if unreadable)."""
    digest = hashlib.sha256()
    try:
        for path in rule_files(rules_dir):
            stat = path.stat()
            digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
            digest.update(path.read_bytes())
    except OSError as exc:
        return f"unreadable:{exc}"
    return digest.hexdigest()


class RulesWatcher:
    """Holds the current :class:`Tagger` and swaps in a new one when the rule files change."""

    def __init__(self, rules_dir: Path, tagger: Tagger) -> None:
        self.rules_dir = Path(rules_dir)
        self._tagger = tagger
        self._fingerprint = fingerprint(self.rules_dir)
        self.last_error: str | None = None
        self.failures = 0  # failed reload attempts so far (each changed, invalid rule set once)

    @property
    def tagger(self) -> Tagger:
        return self._tagger

    def poll(self) -> bool:
        """Reload if the files changed; True when a new tagger was swapped in."""
        current = fingerprint(self.rules_dir)
        if current == self._fingerprint:
            return False
        # Remember the fingerprint either way: a broken edit is reported once, not on every poll.
        self._fingerprint = current
        try:
            tagger = load_tagger(self.rules_dir)
        except RulesError as exc:
            self.failures += 1
            self.last_error = str(exc)
            log.error("rules reload failed, keeping version %s: %s", self._tagger.version, exc)
            return False
        except Exception as exc:  # noqa: BLE001 - never let a reload take the worker down
            self.failures += 1
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("rules reload failed, keeping version %s", self._tagger.version)
            return False
        old, self._tagger, self.last_error = self._tagger.version, tagger, None
        log.info("rules reloaded: %s -> %s", old, tagger.version)
        return True
