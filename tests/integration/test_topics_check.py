"""`topics check` and `topics apply` on the real broker: configurations changed behind the
project's back are caught and set back; a partition count that grew is reported, left alone."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from streams.devtools.stack import PROJECT, cli, free_port, stack_env
from streams.kafka.topics import topic_specs
from streams.settings import Settings

pytestmark = [pytest.mark.kafka]
NAME = "topicscheck"
COUNTS = f"{NAME}.region-counts"
CHANGELOG = f"t-{NAME}-clients-changelog"
INPUT = f"{NAME}.indications"


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streams", *args],
        env=env, cwd=PROJECT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def behind_the_projects_back(bootstrap: str) -> None:
    """What an operator's script might do: AlterConfigs (which also drops the topic's other
    overrides) on the counts topic and the changelog, and one more partition on an input."""
    from aiokafka.admin import AIOKafkaAdminClient, NewPartitions
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    async def go() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            await admin.alter_configs([
                ConfigResource(ConfigResourceType.TOPIC, COUNTS,
                               {"cleanup.policy": "delete", "retention.ms": "3600000"}),
                ConfigResource(ConfigResourceType.TOPIC, CHANGELOG, {"cleanup.policy": "compact"}),
            ])  # fmt: skip
            await admin.create_partitions({INPUT: NewPartitions(total_count=5)})
        finally:
            await admin.close()

    asyncio.run(go())


def test_check_catches_drift_apply_fixes_the_configs_and_leaves_the_partitions(
    kafka_broker: str, tmp_path: Path
) -> None:
    env = stack_env(kafka_broker, NAME, tmp_path)
    cli(env, "topics", "create")
    clean = run(env, "topics", "check")
    topics = len(topic_specs(Settings()))
    assert (clean.returncode, clean.stdout) == (0, f"all {topics} topics match their specs\n")

    behind_the_projects_back(kafka_broker)
    drifted = run(env, "topics", "check")
    assert drifted.returncode == 1, drifted.stderr
    assert drifted.stdout.splitlines() == [
        f"{INPUT}: partitions 5, the spec says 4; `topics apply` never changes it: set"
        " TRANSPARANTIE_PARTITIONS to the live count when that is the intent, or move to new"
        " topics (docs/operations.md, Scaling); adding partitions to an input or changelog"
        " topic moves clients away from their state",
        f"{CHANGELOG}: segment.bytes is 1073741824, the spec says 16777216",
        f"{COUNTS}: cleanup.policy is delete, the spec says compact",
        f"{COUNTS}: retention.ms is 3600000 (set on the topic), the spec leaves it at the"
        " cluster's default",
    ]

    applied = run(env, "topics", "apply")
    assert applied.returncode == 1, applied.stderr  # the partition count is left to a person
    assert applied.stdout.splitlines()[:3] == [
        f"altered  {CHANGELOG}: segment.bytes 1073741824 -> 16777216",
        f"altered  {COUNTS}: cleanup.policy delete -> compact",
        f"altered  {COUNTS}: retention.ms 3600000 -> the cluster's default",
    ]
    assert applied.stdout.splitlines()[3].startswith(f"left     {INPUT}: partitions 5")

    after = run(env, "topics", "check")
    assert after.returncode == 1
    assert [line.split(";")[0] for line in after.stdout.splitlines()] == [
        f"{INPUT}: partitions 5, the spec says 4"
    ]


def test_check_that_cannot_reach_the_cluster_says_so_in_one_line(tmp_path: Path) -> None:
    env = stack_env(f"127.0.0.1:{free_port()}", NAME, tmp_path)
    done = run(env, "topics", "check")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"error: topics check could not run: cannot reach the brokers at"
        f" {env['TRANSPARANTIE_BOOTSTRAP_SERVERS']} (TRANSPARANTIE_BOOTSTRAP_SERVERS)"
    ]
