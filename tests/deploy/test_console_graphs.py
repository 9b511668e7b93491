"""The console's graph script in headless Chromium, against a real Prometheus scraping the fake worker:
every graph draws SVG paths from /api/v1/query_range with the values the fake worker serves."""

from __future__ import annotations

import re
import time
from pathlib import Path

from tests.support.chromium import graphs, render_console
from tests.support.prometheus import PrometheusServer

GRAPHS = ("graph-throughput", "graph-lag", "graph-latency", "graph-alerts", "graph-stories", "graph-sinks")


def legend_value(graph_text: list[str], name: str) -> float:
    """The last value the legend shows next to series ``name`` (e.g. "consumed 5")."""
    for text in graph_text:
        m = re.fullmatch(rf"{re.escape(name)} (-?[0-9.]+)(k|M)?", text)
        if m:
            return float(m.group(1)) * {"k": 1e3, "M": 1e6}.get(m.group(2) or "", 1)
    raise AssertionError(f"no legend entry {name!r} in {graph_text}")


def test_graphs_draw_the_fake_workers_series(prometheus: PrometheusServer, tmp_path: Path) -> None:
    # Enough scrapes that a 1m rate has three points at the 5m range's 5 s step (~15 s of data).
    def rate_points() -> int:
        now = time.time()
        result = prometheus.api("query_range", query='sum(rate(stream_paragraphs_consumed_total[1m]))',
                                start=str(now - 300), end=str(now), step="5")["result"]
        return len(result[0]["values"]) if result else 0

    prometheus.wait_for("three points of the consumed rate", lambda: rate_points() >= 3, timeout=40)
    dom = render_console(f"{prometheus.url}/consoles/stream.html?refresh=0&range=5m", tmp_path)
    drawn = graphs(dom)
    assert set(drawn) == set(GRAPHS), sorted(drawn)
    assert not {g: d.error for g, d in drawn.items() if d.error}, "a graph query failed"

    # The fake worker's histograms never move: no latency quantile over a 1m window, the graph says so.
    latency = drawn.pop("graph-latency")
    assert latency.points == 0 and not latency.paths and "no data in this range" in latency.text
    for graph_id, graph in drawn.items():
        assert graph.paths, f"{graph_id}: no SVG path drawn"
        assert not graph.thin_paths(), f"{graph_id}: paths without a line through 2 points: {graph.thin_paths()}"
        assert graph.points == sum(graph.points_of(name) for name in graph.paths), graph_id

    # Legends name the series by their labels and show the last value Prometheus computed.
    throughput = drawn["graph-throughput"]
    assert set(throughput.paths) == {"consumed", "produced (tagged)"}
    # +5 per 1 s scrape; rate()[1m] divides by the whole minute, so it starts lower while it fills.
    assert 0 < legend_value(throughput.text, "consumed") <= 6.0
    assert legend_value(throughput.text, "produced (tagged)") == 0
    assert set(drawn["graph-lag"].paths) == {"paragraphs"} and legend_value(drawn["graph-lag"].text, "paragraphs") == 5
    assert set(drawn["graph-alerts"].paths) == {"arms_trade", "sanctions"}
    assert {"suppressed: duplicate", "suppressed: in_window", "escalated: corroborated"} <= set(drawn["graph-stories"].paths)
    assert set(drawn["graph-sinks"].paths) == {f"{sink} {outcome}" for sink in ("alertmanager", "webhook")
                                              for outcome in ("delivered", "retried", "failed")}


def test_the_page_refreshes_its_numbers_and_graphs_in_place(prometheus: PrometheusServer, tmp_path: Path) -> None:
    # ?refresh=2: within Chromium's virtual time budget the script swaps in fresh numbers a few times
    # (no page reload: the <noscript> meta refresh does not apply with JavaScript on).
    dom = render_console(f"{prometheus.url}/consoles/stream.html?refresh=2&range=5m", tmp_path)
    main = re.search(r"<main [^>]*>", dom)
    assert main, "no <main> element"
    refreshes = re.search(r'data-refreshes="(\d+)"', main.group(0))
    assert refreshes and int(refreshes.group(1)) >= 2, main.group(0)
    assert re.search(r'id="consumed-total"[^>]*><a [^>]*>\d+</a>', dom), "numbers lost in a refresh"
    drawn = graphs(dom)
    assert drawn["graph-lag"].paths and not drawn["graph-lag"].thin_paths()
