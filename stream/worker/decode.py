"""Decode untrusted wire bytes into a model: size-limited, strict, never pickle."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from stream.worker.deadletter import RejectedRecord

M = TypeVar("M", bound=BaseModel)

# The reason codes decode() rejects a record with (label values of stream_dead_letters_total;
# each stage adds the code of its own failures).
REASONS = ("empty", "not_bytes", "too_large", "invalid_utf8", "invalid_json", "schema", "too_long")


class DecodeError(RejectedRecord):
    """Wire bytes that are not a valid record of the expected model."""


def decode(model: type[M], raw: bytes | None, *, max_bytes: int, max_text_chars: int | None = None) -> M:
    if raw is None:
        raise DecodeError("empty", "the record has no value")
    if not isinstance(raw, (bytes, bytearray)):
        raise DecodeError("not_bytes", f"expected bytes, got {type(raw).__name__}")
    if len(raw) == 0:
        raise DecodeError("empty", "the record has no value")
    if len(raw) > max_bytes:
        raise DecodeError("too_large", f"{len(raw)} bytes exceeds the limit of {max_bytes}")
    try:
        text = bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError("invalid_utf8", str(exc)) from None
    try:
        value = model.model_validate_json(text, strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == "json_invalid":
            raise DecodeError("invalid_json", first["msg"]) from None
        where = ".".join(str(p) for p in first["loc"]) or "(record)"
        raise DecodeError("schema", f"{where}: {first['msg']} ({exc.error_count()} error(s))") from None
    text_value = getattr(value, "text", None)
    if max_text_chars is not None and isinstance(text_value, str) and len(text_value) > max_text_chars:
        raise DecodeError("too_long", f"text has {len(text_value)} characters, limit {max_text_chars}")
    return value
