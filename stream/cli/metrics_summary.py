"""The demo's closing table, read from the worker's own /metrics (what Prometheus would see)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families
from rich.table import Table


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def metric_totals(metrics_text: str) -> Samples:
    totals: Samples = {}
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            totals[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return totals


def _sum(totals: Samples, name: str, **labels: str) -> float:
    return sum(v for (n, lbls), v in totals.items() if n == name and all((k, w) in lbls for k, w in labels.items()))


def story_progress(metrics_text: str) -> tuple[float, float]:
    """Tags the story stage has finished with (raised, escalated or suppressed), and alerts raised."""
    totals = metric_totals(metrics_text)
    return _sum(totals, "stream_story_mentions_total"), _sum(totals, "stream_alerts_total")


def categories_in(totals: Samples) -> list[str]:
    """The categories the worker reports (its rules'): a new rules file adds a column."""
    return sorted({dict(labels)["category"] for name, labels in totals
                   if name == "stream_tags_total" and "category" in dict(labels)})


def summary_table(metrics_text: str, metrics_url: str) -> Table:
    totals = metric_totals(metrics_text)
    categories = categories_in(totals)
    table = Table(title=f"summary (from {metrics_url})")
    table.add_column("measure")
    for category in categories:
        table.add_column(category, justify="right")
    table.add_column("total", justify="right")
    consumed = _sum(totals, "stream_paragraphs_consumed_total")
    blank = [""] * len(categories)
    table.add_row("paragraphs consumed", *blank, f"{consumed:.0f}")
    rows = (
        ("tags", "stream_tags_total", {}),
        ("alerts raised", "stream_alerts_total", {}),
        ("  of which escalations", "stream_alerts_escalated_total", {}),
        ("suppressed: same story", "stream_alerts_suppressed_total", {"reason": "in_window"}),
        ("suppressed: seen before", "stream_alerts_suppressed_total", {"reason": "duplicate"}),
    )
    for label, name, labels in rows:
        per = [_sum(totals, name, category=c, **labels) for c in categories]
        table.add_row(label, *(f"{v:.0f}" for v in per), f"{sum(per):.0f}")
    table.add_row("dead letters", *blank, f"{_sum(totals, 'stream_dead_letters_total'):.0f}")
    return table
