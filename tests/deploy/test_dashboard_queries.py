"""Every PromQL query in the console, the Grafana dashboard and the rules names only metrics the
worker exports (or Prometheus' own series, or a recording rule of ours), and parses."""

from __future__ import annotations

import json
import re

import pytest

from deploytools import (
    CONSOLE_LIBS_DIR,
    CONSOLES_DIR,
    GRAFANA_DASHBOARD,
    PROMETHEUS_BUILTINS,
)
from tests.support.prometheus import PrometheusServer

KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
    "offset", "bool", "inf", "nan", "atan2", "start", "end",
}
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENT = re.compile(r"(?<![\w.:$])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:]|\s*\()")


def promql_metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression: identifiers that are not function calls, keywords,
    label names in {...} or in by/without/on/ignoring/group_* lists, durations or strings."""
    s = _STRING.sub('""', expr)
    s = re.sub(r"\{[^}]*\}", " ", s)      # label matchers (after strings, so quoted braces are gone)
    s = re.sub(r"\[[^\]]*\]", " ", s)     # ranges, subqueries
    s = _GROUPING.sub(" ", s)
    s = re.sub(r"\b\d[\w.]*", " ", s)     # numbers and durations (5m, 1e3, 0.99)
    return {m for m in _IDENT.findall(s) if m.lower() not in KEYWORDS}


def test_extractor_examples() -> None:
    assert promql_metric_names(
        'histogram_quantile(0.99, sum by (category, le) (rate(stream_end_to_end_latency_seconds_bucket{job="stream-worker"}[5m])))'
    ) == {"stream_end_to_end_latency_seconds_bucket"}
    assert promql_metric_names(
        '(sum by (job) (rate(a_total{x=~"y{1}"}[5m])) or sum by (job) (up) * 0) == 0 '
        "and on (job) sum without (partition) (delta(lag_messages[5m] offset 1h)) > bool 0"
    ) == {"a_total", "up", "lag_messages"}
    assert promql_metric_names('label_replace(x, "dst", "$1", "src", "(.*)") / ignoring(q) group_left y') == {"x", "y"}
    assert promql_metric_names("job:stream_alerts:rate5m > 3 * avg_over_time(job:stream_alerts:rate5m[1h:1m])") == {
        "job:stream_alerts:rate5m"
    }
    assert promql_metric_names("time() - 1e3 + 5") == set()
    assert promql_metric_names('sum(rate(m{topic=%q}[$__rate_interval]))') == {"m"}


def console_queries() -> list[str]:
    """PromQL in the console template and its library: by convention every backtick string."""
    out = []
    for path in [*CONSOLES_DIR.glob("*.html"), *CONSOLE_LIBS_DIR.glob("*.lib")]:
        text = path.read_text()
        assert not re.search(r'\bquery\s+"', text), f"{path.name}: write PromQL in backticks"
        out += re.findall(r"`([^`]*)`", text)
    return out


def grafana_queries() -> list[str]:
    dash = json.loads(GRAFANA_DASHBOARD.read_text())
    out = []

    def walk(panels: list[dict]) -> None:
        for p in panels:
            out.extend(t["expr"] for t in p.get("targets", []) if t.get("expr"))
            walk(p.get("panels", []))

    walk(dash["panels"])
    return out


def rule_queries(rules_doc: dict) -> list[str]:
    return [r["expr"] for g in rules_doc["groups"] for r in g["rules"]]


def test_there_are_queries_to_check(rules_doc: dict) -> None:
    assert len(console_queries()) >= 25
    assert len(grafana_queries()) >= 15
    assert len(rule_queries(rules_doc)) >= 10


@pytest.mark.parametrize("source", ["console", "grafana", "rules"])
def test_queries_name_only_exported_metrics(source: str, exported_names: set[str], recorded_names: set[str],
                                            rules_doc: dict) -> None:
    queries = {"console": console_queries, "grafana": grafana_queries}.get(source, lambda: rule_queries(rules_doc))()
    known = exported_names | PROMETHEUS_BUILTINS | recorded_names
    unknown = {}
    for q in queries:
        bad = promql_metric_names(q) - known
        if bad:
            unknown[q] = sorted(bad)
    assert not unknown, f"{source} queries name metrics the worker does not export: {unknown}"


def test_recording_rules_use_only_worker_metrics(rules_doc: dict, exported_names: set[str]) -> None:
    for g in rules_doc["groups"]:
        for r in g["rules"]:
            if "record" in r:
                assert promql_metric_names(r["expr"]) <= exported_names | PROMETHEUS_BUILTINS, r["record"]


def test_console_and_grafana_tell_the_same_story(exported_names: set[str]) -> None:
    def families(queries: list[str]) -> set[str]:
        names = set().union(*(promql_metric_names(q) for q in queries))
        return {re.sub(r"_(total|bucket|count|sum|info)$", "", n) for n in names if n.startswith("stream_")}

    worker = {re.sub(r"_(total|bucket|count|sum|info|created)$", "", n) for n in exported_names}
    expected = worker - {"stream_build"}  # build info is a header detail of the console only
    console, grafana = families(console_queries()), families(grafana_queries())
    assert not expected - console, f"console lacks {sorted(expected - console)}"
    assert not expected - grafana, f"grafana dashboard lacks {sorted(expected - grafana)}"


def _concrete(expr: str) -> str:
    return expr.replace("$__rate_interval", "1m").replace("$__interval", "1m").replace("%q", '"x"')


def test_every_query_parses_in_prometheus(prometheus: PrometheusServer, rules_doc: dict) -> None:
    errors = {}
    for q in {*console_queries(), *grafana_queries(), *rule_queries(rules_doc)}:
        status, body = prometheus.raw_query(_concrete(q))
        if status != 200 or body.get("status") != "success":
            errors[q] = body.get("error", status)
    assert not errors, errors


def test_console_queries_return_data_from_the_worker_metrics(prometheus: PrometheusServer) -> None:
    # Non-templated stat queries over the fake worker: each should have a result.
    empty = []
    for q in console_queries():
        if "%q" in q or "ALERTS" in q or "[5m]" in q and "histogram_quantile" in q:
            continue  # templated per row / no alert firing / needs 5m of rate data
        status, body = prometheus.raw_query(q)
        assert status == 200, (q, body)
        if not body["data"]["result"]:
            empty.append(q)
    assert not empty, f"queries with no result although every metric has a sample: {empty}"
