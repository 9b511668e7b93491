"""10,000+ generated bad values (and valid ones among them) through the real broker: every
record comes out tagged or dead-lettered, exactly once, and the worker's memory stays flat."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from stream.models import DeadLetter
from stream.topics import ensure_topics
from stream.worker.process import WorkerProcess
from tests.faults import badvalues
from tests.faults.faultkit import read_all, tagged_ids, wait_for
from tests.integration.conftest import isolated_settings

pytestmark = pytest.mark.integration
BAD, GOOD = 10_000, 1_000


def generate(count: int, strategy) -> list:
    """``count`` draws of ``strategy``, reproducibly (hypothesis, derandomised)."""
    drawn: list = []

    @hsettings(max_examples=count, database=None, derandomize=True, deadline=None,
               suppress_health_check=list(HealthCheck))
    @given(st.data())
    def collect(data: st.DataObject) -> None:
        if len(drawn) < count:
            drawn.append(data.draw(strategy))

    while len(drawn) < count:  # hypothesis may stop early on a small search space
        collect()
    return drawn


async def send_all(bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes | None]]) -> list[tuple[int, int]]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=4 * 1024 * 1024)
    await producer.start()
    try:
        futures = [await producer.send(topic, key=key, value=value) for key, value in records]
        return [((m := await f).partition, m.offset) for f in futures]
    finally:
        await producer.stop()


def rss_mb(worker: WorkerProcess) -> float:
    for line in Path(f"/proc/{worker.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_ten_thousand_bad_values_are_all_dead_lettered_and_nothing_is_lost(bootstrap: str, tmp_path: Path):
    bad = generate(BAD, badvalues.invalid())
    good = [json.dumps(badvalues.event(f"fz-{i}", text)).encode()
            for i, text in enumerate(generate(GOOD, badvalues.valid_texts))]
    rng = random.Random(7)
    keys = [None, b"", b"k", b"\x00\x00"]
    records = [(rng.choice(keys), value) for _, value in bad] + [(f"art-fz-{i}".encode(), v) for i, v in enumerate(good)]
    is_bad = [True] * len(bad) + [False] * len(good)
    order = list(range(len(records)))
    rng.shuffle(order)
    settings = isolated_settings(bootstrap, tmp_path, max_event_bytes=badvalues.MAX_EVENT_BYTES,
                                 max_paragraph_chars=badvalues.MAX_PARAGRAPH_CHARS)
    asyncio.run(ensure_topics(settings))
    worker = WorkerProcess(settings, tmp_path / "worker.log").start(ready_timeout=120)
    try:
        warm = order[:1000]
        asyncio.run(send_all(bootstrap, settings.topic_paragraphs, [records[i] for i in warm]))
        wait_for("the warm-up batch", lambda: consumed(worker) >= len(warm), 60, worker)
        rss_warm = rss_mb(worker)
        rest = order[1000:]
        positions = asyncio.run(send_all(bootstrap, settings.topic_paragraphs, [records[i] for i in rest]))
        wait_for("every record", lambda: consumed(worker) >= len(records), 180, worker)
        rss_after = rss_mb(worker)
        letters = [DeadLetter.model_validate_json(r.value) for r in
                   read_all(bootstrap, settings.topic_dlq, lambda rs: len(rs) >= BAD, 60)]
        valid_ids = {f"fz-{i}" for i in range(GOOD)}
        tagged, tagged_records = tagged_ids(bootstrap, settings.topic_tagged, valid_ids, 60)
    finally:
        worker.stop()
    kinds = sorted({kind for kind, _ in bad})
    bad_positions = {pos for i, pos in zip(rest, positions) if is_bad[i]}
    lettered = {(d.partition, d.offset) for d in letters}
    counts = (f"sent {len(records)} ({len(bad)} bad of {len(kinds)} kinds, {len(good)} valid); dead-lettered "
              f"{len(letters)} ({len(lettered)} distinct), tagged {len(tagged)} in {tagged_records} records; "
              f"worker RSS {rss_warm:.0f} MB after 1,000, {rss_after:.0f} MB after {len(records)}")
    print(f"\nfuzz: {counts}; reasons: {sorted({d.reason for d in letters})}")
    assert len(kinds) == 14, counts
    assert len(letters) + tagged_records == len(records) and len(letters) == len(lettered) == BAD, counts
    assert bad_positions <= lettered, f"bad records sent after the warm-up were not all dead-lettered: {counts}"
    assert tagged == valid_ids, f"valid records lost: {counts}"
    assert rss_after - rss_warm < 60, f"the worker's memory grew: {counts}"


def consumed(worker: WorkerProcess) -> float:
    from stream.cli.metrics_summary import metric_totals

    return sum(v for (name, _), v in metric_totals(worker.metrics_text()).items()
               if name == "stream_paragraphs_consumed_total")
