"""The Kustomize overlays render, and every rendered document is a valid Kubernetes object.

Core kinds are checked against the Kubernetes JSON schemas that the kubernetes-validate package
ships (offline, strict: unknown fields fail). The Prometheus Operator kinds (ServiceMonitor,
PrometheusRule) have no schema there; they get structural checks and are cross-checked with the
objects they refer to.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

try:
    import kubernetes_validate
except ImportError:  # pragma: no cover - depends on the machine
    if os.environ.get("CI"):
        raise  # CI must have it: .ci/install-ops-tools installs it
    pytest.skip("kubernetes-validate not installed", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
KUSTOMIZE_DIR = ROOT / "deploy/kubernetes"
OVERLAYS = ("dev", "production")
KUBERNETES_VERSION = "1.31.0"  # oldest minor still commonly run; newer ones accept these too
OPERATOR_KINDS = {"ServiceMonitor", "PrometheusRule"}

Doc = dict[str, Any]


def kustomize_command() -> list[str]:
    """`kustomize build`, from $KUSTOMIZE, PATH or .cache/bin, else `kubectl kustomize`."""
    candidates = [os.environ.get("KUSTOMIZE"), shutil.which("kustomize")]
    candidates.append(str(ROOT / ".cache/bin/kustomize"))
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return [candidate, "build"]
    kubectl = shutil.which("kubectl")
    if kubectl:
        return [kubectl, "kustomize"]
    pytest.fail("no kustomize: run .ci/install-ops-tools")


@cache
def render(overlay: str) -> tuple[Doc, ...]:
    """The documents of `kustomize build overlays/<overlay>`; fails the test if it fails."""
    path = KUSTOMIZE_DIR / "overlays" / overlay
    result = subprocess.run(
        [*kustomize_command(), str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"kustomize build {path} failed:\n{result.stderr}"
    return tuple(d for d in yaml.safe_load_all(result.stdout) if d)


def of_kind(docs: tuple[Doc, ...], kind: str) -> list[Doc]:
    return [d for d in docs if d["kind"] == kind]


def one(docs: tuple[Doc, ...], kind: str, name_prefix: str = "") -> Doc:
    found = [d for d in of_kind(docs, kind) if d["metadata"]["name"].startswith(name_prefix)]
    assert len(found) == 1, f"expected one {kind} {name_prefix}…, found {len(found)}"
    return found[0]


def load_generator() -> ModuleType:
    path = KUSTOMIZE_DIR / "generate-prometheusrule.py"
    spec = importlib.util.spec_from_file_location("generate_prometheusrule", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_core_document_is_valid_against_the_kubernetes_schema(overlay: str) -> None:
    docs = render(overlay)
    assert docs
    for doc in docs:
        if doc["kind"] in OPERATOR_KINDS:
            continue
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as e:
            pytest.fail(f"{overlay}: {doc['kind']}/{doc['metadata']['name']}: {e.message}")


def test_the_schema_check_rejects_an_unknown_field() -> None:
    statefulset = dict(one(render("dev"), "StatefulSet"))
    statefulset["spec"] = {**statefulset["spec"], "replicaz": 2}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(statefulset, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_overlay_has_the_expected_objects_in_its_namespace(overlay: str) -> None:
    docs = render(overlay)
    kinds = {d["kind"] for d in docs}
    assert {
        "StatefulSet",
        "Service",
        "ServiceMonitor",
        "PrometheusRule",
        "Job",
        "ConfigMap",
        "PodDisruptionBudget",
    } <= kinds
    namespace = one(docs, "Namespace")["metadata"]["name"]
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == namespace, doc["metadata"]["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_workers_are_a_parallel_statefulset_with_state_volume_probes_and_limits(
    overlay: str,
) -> None:
    docs = render(overlay)
    sts = one(docs, "StatefulSet")["spec"]
    assert sts["podManagementPolicy"] == "Parallel"
    (container,) = sts["template"]["spec"]["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for key in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][key])

    settings = one(docs, "ConfigMap", "transparantie-settings")["data"]
    claims = {c["metadata"]["name"] for c in sts["volumeClaimTemplates"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert mounts[settings["TRANSPARANTIE_DATA_DIR"]] in claims
    port = next(p for p in container["ports"] if p["name"] == "http")
    assert str(port["containerPort"]) == settings["TRANSPARANTIE_WEB_PORT"]
    assert settings["TRANSPARANTIE_WEB_HOST"] == "0.0.0.0"

    headless = one(docs, "Service", sts["serviceName"])
    assert headless["spec"]["clusterIP"] == "None"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_settings_and_secret_references_resolve_to_rendered_objects(overlay: str) -> None:
    docs = render(overlay)
    names = {(d["kind"], d["metadata"]["name"]) for d in docs}
    for workload in of_kind(docs, "StatefulSet") + of_kind(docs, "Job"):
        for container in workload["spec"]["template"]["spec"]["containers"]:
            for source in container.get("envFrom", []):
                assert ("ConfigMap", source["configMapRef"]["name"]) in names
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref and not ref.get("optional"):
                    assert ("Secret", ref["name"]) in names


def test_the_explain_token_secret_exists_in_dev_and_is_left_to_the_operator_in_production() -> None:
    dev_secret = one(render("dev"), "Secret", "transparantie-explain")
    assert "token" in dev_secret["data"]
    assert not of_kind(render("production"), "Secret")


def test_the_topic_job_runs_topics_create_with_the_worker_settings() -> None:
    docs = render("production")
    job = one(docs, "Job")["spec"]["template"]["spec"]
    (container,) = job["containers"]
    assert container["args"] == ["topics", "create"]
    sts_container = one(docs, "StatefulSet")["spec"]["template"]["spec"]["containers"][0]
    assert container["envFrom"] == sts_container["envFrom"]
    assert container["image"] == sts_container["image"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_servicemonitor_scrapes_metrics_of_the_worker_service_only(overlay: str) -> None:
    docs = render(overlay)
    monitor = one(docs, "ServiceMonitor")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    selector = monitor["spec"]["selector"]["matchLabels"]
    selected = [
        s
        for s in of_kind(docs, "Service")
        if selector.items() <= s["metadata"].get("labels", {}).items()
    ]
    assert [s["metadata"]["name"] for s in selected] == ["transparantie-worker"]
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["path"] == "/metrics"
    assert endpoint["port"] in {p["name"] for p in selected[0]["spec"]["ports"]}
    # The alerts select up{job="transparantie-worker"}: the job label comes from the Service.
    assert selected[0]["metadata"]["labels"][monitor["spec"]["jobLabel"]] == "transparantie-worker"
    pod_labels = one(docs, "StatefulSet")["spec"]["template"]["metadata"]["labels"]
    assert selected[0]["spec"]["selector"].items() <= pod_labels.items()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_prometheusrule_carries_the_rule_files_unchanged(overlay: str) -> None:
    rule = one(render(overlay), "PrometheusRule")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["spec"]["groups"] == load_generator().rule_groups()
    group_names = [g["name"] for g in rule["spec"]["groups"]]
    assert len(group_names) == len(set(group_names)), "Prometheus rejects repeated group names"
    for group in rule["spec"]["groups"]:
        for r in group["rules"]:
            assert ("record" in r) != ("alert" in r)
            assert r["expr"]


def test_the_checked_in_prometheusrule_equals_the_generated_one() -> None:
    generator = load_generator()
    checked_in = (KUSTOMIZE_DIR / "base/prometheusrule.yaml").read_text(encoding="utf-8")
    assert checked_in == generator.render(), "run deploy/kubernetes/generate-prometheusrule.py"
