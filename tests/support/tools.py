"""Locating the system tools tests use: a missing tool fails the test (never skips) with the fix."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

INSTALL_HINT = "run `bash scripts/install-test-tools.sh` (as root) to install it"


def require_tool(name: str, *candidates: Path | str) -> str:
    """Absolute path of a tool: the first executable candidate, else the one on PATH, else fail."""
    for path in candidates:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return str(path)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} not found on PATH: {INSTALL_HINT}", pytrace=False)
    return found
