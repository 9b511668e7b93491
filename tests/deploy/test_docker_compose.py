"""docker-compose.yml: services, Kafka KRaft settings, wiring, mounts, Dockerfile."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import yaml

from deploytools import INSTALL_HINT, REPO, run

import pytest

COMPOSE = REPO / "docker-compose.yml"
KRAFT_KEYS = {
    "KAFKA_NODE_ID", "KAFKA_PROCESS_ROLES", "KAFKA_LISTENERS", "KAFKA_ADVERTISED_LISTENERS",
    "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "KAFKA_CONTROLLER_LISTENER_NAMES",
    "KAFKA_CONTROLLER_QUORUM_VOTERS", "KAFKA_INTER_BROKER_LISTENER_NAME",
    "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
    "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "CLUSTER_ID",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def listeners(value: str) -> dict[str, tuple[str, int]]:
    out = {}
    for item in value.split(","):
        name, rest = item.strip().split("://")
        host, port = rest.rsplit(":", 1)
        out[name] = (host, int(port))
    return out


def test_services_exist(compose: dict) -> None:
    assert {"kafka", "worker", "replay", "prometheus", "grafana"} <= set(compose["services"])


def test_kafka_kraft_environment(compose: dict) -> None:
    kafka = compose["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    env = {k: str(v) for k, v in kafka["environment"].items()}
    assert not KRAFT_KEYS - set(env), f"missing {sorted(KRAFT_KEYS - set(env))}"
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    assert env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] == "1"
    assert env["KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS"] == "0"

    listen = listeners(env["KAFKA_LISTENERS"])
    advertised = listeners(env["KAFKA_ADVERTISED_LISTENERS"])
    protocol = dict(item.split(":") for item in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    controller = env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    assert set(listen) == set(protocol), "every listener needs a security protocol"
    assert controller in listen and controller not in advertised
    # Every advertised listener is a real listener on the same port.
    for name, (_, port) in advertised.items():
        assert name in listen and listen[name][1] == port, name
    inter = env["KAFKA_INTER_BROKER_LISTENER_NAME"]
    assert inter in advertised and advertised[inter][0] == "kafka", "internal listener must advertise kafka:PORT"
    # Controller quorum: this node at the controller listener's port.
    node, hostport = env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split("@")
    assert node == env["KAFKA_NODE_ID"] and hostport == f"kafka:{listen[controller][1]}"
    # The host listener is published on the host.
    host_listeners = [n for n, (h, _) in advertised.items() if h in ("localhost", "127.0.0.1")]
    assert host_listeners, "no listener advertised for the host"
    published = " ".join(str(p) for p in kafka.get("ports", []))
    assert f":{advertised[host_listeners[0]][1]}" in published
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", env["CLUSTER_ID"]), "CLUSTER_ID is a 22-char base64 UUID"
    assert kafka.get("healthcheck", {}).get("test")


def internal_bootstrap(compose: dict) -> str:
    env = compose["services"]["kafka"]["environment"]
    inter = env["KAFKA_INTER_BROKER_LISTENER_NAME"]
    host, port = listeners(env["KAFKA_ADVERTISED_LISTENERS"])[inter]
    return f"{host}:{port}"


def test_worker_and_replay_use_the_internal_listener(compose: dict) -> None:
    bootstrap = internal_bootstrap(compose)
    worker = compose["services"]["worker"]
    assert worker["environment"]["STREAM_BOOTSTRAP_SERVERS"] == bootstrap
    assert worker["environment"]["STREAM_WEB_HOST"] == "0.0.0.0"
    assert worker["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(worker["healthcheck"]["test"])
    assert worker.get("build")

    replay = compose["services"]["replay"]
    assert replay["environment"]["STREAM_BOOTSTRAP_SERVERS"] == bootstrap
    assert replay["command"][:3] == ["stream", "replay", "seeds/"]
    assert replay["depends_on"]["worker"]["condition"] == "service_healthy"
    assert str(replay["restart"]) == "no"
    assert (REPO / "seeds").is_dir()


def test_prometheus_service_uses_our_config_and_consoles(compose: dict) -> None:
    prom = compose["services"]["prometheus"]
    assert prom["image"].startswith("prom/prometheus:")
    args = dict(a.split("=", 1) for a in prom["command"] if "=" in a)
    mounts = dict(reversed(v.split(":")[:2]) for v in prom["volumes"])
    assert mounts["/etc/prometheus"] == "./deploy/prometheus"
    host = lambda p: REPO / "deploy/prometheus" / Path(p).relative_to("/etc/prometheus")  # noqa: E731
    assert host(args["--config.file"]) == REPO / "deploy/prometheus/prometheus.compose.yml"
    assert host(args["--web.console.templates"]).joinpath("stream.html").is_file()
    assert list(host(args["--web.console.libraries"]).glob("*.lib"))


def test_mounted_host_paths_exist(compose: dict) -> None:
    for name, svc in compose["services"].items():
        for v in svc.get("volumes", []):
            host = v.split(":")[0]
            if host.startswith((".", "/")):
                assert (REPO / host).exists(), f"{name}: {host} does not exist"


def test_dockerfile() -> None:
    text = (REPO / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    assert re.search(r"^RUN pip install \.", text, re.M)
    assert re.search(r"^USER (?!root|0\b)\S+", text, re.M), "must run as a non-root user"
    assert re.search(r"^EXPOSE 6066$", text, re.M)
    assert re.search(r"STREAM_WEB_HOST=0\.0\.0\.0", text)
    assert "HEALTHCHECK" in text and "urllib" in text and "/healthz" in text
    cmd = re.findall(r"^CMD (.+)$", text, re.M)
    assert cmd and json.loads(cmd[-1]) == ["stream", "worker"]
    # Everything the Dockerfile COPYs exists and is not excluded by .dockerignore.
    ignored = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    for line in re.findall(r"^COPY (.+)$", text, re.M):
        for src in line.split()[:-1]:
            assert (REPO / src).exists(), f"COPY {src}: missing in the repo"
            assert src not in ignored, f"COPY {src}: excluded by .dockerignore"


def compose_cli() -> list[str]:
    docker = shutil.which("docker")
    if docker and run([docker, "compose", "version"]).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    if legacy:
        return [legacy]
    pytest.fail(f"neither `docker compose` nor docker-compose found: {INSTALL_HINT}", pytrace=False)


def test_compose_config_validates() -> None:
    # Parses and validates against the Compose schema; needs no Docker engine.
    result = run([*compose_cli(), "-f", str(COMPOSE), "config", "-q"])
    assert result.returncode == 0, result.stdout + result.stderr
