from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from stream.metrics import build_metrics, prime
from stream.worker.decode import REASONS


def names(registry) -> set[str]:
    return {s.name for f in text_string_to_metric_families(generate_latest(registry).decode()) for s in f.samples}


def test_each_bundle_has_its_own_registry():
    a, b = build_metrics(), build_metrics()
    a.dead_letters.labels(reason="schema").inc()
    assert a.registry is not b.registry
    assert "stream_dead_letters_total" in names(a.registry)
    assert "stream_dead_letters_total" not in names(b.registry)


def test_prime_creates_known_label_sets_at_zero():
    m = build_metrics()
    prime(m, dead_letter_reasons=REASONS, consumed_topics=("in",), produced_topics=("out",),
          categories=("arms_trade", "sanctions"))
    text = generate_latest(m.registry).decode()
    assert 'stream_paragraphs_consumed_total{topic="in"} 0.0' in text
    assert 'stream_paragraphs_produced_total{topic="out"} 0.0' in text
    for reason in REASONS:
        assert f'stream_dead_letters_total{{reason="{reason}"}} 0.0' in text
    assert 'stream_alerts_total{category="sanctions",severity="high"} 0.0' in text
    assert 'stream_tags_total{category="arms_trade",stance="denied"} 0.0' in text


def test_all_names_share_the_prefix_and_counters_end_in_total():
    m = build_metrics()
    prime(m, dead_letter_reasons=REASONS)
    m.rebalances.inc()
    for family in text_string_to_metric_families(generate_latest(m.registry).decode()):
        assert family.name.startswith("stream_")
        if family.type == "counter":
            assert all(s.name.endswith(("_total", "_created")) for s in family.samples)
