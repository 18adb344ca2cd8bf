"""docker-compose.yml is complete and consistent (no Docker engine here to run it).

Schema validation uses `docker compose config` (Compose v2 plugin) where present, else the
Debian `docker-compose` (v1.29) that .ci/install-ops-tools installs; the rest are checks of our
own conventions: pinned images, the Kafka version, paths, volumes, dependencies, ports.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from streams.devtools.broker import KAFKA_VERSION
from streams.devtools.registry import APICURIO_VERSION

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_FILE = ROOT / ".env"

EXPECTED_SERVICES = {
    "kafka",
    "topics-init",
    "worker-1",
    "worker-2",
    "demo-producer",
    "prometheus",
    "alertmanager",
    "grafana",
    "schema-registry",
}
WORKERS = ("worker-1", "worker-2")


def dotenv() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in ENV_FILE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and $$ (a literal $), from .env only."""

    def replace(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name, default = m.group(1), m.group(3)
        if name in env:
            return env[name]
        assert default is not None, f"${{{name}}} is not set in .env and has no default"
        return default

    return re.sub(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(:?-([^}]*))?\}", replace, text)


@cache
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        interpolate(COMPOSE_FILE.read_text(encoding="utf-8"), dotenv())
    )
    return data


def services() -> dict[str, Any]:
    result: dict[str, Any] = compose()["services"]
    return result


def compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_the_compose_file_passes_the_compose_schema() -> None:
    cli = compose_cli()
    if cli is None:
        assert not os.environ.get("CI"), "CI needs docker-compose: run .ci/install-ops-tools"
        pytest.skip("neither `docker compose` nor docker-compose is installed")
    result = subprocess.run(
        [*cli, "--project-directory", str(ROOT), "-f", str(COMPOSE_FILE), "config", "-q"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_all_services_are_there() -> None:
    assert set(services()) == EXPECTED_SERVICES


def test_kafka_runs_the_official_image_of_the_projects_kafka_version() -> None:
    assert dotenv()["KAFKA_VERSION"] == KAFKA_VERSION
    assert services()["kafka"]["image"] == f"apache/kafka:{KAFKA_VERSION}"


def test_kafka_is_a_single_kraft_node_that_other_containers_reach_as_kafka_9092() -> None:
    env = services()["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    assert env["KAFKA_INTER_BROKER_LISTENER_NAME"] == "PLAINTEXT"
    assert "healthcheck" in services()["kafka"]
    for name in ("topics-init", *WORKERS, "demo-producer"):
        assert services()[name]["environment"]["TRANSPARANTIE_BOOTSTRAP_SERVERS"] == "kafka:9092"


@pytest.mark.parametrize("name", sorted(EXPECTED_SERVICES))
def test_every_pulled_image_is_pinned_to_a_version(name: str) -> None:
    service = services()[name]
    if "build" in service:
        assert service["image"].endswith(":local"), "built images are tagged :local"
        return
    image = service["image"]
    repository, _, tag = image.rpartition(":")
    assert repository and "/" not in tag, f"{image} has no tag"
    assert re.fullmatch(r"v?\d+(\.\d+)+", tag), f"{image} is not pinned to a version"


@pytest.mark.parametrize("name", sorted(EXPECTED_SERVICES))
def test_depends_on_names_existing_services_with_valid_conditions(name: str) -> None:
    depends = services()[name].get("depends_on", {})
    targets = depends if isinstance(depends, dict) else dict.fromkeys(depends)
    for target, spec in targets.items():
        assert target in services(), f"{name} depends on unknown {target}"
        condition = (spec or {}).get("condition", "service_started")
        assert condition in {
            "service_started",
            "service_healthy",
            "service_completed_successfully",
        }
        if condition == "service_healthy":
            assert "healthcheck" in services()[target], f"{target} has no healthcheck"


def test_topics_are_created_after_kafka_is_healthy_and_before_workers_start() -> None:
    assert services()["topics-init"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert services()["topics-init"]["command"] == ["topics", "create"]
    for name in (*WORKERS, "demo-producer"):
        condition = services()[name]["depends_on"]["topics-init"]["condition"]
        assert condition == "service_completed_successfully"


@pytest.mark.parametrize("name", sorted(EXPECTED_SERVICES))
def test_every_mounted_path_exists_and_every_named_volume_is_declared(name: str) -> None:
    declared = set(compose().get("volumes") or {})
    for volume in services()[name].get("volumes", []):
        source = volume.split(":")[0]
        if source.startswith((".", "/")):
            assert (ROOT / source).exists(), f"{name}: {source} does not exist"
        else:
            assert source in declared, f"{name}: volume {source} is not declared"


def test_the_build_uses_the_projects_dockerfile_on_python_311_slim() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    froms = re.findall(r"^FROM\s+(\S+)", dockerfile, re.MULTILINE)
    assert froms and all(f == "python:3.11-slim" for f in froms)
    assert 'ENTRYPOINT ["transparantie"]' in dockerfile
    assert 'CMD ["worker"]' in dockerfile
    for name in ("topics-init", *WORKERS, "demo-producer"):
        assert services()[name]["build"] == "."


def test_each_worker_has_its_own_data_volume_and_web_port_and_prometheus_scrapes_both() -> None:
    prometheus = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    job = next(j for j in prometheus["scrape_configs"] if j["job_name"] == "transparantie-worker")
    targets = {t for sc in job["static_configs"] for t in sc["targets"]}
    data_volumes, ports = set(), set()
    for name in WORKERS:
        worker = services()[name]
        env = worker["environment"]
        port = env["TRANSPARANTIE_WEB_PORT"]
        assert worker["ports"] == [f"{port}:{port}"]
        (volume,) = worker["volumes"]
        source, target = volume.split(":")[:2]
        assert target == env["TRANSPARANTIE_DATA_DIR"]
        assert f"{name}:{port}" in targets
        data_volumes.add(source)
        ports.add(port)
    assert ports == {"6066", "6067"}
    assert len(data_volumes) == len(WORKERS)


def test_the_demo_producer_only_runs_with_the_demo_profile() -> None:
    producer = services()["demo-producer"]
    assert producer["profiles"] == ["demo"]
    script = " ".join(producer["command"])
    assert "transparantie generate" in script and "transparantie produce" in script
    for name in EXPECTED_SERVICES - {"demo-producer"}:
        assert "profiles" not in services()[name]


def test_prometheus_alertmanager_and_grafana_load_the_files_in_deploy() -> None:
    mounts = {
        name: {v.split(":")[0]: v.split(":")[1] for v in services()[name]["volumes"]}
        for name in ("prometheus", "alertmanager", "grafana")
    }
    assert mounts["prometheus"]["./deploy/prometheus"] == "/etc/prometheus"
    assert "--config.file=/etc/prometheus/prometheus.yml" in services()["prometheus"]["command"]
    assert mounts["alertmanager"]["./deploy/alertmanager"] == "/etc/alertmanager"
    assert mounts["grafana"]["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    provider = yaml.safe_load(
        (ROOT / "deploy/grafana/provisioning/dashboards/dashboards.yml").read_text()
    )["providers"][0]
    assert mounts["grafana"]["./deploy/grafana/dashboards"] == provider["options"]["path"]
    prometheus = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    assert prometheus["rule_files"] == ["rules/*.yml"]
    (am,) = prometheus["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert am.split(":")[0] in services()


def test_the_schema_registry_runs_the_official_image_of_the_tests_version() -> None:
    assert dotenv()["APICURIO_VERSION"] == APICURIO_VERSION
    registry = services()["schema-registry"]
    assert registry["image"] == f"apicurio/apicurio-registry:{APICURIO_VERSION}"
    # ids must survive a restart: schemas kept in Kafka, not in the default in-memory H2
    assert registry["environment"]["APICURIO_STORAGE_KIND"] == "kafkasql"
    assert registry["environment"]["APICURIO_KAFKASQL_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert registry["environment"]["APICURIO_RULES_GLOBAL_COMPATIBILITY"] == "BACKWARD"


def test_workers_and_producers_write_the_confluent_format_through_the_registry() -> None:
    for name in ("topics-init", *WORKERS, "demo-producer"):
        env = services()[name]["environment"]
        assert env["TRANSPARANTIE_FRAMING"] == "confluent"
        assert env["TRANSPARANTIE_SCHEMA_REGISTRY_URL"] == (
            "http://schema-registry:8080/apis/ccompat/v7"
        )
    for name in (*WORKERS, "demo-producer"):
        assert "schema-registry" in services()[name]["depends_on"]
