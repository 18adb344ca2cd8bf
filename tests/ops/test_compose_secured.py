"""docker-compose.secured.yml: the stack on a secured Kafka, every secret a file (validated only).

The merged configuration (`-f docker-compose.yml -f docker-compose.secured.yml`) passes the
Compose schema; each Kafka client of it connects with SASL_SSL as the principal meant for it,
reads its password and CA from files of the read-only secrets volume, and has settings the
worker accepts; the broker creates exactly those SCRAM users, and the worker gets its ACLs
before it starts.
"""

from __future__ import annotations

import os
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from streams.settings import Settings, kafka_security_problem
from tests.ops.test_compose import ROOT, compose_cli

SECURED = ROOT / "docker-compose.secured.yml"
SECRETS = "/run/kafka-secrets"
CLIENTS = ("topics-init", "acls-init", "worker-1", "worker-2", "demo-producer")
ADMINS = ("topics-init", "acls-init", "demo-producer")


@cache
def merged() -> dict[str, Any]:
    cli = compose_cli()
    if cli is None:
        assert not os.environ.get("CI"), "CI needs docker-compose: run .ci/install-ops-tools"
        pytest.skip("neither `docker compose` nor docker-compose is installed")
    files = ["-f", str(ROOT / "docker-compose.yml"), "-f", str(SECURED)]
    result = subprocess.run(
        [*cli, "--project-directory", str(ROOT), *files, "--profile", "demo", "config"],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    data: dict[str, Any] = yaml.safe_load(result.stdout)
    return data


def service(name: str) -> dict[str, Any]:
    found: dict[str, Any] = merged()["services"][name]
    return found


def environment(name: str) -> dict[str, str]:
    env = service(name)["environment"]
    return env if isinstance(env, dict) else dict(e.split("=", 1) for e in env)


def mounts(name: str) -> dict[str, tuple[str, bool]]:
    """target -> (source, read-only) of a service's volumes, in either syntax."""
    found = {}
    for volume in service(name).get("volumes", []):
        if isinstance(volume, str):
            source, target, *mode = volume.split(":")
            found[target] = (source, mode == ["ro"])
        else:
            found[volume["target"]] = (str(volume["source"]), bool(volume.get("read_only")))
    return found


@pytest.mark.parametrize("name", CLIENTS)
def test_each_client_uses_sasl_ssl_with_its_secrets_as_read_only_files(name: str) -> None:
    env = environment(name)
    assert env["TRANSPARANTIE_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert env["TRANSPARANTIE_BOOTSTRAP_SERVERS"] == "kafka:9093"
    assert "TRANSPARANTIE_SASL_PASSWORD" not in env  # a file, never a variable
    source, read_only = mounts(name)[SECRETS]
    assert source.endswith("kafka-secrets") and read_only
    for key in ("TRANSPARANTIE_SASL_PASSWORD_FILE", "TRANSPARANTIE_SSL_CAFILE"):
        assert env[key].startswith(SECRETS + "/")
    user = env["TRANSPARANTIE_SASL_USERNAME"]
    assert user == ("transparantie-admin" if name in ADMINS else "transparantie-worker")
    assert env["TRANSPARANTIE_SASL_PASSWORD_FILE"] == f"{SECRETS}/{user}.password"


@pytest.mark.parametrize("name", CLIENTS)
def test_each_clients_settings_are_accepted_by_the_worker(name: str, tmp_path: Path) -> None:
    """With the volume's files in place (here: stand-ins), nothing is refused at start."""
    values = {}
    for key, value in environment(name).items():
        if key.startswith("TRANSPARANTIE_"):
            if value.startswith(SECRETS + "/"):
                value = str(tmp_path / Path(value).name)
                Path(value).write_text("stand-in\n")
            values[key.removeprefix("TRANSPARANTIE_").lower()] = value
    assert kafka_security_problem(Settings(**values)) is None  # (Settings would raise first)


def test_the_broker_formats_exactly_the_scram_users_the_clients_use() -> None:
    script = (ROOT / "deploy/compose/secured/start-kafka.sh").read_text()
    users = {environment(n)["TRANSPARANTIE_SASL_USERNAME"] for n in CLIENTS}
    for user in users:
        assert f'--add-scram "SCRAM-SHA-512=[name={user},password=' in script
    assert "super.users=User:transparantie-admin;User:ANONYMOUS" in script
    assert "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer" in script
    made = (ROOT / "deploy/compose/secured/make-secrets.sh").read_text()
    assert "for user in transparantie-admin transparantie-worker;" in made


def test_workers_start_after_the_admin_created_topics_and_granted_their_acls() -> None:
    acls = service("acls-init")
    assert acls["command"] == ["acls", "create", "--principal", "User:transparantie-worker"]
    assert acls["depends_on"]["topics-init"]["condition"] == "service_completed_successfully"
    for name in ("worker-1", "worker-2"):
        assert service(name)["depends_on"]["acls-init"]["condition"] == (
            "service_completed_successfully"
        )
    assert service("kafka")["depends_on"]["kafka-secrets"]["condition"] == (
        "service_completed_successfully"
    )
    for name in ("kafka", "kafka-secrets"):
        for source, _ in mounts(name).values():
            if source.startswith("/") and "deploy/compose/secured" in source:
                assert Path(source).is_file()


def test_the_schema_registry_needs_no_kafka_credentials_of_its_own() -> None:
    env = environment("schema-registry")
    assert env["APICURIO_STORAGE_KIND"] == "sql" and env["APICURIO_STORAGE_SQL_KIND"] == "h2"
    source, _ = mounts("schema-registry")["/deployments/data"]
    assert source.endswith("schema-registry-data")
