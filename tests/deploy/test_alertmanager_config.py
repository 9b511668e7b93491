"""amtool checks of deploy/alertmanager/alertmanager.yml: valid, routes content alerts by story."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from tests.support.alertmanager import CONFIG, quiet_config
from tests.support.tools import require_tool

CONTENT = "alertname=StreamContentAlert"


def amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require_tool("amtool"), *args], capture_output=True, text=True, timeout=30)


def route(*labels: str, config: Path = CONFIG) -> str:
    result = amtool("config", "routes", "test", f"--config.file={config}", *labels)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def test_amtool_check_config_accepts_the_shipped_file():
    result = amtool("check-config", str(CONFIG))
    out = result.stdout + result.stderr
    assert result.returncode == 0 and "SUCCESS" in out, out
    assert " - 3 inhibit rules" in out and " - 3 receivers" in out, out


def test_amtool_rejects_a_broken_copy(tmp_path: Path):
    doc = yaml.safe_load(CONFIG.read_text())
    doc["route"]["receiver"] = "nobody"  # a receiver that does not exist
    broken = tmp_path / "alertmanager.yml"
    broken.write_text(yaml.safe_dump(doc))
    result = amtool("check-config", str(broken))
    assert result.returncode != 0 and "nobody" in result.stdout + result.stderr


def test_the_config_the_tests_run_is_valid_too(tmp_path: Path):
    quiet = tmp_path / "alertmanager-stream-test.yml"
    quiet.write_text(yaml.safe_dump(quiet_config()))
    result = amtool("check-config", str(quiet))
    assert result.returncode == 0, result.stdout + result.stderr


def test_content_alerts_route_by_severity_and_worker_alerts_stay_apart():
    assert route(CONTENT, "severity=critical", "story=s", "category=arms_trade") == "content-oncall"
    for severity in ("high", "medium", "low"):
        assert route(CONTENT, f"severity={severity}", "story=s", "category=sanctions") == "content-analysts"
    assert route("alertname=StreamWorkerDown", "severity=critical") == "stream-ops"


def test_content_alerts_group_by_story_and_inhibit_only_within_content_alerts():
    doc = yaml.safe_load(CONFIG.read_text())
    [content] = [r for r in doc["route"]["routes"] if 'alertname="StreamContentAlert"' in r["matchers"]]
    assert content["group_by"] == ["category", "story"]
    rules = doc["inhibit_rules"]
    assert len(rules) == 3
    for rule in rules:
        assert rule["equal"] == ["story"]
        assert 'alertname="StreamContentAlert"' in rule["source_matchers"]
        assert 'alertname="StreamContentAlert"' in rule["target_matchers"]
