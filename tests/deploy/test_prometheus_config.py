"""promtool checks of the Prometheus config, rules and rule unit tests; the console renders."""

from __future__ import annotations

import re

import yaml

from deploytools import (
    PROM_DIR,
    RULES_FILE,
    RULES_TEST_FILE,
    require_tool,
    run,
)
from tests.support.prometheus import PrometheusServer


def promtool() -> str:
    return require_tool("promtool")


def test_promtool_check_config_local_and_compose() -> None:
    for name in ("prometheus.yml", "prometheus.compose.yml"):
        # promtool resolves rule_files relative to the config file and checks them too.
        result = run([promtool(), "check", "config", str(PROM_DIR / name)])
        assert result.returncode == 0, f"{name}:\n{result.stdout}{result.stderr}"
        assert "SUCCESS" in result.stdout + result.stderr
        assert "rules/stream-alerts.yml" in result.stdout + result.stderr, "rule_files did not match the rules"


def test_scrape_config_targets_the_worker() -> None:
    for name, target in (("prometheus.yml", "127.0.0.1:6066"), ("prometheus.compose.yml", "worker:6066")):
        doc = yaml.safe_load((PROM_DIR / name).read_text())
        jobs = {j["job_name"]: j for j in doc["scrape_configs"]}
        assert "stream-worker" in jobs, name
        targets = [t for sc in jobs["stream-worker"]["static_configs"] for t in sc["targets"]]
        assert targets == [target], name
        assert jobs["stream-worker"].get("metrics_path", "/metrics") == "/metrics"
        assert doc["rule_files"] == ["rules/*.yml"], name


def test_promtool_check_rules() -> None:
    result = run([promtool(), "check", "rules", str(RULES_FILE)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_test_rules() -> None:
    result = run([promtool(), "test", "rules", str(RULES_TEST_FILE)], cwd=RULES_TEST_FILE.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_has_for_severity_and_annotations(rules_doc: dict) -> None:
    alerts = [r for g in rules_doc["groups"] for r in g["rules"] if "alert" in r]
    names = {a["alert"] for a in alerts}
    # The alerts the service promises (README / brief): down, stalled, DLQ, spike, latency.
    assert {"StreamWorkerDown", "StreamConsumerStalled", "StreamDeadLetters", "StreamAlertSpike",
            "StreamEndToEndLatencyHigh", "StreamSinkFailing", "StreamSinkRetrying"} <= names
    for a in alerts:
        assert a.get("for"), f"{a['alert']} has no 'for'"
        assert a["labels"]["severity"] in {"critical", "warning", "info"}, a["alert"]
        assert a["annotations"].get("summary") and a["annotations"].get("description"), a["alert"]


def test_every_alert_rule_has_firing_and_quiet_test_cases(rules_doc: dict) -> None:
    alerts = {r["alert"] for g in rules_doc["groups"] for r in g["rules"] if "alert" in r}
    tests = yaml.safe_load(RULES_TEST_FILE.read_text())
    firing: set[str] = set()
    quiet: set[str] = set()
    for case in tests["tests"]:
        for check in case.get("alert_rule_test", []):
            (firing if check.get("exp_alerts") else quiet).add(check["alertname"])
    assert not alerts - firing, f"alerts without a firing test case: {sorted(alerts - firing)}"
    assert not alerts - quiet, f"alerts without a not-firing test case: {sorted(alerts - quiet)}"
    assert not (firing | quiet) - alerts, f"tests name unknown alerts: {sorted((firing | quiet) - alerts)}"


def test_console_renders_values_server_side(prometheus: PrometheusServer) -> None:
    status, page = prometheus.get_text("/consoles/stream.html", refresh="0")
    assert status == 200, page[:2000]
    assert "error executing template" not in page and "template:" not in page, page[:2000]
    for section in ("throughput", "lag", "latency", "alerts", "stories", "sinks", "tags", "dead-letters",
                    "operations"):
        assert f'<section id="{section}">' in page, section

    def stat(element_id: str) -> str:
        m = re.search(rf'id="{element_id}"[^>]*><a [^>]*>(.*?)</a>', page, re.S)
        assert m, f"no element {element_id}"
        return m.group(1).strip()

    # The fake worker's values, rendered by Prometheus (no JavaScript involved).
    assert stat("produced-total") == "40"
    assert int(stat("consumed-total")) >= 47
    assert float(stat("consumed-rate")) > 0
    assert stat("lag-total") == "5"
    assert stat("tags-total") == "10"
    assert stat("alerts-total") == "3"
    assert stat("alerts-critical") == "1"
    assert stat("dead-letters-total") == "1"
    assert stat("rebalances-total") == "1"
    assert (stat("stories-active"), stat("story-mentions-total")) == ("4", "8")
    assert (stat("suppressed-total"), stat("escalated-total")) == ("4", "1")
    assert (stat("sink-delivered"), stat("sink-retried"), stat("sink-failed")) == ("6", "2", "1")
    assert stat("live-clients") == "2"
    assert stat("broker-contact-age") == "1.5s"
    assert "1.0.0-test" in page  # rules version
    assert "arms_trade" in page and "sanctions" in page
    assert re.search(r"<td>arms_trade</td><td class=\"value\">1</td>\s*<td class=\"value\">[0-9.]+ms</td>", page), \
        "per-category latency quantiles missing"
    # Severity matrix: sanctions has one critical alert (flagged), arms_trade two high ones.
    assert re.search(r"<td>sanctions</td>(\s*<td class=\"value\">0</td>){3}\s*<td class=\"value bad\">1</td>", page)
    assert re.search(r"<td>arms_trade</td>(\s*<td class=\"value\">0</td>){2}\s*<td class=\"value\">2</td>", page)
    # Stories and sinks tables.
    assert re.search(r"<td>arms_trade</td><td>escalated</td><td>corroborated</td><td class=\"value\">1</td>", page)
    assert re.search(r"<td>sanctions</td><td>suppressed</td><td>duplicate</td><td class=\"value\">1</td>", page)
    assert re.search(r"<td>alertmanager</td>\s*<td class=\"value\">3</td>\s*<td class=\"value\">0</td>\s*"
                     r"<td class=\"value bad\">1</td>\s*<td class=\"value\">[0-9.]+ms</td>", page), "sink table"
    assert "UP</b>" in page


def test_console_graphs_are_declared_for_the_script(prometheus: PrometheusServer) -> None:
    """The page carries each graph's queries and the same-origin API path; no script comes from elsewhere."""
    _, page = prometheus.get_text("/consoles/stream.html", refresh="0", range="15m")
    assert 'data-api="/api/v1/query_range"' in page and 'data-range="15m"' in page and 'data-refresh="0"' in page
    for graph in ("graph-throughput", "graph-lag", "graph-latency", "graph-alerts", "graph-stories", "graph-sinks"):
        m = re.search(rf'<figure class="graph" id="{graph}".*?</figure>', page, re.S)
        assert m and 'class="series" hidden data-expr="' in m.group(0), graph
    assert page.count("<script>") == 1 and "<script src" not in page
    assert re.search(r'<a class="selected" href="\?range=15m&amp;refresh=0">15m</a>', page), "range links"


def test_console_renders_without_data(prometheus: PrometheusServer) -> None:
    # A job-less Prometheus page still renders (placeholders, not template errors); without JavaScript
    # the page reloads itself every 15 s, with it the script refreshes in place.
    status, page = prometheus.get_text("/consoles/stream.html")
    assert status == 200
    assert '<noscript><meta http-equiv="refresh" content="15"></noscript>' in page
    assert 'data-refresh="15"' in page and 'data-range="1h"' in page
