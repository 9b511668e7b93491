"""Smoke test of ``python -m bench`` on a tiny N: every section runs on its own broker, the
results file has the keys of issue 10 with sane values, every contender saw every record.
No timing is asserted (rates depend on the machine); the run takes about a minute."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
N = 300
KEYS = {
    "tagger": ["paragraphs_per_s", "vs_regex_loop", "vs_alternation", "rules_10k_over_100"],
    "e2e": ["paragraphs_per_s", "alerts_per_s", "vs_faust_relay", "vs_raw_relay", "p50_ms_at_1k", "p99_ms_at_1k",
            "p99_ms_at_max", "seconds_to_first_alert"],
    "scaling": ["two_over_one"],
    "memory": ["peak_rss_mb"],
}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bench") / "results.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([sys.executable, "-m", "bench", "--n", str(N), "--out", str(out), "--latency-seconds", "3"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"python -m bench failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert "two workers / one" in proc.stdout  # the table was printed
    return json.loads(out.read_text())


@pytest.mark.integration
def test_results_have_every_key_with_a_positive_number(results: dict) -> None:
    for section, keys in KEYS.items():
        for key in keys:
            value = results[section][key]
            assert isinstance(value, (int, float)) and not isinstance(value, bool), (section, key, value)
            assert math.isfinite(value) and value > 0, (section, key, value)


@pytest.mark.integration
def test_machine(results: dict) -> None:
    machine = results["machine"]
    assert machine["cores"] >= 1
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", machine["kafka"]), machine
    assert machine["python"] == ".".join(map(str, sys.version_info[:3]))


@pytest.mark.integration
def test_every_contender_handled_every_record(results: dict) -> None:
    e2e = results["e2e"]
    assert e2e["raw_relay_delivered"] == N
    assert e2e["faust_relay_delivered"] == N
    assert e2e["distinct_tagged"] == N
    assert results["scaling"]["two_workers_distinct_tagged"] == N
    assert e2e["alerts"] > 0
    assert 0 < e2e["latency_at_1k"]["sent"] and e2e["latency_at_max"]["sent"] == N
    for phase in ("latency_at_1k", "latency_at_max"):
        assert e2e[phase]["tagged"]["n"] >= e2e[phase]["sent"], phase  # every paragraph's latency measured
        assert e2e[phase]["alerts"]["n"] > 0, phase


@pytest.mark.integration
def test_tagger_baselines_and_rule_sizes(results: dict) -> None:
    tagger = results["tagger"]
    assert tagger["rules_small_big_tag_identically"] is True  # only the automaton's size differs
    assert tagger["rules_big_terms"] == 10_000
    assert tagger["rules_small_terms"] < 1_000
    assert 150 <= tagger["mean_chars"] <= 1_200
