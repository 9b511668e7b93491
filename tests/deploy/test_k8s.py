"""deploy/k8s renders with kustomize; probes, resources, settings and rules wiring, scraping."""

from __future__ import annotations

import shutil

import pytest
import yaml

from deploytools import DEPLOY, REPO, kustomize_cmd, run

K8S = DEPLOY / "k8s"
PACKAGED_RULES = REPO / "stream" / "tagging" / "rules"


def render(path) -> dict[tuple[str, str], dict]:
    result = run([*kustomize_cmd(), str(path)])
    assert result.returncode == 0, result.stderr
    docs = [d for d in yaml.safe_load_all(result.stdout) if d]
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


@pytest.fixture(scope="module")
def base() -> dict[tuple[str, str], dict]:
    return render(K8S)


def by_kind(objs: dict, kind: str) -> list[dict]:
    return [o for (k, _), o in objs.items() if k == kind]


def container(objs: dict) -> dict:
    (dep,) = by_kind(objs, "Deployment")
    (c,) = dep["spec"]["template"]["spec"]["containers"]
    return c


def test_renders_expected_objects(base: dict) -> None:
    kinds = sorted(k for k, _ in base)
    assert kinds.count("Deployment") == 1 and kinds.count("Service") == 1 and kinds.count("ConfigMap") == 2


def test_probes(base: dict) -> None:
    c = container(base)
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"http": 6066}
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = c[probe]["httpGet"]
        assert get["path"] == path, probe
        assert get["port"] in ("http", 6066), probe


def test_resources(base: dict) -> None:
    res = container(base)["resources"]
    assert res["requests"]["cpu"] and res["requests"]["memory"]
    assert res["limits"]["memory"]


def test_settings_configmap_wiring(base: dict) -> None:
    c = container(base)
    refs = [e["configMapRef"]["name"] for e in c.get("envFrom", []) if "configMapRef" in e]
    assert refs, "worker takes no settings from a ConfigMap"
    settings = base[("ConfigMap", refs[0])]["data"]
    assert all(k.startswith("STREAM_") for k in settings)
    assert settings["STREAM_WEB_HOST"] == "0.0.0.0"
    assert settings["STREAM_WEB_PORT"] == "6066"
    assert "STREAM_BOOTSTRAP_SERVERS" in settings


def test_rules_configmap_is_mounted_at_rules_dir(base: dict) -> None:
    c = container(base)
    (dep,) = by_kind(base, "Deployment")
    settings = base[("ConfigMap", c["envFrom"][0]["configMapRef"]["name"])]["data"]
    rules_dir = settings["STREAM_RULES_DIR"]
    (mount,) = [m for m in c["volumeMounts"] if m["mountPath"] == rules_dir]
    (vol,) = [v for v in dep["spec"]["template"]["spec"]["volumes"] if v["name"] == mount["name"]]
    rules_cm = base[("ConfigMap", vol["configMap"]["name"])]
    assert vol["configMap"]["name"].startswith("stream-rules-"), "generated (hash-suffixed) rules ConfigMap"
    assert "manifest.yaml" in rules_cm["data"]


def test_rules_copy_matches_the_packaged_rules() -> None:
    # kustomize cannot read stream/tagging/rules: deploy/k8s/rules is a copy that must not drift.
    packaged = {p.name: p.read_text() for p in PACKAGED_RULES.glob("*.y*ml")}
    copied = {p.name: p.read_text() for p in (K8S / "rules").glob("*.y*ml")}
    listed = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    (gen,) = [g for g in listed["configMapGenerator"] if g["name"] == "stream-rules"]
    hint = "resync: rm deploy/k8s/rules/*.yaml && cp stream/tagging/rules/*.yaml deploy/k8s/rules/ (and list them in deploy/k8s/kustomization.yaml)"
    assert packaged, "no packaged rules found"
    assert sorted(copied) == sorted(packaged), hint
    assert all(copied[n] == packaged[n] for n in packaged), hint
    assert sorted(f.split("/")[-1] for f in gen["files"]) == sorted(packaged), hint


def test_service(base: dict) -> None:
    (svc,) = by_kind(base, "Service")
    (port,) = svc["spec"]["ports"]
    assert port["name"] == "http" and port["port"] == 6066 and port["targetPort"] in ("http", 6066)
    (dep,) = by_kind(base, "Deployment")
    labels = dep["spec"]["template"]["metadata"]["labels"]
    assert svc["spec"]["selector"].items() <= labels.items()


def test_scrape_annotations(base: dict) -> None:
    (dep,) = by_kind(base, "Deployment")
    ann = dep["spec"]["template"]["metadata"]["annotations"]
    assert ann["prometheus.io/scrape"] == "true"
    assert ann["prometheus.io/port"] == "6066"
    assert ann["prometheus.io/path"] == "/metrics"


def test_podmonitor_component() -> None:
    # kustomize forbids an overlay inside its base, so build one in .cache/.
    overlay = REPO / ".cache" / "test-k8s-overlay"
    shutil.rmtree(overlay, ignore_errors=True)
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "resources: [../../deploy/k8s]\ncomponents: [../../deploy/k8s/components/podmonitor]\n"
    )
    objs = render(overlay)
    (pm,) = by_kind(objs, "PodMonitor")
    assert pm["apiVersion"] == "monitoring.coreos.com/v1"
    (dep,) = by_kind(objs, "Deployment")
    labels = dep["spec"]["template"]["metadata"]["labels"]
    assert pm["spec"]["selector"]["matchLabels"].items() <= labels.items()
    (ep,) = pm["spec"]["podMetricsEndpoints"]
    assert ep["port"] == "http" and ep["path"] == "/metrics"
    # job label = value of this pod label = the job name the alert rules select on
    assert labels[pm["spec"]["jobLabel"]] == "stream-worker"
