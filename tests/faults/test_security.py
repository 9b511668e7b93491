"""A broker that demands SASL_SSL (made by `stream broker start` from the STREAM_* settings):
clients without credentials or with a wrong password are refused (aiokafka and kcat), the
worker, `stream replay` and `stream alerts` work end to end with the right ones over each SASL
mechanism, mutual TLS works, the password appears in no log or output, and the worker's web
endpoints other than the probes and metrics need STREAM_WEB_TOKEN."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from stream.broker.local import free_port
from stream.broker.readiness import metadata_round_trip
from stream.config import Settings
from stream.kafka_auth import client_security
from stream.topics import ensure_topics
from stream.worker.process import WorkerProcess, http_get, settings_env
from tests.conftest import REPO_ROOT
from tests.integration.conftest import isolated_settings
from tests.support.tools import require_tool

pytestmark = pytest.mark.integration
SEED = REPO_ROOT / "seeds" / "putin-lukashenko-sochi-north-korea.txt"


def cli(settings: Settings, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **settings_env(settings), "STREAM_KAFKA_CACHE_DIR": str(REPO_ROOT / ".cache" / "kafka")}
    return subprocess.run([sys.executable, "-m", "stream", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=REPO_ROOT)


def kcat(bootstrap: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require_tool("kcat"), "-b", bootstrap, "-L", "-m", "5", *options],
                          capture_output=True, text=True, timeout=60)


def refused(bootstrap: str, **security: object) -> bool:
    return not asyncio.run(metadata_round_trip(bootstrap, timeout=5, security=security))


@pytest.fixture(scope="module")
def secure(tmp_path_factory: pytest.TempPathFactory):
    """A SASL_SSL broker started with `stream broker start`, and settings that reach it."""
    state = tmp_path_factory.mktemp("secure")
    password = "pw-" + secrets.token_urlsafe(12)
    base = Settings(bootstrap_servers=f"127.0.0.1:{free_port()}", state_dir=state, security_protocol="SASL_SSL",
                    sasl_mechanism="SCRAM-SHA-512", sasl_username="stream", sasl_password=password)
    started = cli(base, "broker", "start")
    assert started.returncode == 0, started.stderr
    ca = state / "broker" / "tls" / "ca.pem"
    assert ca.exists() and f"STREAM_SSL_CAFILE={ca}" in started.stderr.replace("\n", "")
    settings = isolated_settings(base.bootstrap_servers, state, security_protocol="SASL_SSL",
                                 sasl_mechanism="SCRAM-SHA-512", sasl_username="stream", sasl_password=password,
                                 ssl_cafile=ca)
    try:
        yield settings, password, started.stdout + started.stderr
    finally:
        cli(base, "broker", "stop")


def test_clients_without_the_right_credentials_are_refused(secure):
    settings, password, _ = secure
    bootstrap, ca = settings.bootstrap_servers, str(settings.ssl_cafile)
    right = client_security(settings)
    assert not refused(bootstrap, **right), "precondition: the right credentials work"
    assert refused(bootstrap), "a plaintext client was let in"
    tls_only = {**{k: v for k, v in right.items() if not k.startswith("sasl")}, "security_protocol": "SSL"}
    assert refused(bootstrap, **tls_only), "a TLS client without SASL was let in"
    assert refused(bootstrap, **{**right, "sasl_plain_password": password + "x"}), "a wrong password was let in"
    # Debian's kcat (librdkafka 2.0.2) fails SCRAM against Kafka 4.1 even with the right password
    # (aiokafka and Kafka's own clients pass), so its positive check uses PLAIN over TLS.
    tls = ["-X", "security.protocol=SASL_SSL", "-X", f"ssl.ca.location={ca}", "-X", "sasl.username=stream"]
    plain, scram = ["-X", "sasl.mechanisms=PLAIN"], ["-X", "sasl.mechanisms=SCRAM-SHA-512"]
    assert kcat(bootstrap, *tls, *plain, "-X", f"sasl.password={password}").returncode == 0
    for mechanism in (plain, scram):
        wrong = kcat(bootstrap, *tls, *mechanism, "-X", f"sasl.password={password}x")
        assert wrong.returncode != 0 and "Authentication failed" in wrong.stderr, wrong.stderr
    assert kcat(bootstrap).returncode != 0, "kcat without credentials"


def test_mutual_tls_with_the_brokers_client_certificate(secure):
    settings, _, _ = secure
    tls_dir = settings.ssl_cafile.parent
    mutual = settings.with_(ssl_certfile=tls_dir / "client.pem", ssl_keyfile=tls_dir / "client-key.pem")
    assert not refused(mutual.bootstrap_servers, **client_security(mutual))


def test_worker_replay_and_alerts_work_end_to_end_over_every_mechanism(secure, tmp_path: Path):
    settings, password, broker_output = secure
    asyncio.run(ensure_topics(settings))
    web_token = secrets.token_urlsafe(16)
    worker = WorkerProcess(settings.with_(web_token=web_token), tmp_path / "worker.log").start(ready_timeout=120)
    try:  # the worker speaks SCRAM-SHA-512
        for path in ("/healthz", "/readyz", "/metrics"):
            assert http_get(worker.base_url + path)[0] == 200, path
        assert http_get(worker.base_url + "/alerts")[0] == 401, "the alert page without the web token"
        assert http_get(f"{worker.base_url}/alerts?token={web_token}")[0] == 200
        replay = cli(settings.with_(sasl_mechanism="SCRAM-SHA-256"), "replay", str(SEED))
        assert replay.returncode == 0, replay.stderr
        outputs = [broker_output, replay.stdout, replay.stderr]
        for _ in range(60):
            shown = cli(settings.with_(sasl_mechanism="PLAIN"), "alerts", "--json")
            assert shown.returncode == 0, shown.stderr
            outputs += [shown.stdout, shown.stderr]
            alerts = [json.loads(line) for line in shown.stdout.splitlines() if line.strip()]
            if {a["category"] for a in alerts} >= {"arms_trade", "sanctions"}:
                break
        assert {a["category"] for a in alerts} >= {"arms_trade", "sanctions"}, worker.log_tail()
        assert {a["article_id"] for a in alerts} == {SEED.stem}
    finally:
        worker.stop()
    state = settings.state_dir
    logs = [p for p in state.rglob("*") if p.is_file() and p.suffix in (".log", ".out")]
    assert logs, "no logs to check"
    leaked = [str(p) for p in logs if password in p.read_text(errors="replace")]
    leaked += [f"output {i}" for i, text in enumerate(outputs) if password in text]
    assert not leaked, f"the password appears in {leaked}"
