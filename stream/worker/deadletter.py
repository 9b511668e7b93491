"""Build dead-letter records: the original bytes, why they failed and where they came from.

The record must always fit in one Kafka message, or the dead letter itself would fail: values
up to ``MAX_PAYLOAD_BYTES`` are kept whole, larger ones keep that prefix plus their size and
SHA-256 (the original stays at ``topic``/``partition``/``offset`` for the topic's retention).
"""

from __future__ import annotations

import base64
import hashlib

from stream.models import DeadLetter

MAX_PAYLOAD_BYTES = 256 * 1024  # base64 makes it ~350 KB, well under Kafka's 1 MB default
MAX_KEY_BYTES = 4 * 1024


class RejectedRecord(Exception):
    """A record a stage will not process; ``reason`` is a short, bounded code (a metric label)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class StageFailure(RejectedRecord):
    """A stage's own logic raised on one record (a bug or an input nobody foresaw)."""


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def dead_letter(
    *, reason: str, error: str, value: bytes | None, key: bytes | None, topic: str, partition: int, offset: int
) -> DeadLetter:
    raw = bytes(value) if isinstance(value, (bytes, bytearray)) else str(value or "").encode("utf-8", "replace")
    return DeadLetter(
        reason=reason,
        error=error[:2000],
        payload_b64=_b64(raw[:MAX_PAYLOAD_BYTES]),
        payload_size=len(raw),
        payload_sha256=hashlib.sha256(raw).hexdigest(),
        payload_truncated=len(raw) > MAX_PAYLOAD_BYTES,
        key_b64=None if key is None else _b64(bytes(key)[:MAX_KEY_BYTES]),
        topic=topic,
        partition=partition,
        offset=offset,
    )
