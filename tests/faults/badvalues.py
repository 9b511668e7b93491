"""Hypothesis strategies of records the worker must dead-letter, and of valid ones, by kind."""

from __future__ import annotations

import json

from hypothesis import strategies as st

MAX_EVENT_BYTES = 2048  # the fuzzed worker's limits: small, so oversize records stay cheap
MAX_PARAGRAPH_CHARS = 500

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=200)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
nested = st.recursive(json_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                              st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                      max_leaves=20)


def event(event_id: str, text: str, **fields: object) -> dict:
    return {"event_id": event_id, "article_id": f"art-{event_id}", "paragraph_index": 0, "paragraph_count": 1,
            "text": text, "ingested_at": "2024-05-01T10:00:00Z", **fields}


valid_texts = texts.filter(lambda t: bool(t.strip()))  # a valid event is built around each


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


@st.composite
def invalid(draw: st.DrawFn) -> tuple[str, bytes | None]:
    """A record of one kind of bad input, and the kind."""
    kind = draw(st.sampled_from(["empty", "too_large", "invalid_utf8", "invalid_json", "nul_bytes", "deep_nesting",
                                 "huge_number", "wrong_schema_version", "wrong_types", "missing_fields",
                                 "extra_fields", "not_an_object", "too_long", "bad_index"]))
    if kind == "empty":
        return kind, draw(st.sampled_from([None, b""]))
    if kind == "too_large":
        return kind, draw(st.binary(min_size=MAX_EVENT_BYTES + 1, max_size=MAX_EVENT_BYTES + 600))
    if kind == "invalid_utf8":
        return kind, draw(st.binary(min_size=1, max_size=50)) + b"\xff\xfe" + draw(st.binary(max_size=20))
    if kind == "invalid_json":
        good = _json(event("bad", "x"))
        return kind, good[: draw(st.integers(1, len(good) - 1))]
    if kind == "nul_bytes":
        return kind, b"{\x00" + draw(st.binary(max_size=30)) + b"\x00}"
    if kind == "deep_nesting":
        depth = draw(st.integers(300, 900))
        return kind, b"[" * depth + b"]" * depth
    if kind == "huge_number":
        return kind, _json(event("bad", "x", paragraph_index=10 ** draw(st.integers(30, 300))))
    if kind == "wrong_schema_version":
        return kind, _json(event("bad", "x", schema_version=draw(st.sampled_from([0, 2, 99, "1", None]))))
    if kind == "wrong_types":
        field = draw(st.sampled_from(["event_id", "paragraph_index", "text", "ingested_at", "source"]))
        return kind, _json({**event("bad", "x"), field: draw(st.sampled_from([1.5, True, [1, 2]]))})
    if kind == "missing_fields":
        fields = event("bad", "x")
        fields.pop(draw(st.sampled_from(["event_id", "article_id", "text", "paragraph_count"])))
        return kind, _json(fields)
    if kind == "extra_fields":
        return kind, _json({**event("bad", "x"), "zz_" + draw(st.text(max_size=6)): draw(nested)})
    if kind == "not_an_object":
        return kind, _json(draw(st.one_of(json_scalars, st.lists(nested, max_size=3))))
    if kind == "too_long":
        return kind, _json(event("bad", "x" * draw(st.integers(MAX_PARAGRAPH_CHARS + 1, MAX_PARAGRAPH_CHARS + 400))))
    return kind, _json(event("bad", "x", paragraph_index=3, paragraph_count=2))  # bad_index
