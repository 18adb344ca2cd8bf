"""Both overlays connect to a secured Kafka with their secrets mounted as files (validated only).

Production: SASL_SSL with SCRAM-SHA-512, the topic Job as an admin principal; dev: mutual TLS.
The password, key and CA are files of Secrets that are made outside git (e.g. by Strimzi),
mounted read-only; the settings are ones the worker accepts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from streams.settings import Settings
from tests.ops.test_kubernetes_manifests import OVERLAYS, Doc, of_kind, one, render

FILE_SETTINGS = ("TRANSPARANTIE_SASL_PASSWORD_FILE", "TRANSPARANTIE_SSL_CAFILE",
                 "TRANSPARANTIE_SSL_CERTFILE", "TRANSPARANTIE_SSL_KEYFILE")  # fmt: skip


def settings_of(overlay: str) -> dict[str, str]:
    data: dict[str, str] = one(render(overlay), "ConfigMap", "transparantie-settings")["data"]
    return data


def workloads(overlay: str) -> list[Doc]:
    docs = render(overlay)
    return of_kind(docs, "StatefulSet") + of_kind(docs, "Job")


def secret_mounts(workload: Doc) -> dict[str, str]:
    """mount path -> Secret name, of the read-only Secret volumes of the first container."""
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    secrets = {v["name"]: v["secret"]["secretName"] for v in spec["volumes"] if "secret" in v}
    container = spec["containers"][0]
    return {
        m["mountPath"]: secrets[m["name"]]
        for m in container.get("volumeMounts", [])
        if m["name"] in secrets and m.get("readOnly")
    }


@pytest.mark.parametrize(("overlay", "protocol"), [("production", "SASL_SSL"), ("dev", "SSL")])
def test_the_overlay_uses_tls_and_names_no_secret_value(overlay: str, protocol: str) -> None:
    settings = settings_of(overlay)
    assert settings["TRANSPARANTIE_SECURITY_PROTOCOL"] == protocol
    assert settings["TRANSPARANTIE_BOOTSTRAP_SERVERS"].endswith(":9093")
    assert "TRANSPARANTIE_SASL_PASSWORD" not in settings
    assert "TRANSPARANTIE_SSL_KEY_PASSWORD" not in settings
    kafka_secrets = [s for s in of_kind(render(overlay), "Secret") if "kafka" in str(s)]
    assert not kafka_secrets, "Kafka credentials are made outside git"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_credential_file_is_in_a_read_only_secret_volume_of_each_workload(
    overlay: str,
) -> None:
    files = [v for k, v in settings_of(overlay).items() if k in FILE_SETTINGS]
    assert files
    for workload in workloads(overlay):
        mounts = secret_mounts(workload)
        for path in files:
            assert str(Path(path).parent) in mounts, (workload["metadata"]["name"], path)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_settings_are_accepted_by_the_worker(overlay: str, tmp_path: Path) -> None:
    values = {}
    for key, value in settings_of(overlay).items():
        if key in FILE_SETTINGS:
            value = str(tmp_path / Path(value).name)
            Path(value).write_text("stand-in\n")
        values[key.removeprefix("TRANSPARANTIE_").lower()] = value
    Settings(**values)  # refuses, in one sentence, a combination that cannot work


def test_in_production_topics_are_created_by_an_admin_and_the_workers_create_nothing() -> None:
    docs = render("production")
    job = one(docs, "Job")["spec"]["template"]["spec"]["containers"][0]
    assert {"name": "TRANSPARANTIE_SASL_USERNAME", "value": "transparantie-admin"} in job["env"]
    assert secret_mounts(one(docs, "Job"))["/etc/transparantie/kafka/user"] == "transparantie-admin"
    worker = one(docs, "StatefulSet")
    assert secret_mounts(worker)["/etc/transparantie/kafka/user"] == "transparantie-worker"
    assert settings_of("production")["TRANSPARANTIE_SASL_USERNAME"] == "transparantie-worker"
