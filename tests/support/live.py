"""Alerts for the live-page tests: realistic stories with evidence spans that index into the text."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone

import aiohttp
from aiokafka import AIOKafkaProducer

from stream.models import Actor, Alert, Evidence, Source
from stream.worker.process import WorkerProcess

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=timezone.utc)


def evidence(text: str, *phrases: str, rule: str = "test.rule") -> list[Evidence]:
    out = []
    for phrase in phrases:
        start = text.index(phrase)
        out.append(Evidence(start=start, end=start + len(phrase), text=phrase, rule_id=rule))
    return out


def alert(
    *, category: str = "arms_trade", severity: str = "high", text: str | None = None,
    phrases: tuple[str, ...] = ("shipment of artillery shells",), alert_id: str | None = None, **fields: object,
) -> Alert:
    """An Alert with unique id (unless given); ``phrases`` become evidence spans of ``text``."""
    text = text if text is not None else (
        "Officials said a shipment of artillery shells left the port of Rajin for Russia last week.")
    span_source = text if text else " ".join(phrases)
    base: dict[str, object] = dict(
        alert_id=alert_id or uuid.uuid4().hex[:24],
        category=category,
        severity=severity,
        summary=f"{category.replace('_', ' ')} alert",
        stance="asserted",
        score=0.9,
        evidence=evidence(span_source, *phrases),
        event_id=uuid.uuid4().hex[:24],
        article_id=f"article-{uuid.uuid4().hex[:8]}",
        paragraph_index=0,
        rules_version="1.0.0+test",
        first_seen=NOW,
        last_seen=NOW,
        ingested_at=NOW,
        raised_at=NOW,
        text=text or None,
    )
    base.update(fields)
    return Alert.model_validate(base)


def showcase() -> tuple[list[Alert], Alert]:
    """What the docs screenshot shows: three earlier alerts, then a critical escalation (published last)."""
    kp_ru = [Actor(name="North Korea", code="KP", role="supplier"), Actor(name="Russia", code="RU", role="recipient")]
    first_text = ("Satellite images show a shipment of artillery shells being loaded at the port of Rajin, "
                  "bound for Russia's Pacific coast, according to analysts who track North Korean exports.")
    first = alert(
        category="arms_trade", severity="high", text=first_text, phrases=("shipment of artillery shells",),
        summary="North Korean artillery shells shipped to Russia", actors=kp_ru, stance="alleged",
        title="Rajin port activity points to new munitions transfer",
        source=Source(name="Northeast Asia Monitor", url="https://example.org/rajin-munitions"),
        story_key="arms_trade|KP>RU", raised_at=NOW - timedelta(hours=3),
    )
    sanctions_text = ("The European Union added 14 shipping companies to its sanctions list on Thursday, "
                      "accusing them of helping Iran evade the oil embargo through ship-to-ship transfers.")
    sanctions = alert(
        category="sanctions", severity="medium", text=sanctions_text,
        phrases=("added 14 shipping companies to its sanctions list", "evade the oil embargo"),
        summary="EU sanctions 14 shipping firms over Iranian oil embargo evasion",
        actors=[Actor(name="European Union", kind="organisation", code="EU"), Actor(name="Iran", code="IR")],
        title="EU widens shadow-fleet sanctions", source=Source(name="Brussels Wire", url=None),
        article_id="bw-2025-0314-eu-shadow-fleet", raised_at=NOW - timedelta(hours=2),
    )
    low_text = "Lawmakers debated whether export controls on drone components should be tightened next year."
    low = alert(
        category="sanctions", severity="low", text=low_text, phrases=("export controls on drone components",),
        summary="Debate on tightening drone component export controls", stance="hypothetical",
        actors=[Actor(name="United States", code="US")], title="Committee weighs drone export rules",
        source=Source(name="Capitol Ledger", url="https://example.org/drone-export-rules"),
        raised_at=NOW - timedelta(hours=1),
    )
    esc_text = ("Three separate reports now confirm that North Korea delivered more than 20 containers of "
                "ammunition to Russia via Rajin, and that the transfer of ballistic missiles continued "
                "despite the UN arms embargo.")
    escalation = alert(
        category="arms_trade", severity="critical", text=esc_text,
        phrases=("delivered more than 20 containers of ammunition", "transfer of ballistic missiles",
                 "UN arms embargo"),
        summary="Escalated: North Korean ammunition and missile transfers to Russia corroborated",
        actors=kp_ru, title="Munitions pipeline from Rajin confirmed by multiple outlets",
        source=Source(name="Northeast Asia Monitor", url="https://example.org/rajin-confirmed"),
        story_key="arms_trade|KP>RU", supersedes=first.alert_id, escalation="corroborated",
        articles=3, sources=2, window_count=5, raised_at=NOW,
    )
    return [first, sanctions, low], escalation


# ---------------------------------------------------------------------- a real worker's stream

_last_timestamp = 0


async def publish(worker: WorkerProcess, *items: Alert | bytes) -> None:
    """Send alerts (or raw bytes) to the alert topic, each with a later timestamp than the one before."""
    global _last_timestamp
    producer = AIOKafkaProducer(bootstrap_servers=worker.settings.bootstrap_servers, acks="all")
    await producer.start()
    try:
        for item in items:
            _last_timestamp = max(int(time.time() * 1000), _last_timestamp + 1)
            key = item.article_id.encode() if isinstance(item, Alert) else b"junk"
            value = item.to_bytes() if isinstance(item, Alert) else item
            await producer.send_and_wait(worker.settings.topic_alerts, value=value, key=key,
                                         timestamp_ms=_last_timestamp)
    finally:
        await producer.stop()


@asynccontextmanager
async def stream(worker: WorkerProcess, headers: dict[str, str] | None = None,
                 **params: str) -> AsyncIterator[EventReader]:
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=None)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async with session.get(f"{worker.base_url}/alerts/stream", params=params, headers=headers or {}) as response:
            assert response.status == 200, await response.text()
            assert response.headers["Content-Type"].startswith("text/event-stream")
            reader = EventReader(response)
            assert (await reader.block())["retry"].isdigit()
            yield reader


def live_clients(worker: WorkerProcess) -> float:
    for line in worker.metrics_text().splitlines():
        if line.startswith("stream_live_clients "):
            return float(line.split()[1])
    raise AssertionError("stream_live_clients is not exported")


async def expect(reader: EventReader, *expected: Alert) -> None:
    """The next events are exactly ``expected``: id = alert_id, data = the alert's one-line JSON."""
    for item in expected:
        event_id, got = await reader.alert()
        assert (event_id, got.alert_id) == (item.alert_id, item.alert_id), f"expected {item.summary!r}, got {got.summary!r}"
        assert reader.fields[-1]["data"] == item.model_dump_json()


