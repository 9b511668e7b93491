"""One JSON Lines record: parse a line into an object, or say which line is wrong and why."""

from __future__ import annotations

import json
from typing import Any

from stream.errors import InputError


def json_object(line: str, where: str) -> dict[str, Any]:
    """The JSON object on ``line``; ``where`` (e.g. ``"file line 3"``) prefixes any error."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: invalid JSON ({exc.msg})") from None
    if not isinstance(record, dict):
        raise InputError(f"{where}: expected a JSON object")
    return record
