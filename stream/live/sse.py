"""Server-sent events framing (the text/event-stream format of the HTML standard)."""

from __future__ import annotations

RETRY_MS = 3000
HEADERS = {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",  # tell a proxy in front not to buffer the stream
}


def _field(name: str, value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError(f"an SSE {name} field cannot span lines")
    return f"{name}: {value}\n"


def event(event_id: str, data: str) -> bytes:
    """One event; ``data`` may hold newlines (each line becomes a ``data:`` field)."""
    if "\0" in event_id:
        raise ValueError("an SSE id cannot contain NUL")
    lines = data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    body = _field("id", event_id) + "".join(f"data: {line}\n" for line in lines)
    return (body + "\n").encode("utf-8")


def comment(text: str) -> bytes:
    """A line clients ignore: keeps idle connections (and proxies) from timing out."""
    if "\n" in text or "\r" in text:
        raise ValueError("an SSE comment cannot span lines")
    return f": {text}\n\n".encode("utf-8")


def retry(milliseconds: int = RETRY_MS) -> bytes:
    return _field("retry", str(int(milliseconds))).encode("utf-8") + b"\n"


KEEPALIVE = comment("keepalive")