# ---------------------------------------------------------------------- reading an event stream

class EventReader:
    """Reads server-sent events from an aiohttp response: events as dicts, comments kept aside."""

    def __init__(self, response) -> None:  # aiohttp.ClientResponse
        self.response = response
        self.comments: list[str] = []
        self.fields: list[dict[str, str]] = []  # every block, including retry-only ones

    async def block(self, timeout: float = 20.0) -> dict[str, str]:
        """The next blank-line-terminated block's fields (comments recorded, not returned)."""
        while True:
            raw = await asyncio.wait_for(self.response.content.readuntil(b"\n\n"), timeout)
            if not raw.endswith(b"\n\n"):
                raise EOFError("the event stream ended")
            fields: dict[str, list[str]] = {}
            for line in raw.decode("utf-8").split("\n"):
                if not line:
                    continue
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                    continue
                name, _, value = line.partition(":")
                fields.setdefault(name, []).append(value[1:] if value.startswith(" ") else value)
            if fields:
                block = {k: "\n".join(v) for k, v in fields.items()}
                self.fields.append(block)
                return block

    async def alert(self, timeout: float = 20.0) -> tuple[str, Alert]:
        """The next event that carries data: (its id, the alert in it), within ``timeout`` (keepalives
        do not extend it)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise asyncio.TimeoutError(f"no alert within {timeout:.0f} s (comments: {self.comments[-3:]})")
            block = await self.block(left)
            if "data" in block:
                return block.get("id", ""), Alert.model_validate_json(block["data"])

    async def alerts(self, count: int, timeout: float = 20.0) -> list[tuple[str, Alert]]:
        return [await self.alert(timeout) for _ in range(count)]
