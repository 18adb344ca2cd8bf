"""End to end on the real broker: a generated population, produced, counted live, exactly."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from streams.devtools.stack import Worker, cli, load_expected, stack_env, wait_until
from streams.kafka.topics import CHANGELOG_SEGMENT_BYTES, CLIENTS_TABLE
from tests.integration.live import converged

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
AS_OF = "2026-11-29"


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("population")
    cli({}, "generate", "--clients", "3000", "--seed", "7", "--out", str(out), "--as-of", AS_OF,
        "--no-progress")  # fmt: skip
    return out


def test_counts_endpoint_and_counts_topic_converge_to_the_generators_expected_table(
    kafka_broker: str, population: Path, tmp_path: Path
) -> None:
    env = stack_env(kafka_broker, "e2e", tmp_path, TRANSPARANTIE_AS_OF=AS_OF)
    cli(env, "topics", "create")
    worker = Worker(env, tmp_path / "worker.log").start()
    try:
        worker.wait_ready()
        cli(env, "produce", str(population), "--no-progress")
        expected = load_expected(population)
        wait_until(lambda: converged(worker, expected), 120, "/counts to equal expected.json")
        from_topic = json.loads(cli(env, "report", "--format", "json"))
        assert from_topic == expected
        region = worker.counts()[0]
        assert region == expected[0]
    finally:
        worker.stop()


def test_topics_create_is_idempotent(kafka_broker: str, tmp_path: Path) -> None:
    env = stack_env(kafka_broker, "idem", tmp_path)
    first = cli(env, "topics", "create")
    second = cli(env, "topics", "create")
    assert "created" in first
    assert "created" not in second and second.count("exists") == first.count("created")
    assert changelog_config(kafka_broker, "t-idem")["segment.bytes"] == CHANGELOG_SEGMENT_BYTES


def changelog_config(bootstrap: str, app_id: str) -> dict[str, str]:
    """The client changelog's topic configuration, as the broker describes it."""
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    async def describe() -> dict[str, str]:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            topic = f"{app_id}-{CLIENTS_TABLE}-changelog"
            found = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
            return {entry[0]: entry[1] for entry in found[0].resources[0][4]}
        finally:
            await admin.close()

    return asyncio.run(describe())
