"""The Grafana dashboard parses, uses the provisioned datasource, and provisioning matches compose."""

from __future__ import annotations

import json
from pathlib import PurePosixPath

import yaml

from deploytools import DEPLOY, GRAFANA_DASHBOARD, REPO

PROVISIONING = DEPLOY / "grafana" / "provisioning"


def datasource() -> dict:
    doc = yaml.safe_load((PROVISIONING / "datasources" / "prometheus.yml").read_text())
    assert doc["apiVersion"] == 1
    (ds,) = doc["datasources"]
    return ds


def all_panels() -> list[dict]:
    dash = json.loads(GRAFANA_DASHBOARD.read_text())
    out: list[dict] = []

    def walk(panels: list[dict]) -> None:
        for p in panels:
            out.append(p)
            walk(p.get("panels", []))

    walk(dash["panels"])
    return out


def compose_mounts(service: str) -> dict[str, str]:
    """container path -> host path (relative to the repo) of a compose service's bind mounts."""
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    mounts = {}
    for v in compose["services"][service].get("volumes", []):
        host, container = v.split(":")[:2]
        mounts[container] = host
    return mounts


def test_dashboard_json_has_panels_with_queries() -> None:
    dash = json.loads(GRAFANA_DASHBOARD.read_text())
    assert dash["uid"] and dash["title"]
    panels = [p for p in all_panels() if p["type"] != "row"]
    assert len(panels) >= 10
    ids = [p["id"] for p in all_panels()]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for p in panels:
        assert p.get("targets"), f"panel {p['title']!r} has no query"
        assert all(t.get("expr") for t in p["targets"]), p["title"]
    titles = " ".join(p["title"].lower() for p in panels)
    for topic in ("throughput", "lag", "latency", "tags", "alerts", "dead letters", "rebalances", "rules",
                  "suppressed", "escalations", "stories", "sink deliveries", "sink delivery time", "live"):
        assert topic in titles, f"no panel about {topic}"


def test_panels_use_the_provisioned_datasource_uid() -> None:
    ds = datasource()
    assert ds["type"] == "prometheus"
    for p in all_panels():
        if p["type"] == "row":
            continue
        assert p["datasource"] == {"type": "prometheus", "uid": ds["uid"]}, p["title"]
        for t in p["targets"]:
            assert t["datasource"]["uid"] == ds["uid"], p["title"]


def test_datasource_points_at_the_compose_prometheus() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert datasource()["url"] == "http://prometheus:9090"
    assert "prometheus" in compose["services"]


def test_provisioning_paths_match_compose_mounts() -> None:
    mounts = compose_mounts("grafana")
    assert mounts.get("/etc/grafana/provisioning") == "./deploy/grafana/provisioning"
    providers = yaml.safe_load((PROVISIONING / "dashboards" / "dashboards.yml").read_text())["providers"]
    (provider,) = providers
    path = provider["options"]["path"]
    assert mounts.get(path) == "./deploy/grafana/dashboards", f"{path} is not where compose mounts the dashboards"
    home = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]["grafana"]["environment"].get(
        "GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")
    if home:
        assert PurePosixPath(home).parent == PurePosixPath(path)
        assert (DEPLOY / "grafana" / "dashboards" / PurePosixPath(home).name).is_file()


def test_anonymous_viewer_access() -> None:
    env = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]["grafana"]["environment"]
    assert str(env["GF_AUTH_ANONYMOUS_ENABLED"]).lower() == "true"
    assert env["GF_AUTH_ANONYMOUS_ORG_ROLE"] == "Viewer"
