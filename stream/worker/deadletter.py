"""Build dead-letter records: the original bytes, why they failed and where they came from."""

from __future__ import annotations

import base64

from stream.models import DeadLetter


def _b64(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(value).decode("ascii")


def dead_letter(
    *, reason: str, error: str, value: bytes | None, key: bytes | None, topic: str, partition: int, offset: int
) -> DeadLetter:
    return DeadLetter(
        reason=reason,
        error=error[:2000],
        payload_b64=_b64(value) or "",
        key_b64=_b64(key),
        topic=topic,
        partition=partition,
        offset=offset,
    )
