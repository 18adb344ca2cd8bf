"""A data dir whose RocksDB state the cluster does not back: the worker discards it, restores
from the changelog, says so in one warning, and counts exactly what the topics hold now.

As an operator meets it after a test environment reset, a restore, or a worker pointed at
another cluster: the topics were recreated (the changelog empty, or shorter than what the
local store remembers), or the cluster is another one altogether. Faust raised
ConsistencyError here and the worker crashed with a traceback.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from streams.devtools.stack import (
    CommandFailed,
    Worker,
    cli,
    load_expected,
    stack_env,
    wait_until,
)
from streams.engine.localstate import CLUSTER_FILE
from tests.integration.live import converged

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
AS_OF = "2026-11-29"
AHEAD = "local state is ahead of its changelog"


def population(tmp_path: Path, name: str, clients: int, seed: int) -> Path:
    out = tmp_path / name
    cli({}, "generate", "--clients", str(clients), "--seed", str(seed), "--out", str(out),
        "--as-of", AS_OF, "--no-progress")  # fmt: skip
    return out


def recreate_topics(bootstrap: str, env: dict[str, str], name: str) -> None:
    """Delete every topic of the stack and create them again, empty (a test env reset)."""
    from aiokafka.admin import AIOKafkaAdminClient

    def ours(topic: str) -> bool:
        return topic.startswith((f"{name}.", f"t-{name}-"))

    async def topics() -> list[str]:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            return [t for t in await admin.list_topics() if ours(t)]
        finally:
            await admin.close()

    async def delete(names: list[str]) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            await admin.delete_topics(names)
        finally:
            await admin.close()

    asyncio.run(delete(asyncio.run(topics())))
    wait_until(lambda: not asyncio.run(topics()), 60, "the deleted topics to be gone")

    def create() -> bool:
        try:
            cli(env, "topics", "create", timeout=60)
        except CommandFailed:  # a topic still being deleted
            return False
        return True

    wait_until(create, 60, "the topics to be created again", every=1)


def run_until_exact(
    env: dict[str, str], data: Path, log: Path, expected: Any, produce: Path | None = None
) -> Worker:
    """Start a worker on `data` (and produce `produce` once it is ready), wait until its
    /counts equal `expected`, and return it."""
    worker = Worker({**env, "TRANSPARANTIE_DATA_DIR": str(data)}, log).start()
    try:
        worker.wait_ready()
        if produce is not None:
            cli(env, "produce", str(produce), "--no-progress")
        wait_until(lambda: converged(worker, expected), 120, f"/counts to be exact ({log.name})")
    except BaseException:
        worker.stop()
        raise
    return worker


def warnings_in(log: Path) -> list[str]:
    return [line for line in log.read_text(errors="replace").splitlines() if "WARNING" in line]


def assert_one_clear_warning(log: Path, *needles: str) -> None:
    text = log.read_text(errors="replace")
    assert "ConsistencyError" not in text and "Traceback" not in text, text[-3000:]
    lines = [w for w in warnings_in(log) if needles[0] in w]
    assert len(lines) == 1, "\n".join(warnings_in(log))
    for needle in needles[1:]:
        assert needle in lines[0], lines[0]


def test_state_ahead_of_a_recreated_changelog_is_discarded_and_restored_and_the_worker_goes_on(
    kafka_broker: str, tmp_path: Path
) -> None:
    env = stack_env(kafka_broker, "reset", tmp_path, TRANSPARANTIE_AS_OF=AS_OF,
                    TRANSPARANTIE_STORE="rocksdb")  # fmt: skip
    cli(env, "topics", "create")
    big, small = population(tmp_path, "big", 1500, 41), population(tmp_path, "small", 200, 42)
    data, restored = tmp_path / "state", tmp_path / "restored-state"
    run_until_exact(env, data, tmp_path / "first.log", load_expected(big), produce=big).stop()
    shutil.copytree(data, restored)  # a backup of the stopped worker's data dir

    # the topics are reset: the worker finds its state ahead of an empty changelog, and only
    # the new input counts (nothing of the old state is left)
    recreate_topics(kafka_broker, env, "reset")
    log = tmp_path / "empty.log"
    run_until_exact(env, data, log, load_expected(small), produce=small).stop()
    assert_one_clear_warning(log, AHEAD, "t-reset-clients-changelog[0]", "changelog empty",
                             "restoring them from the changelog")  # fmt: skip

    # the backup restored: its state is ahead of a changelog that is shorter than it remembers
    log = tmp_path / "restored.log"
    run_until_exact(env, restored, log, load_expected(small)).stop()
    assert_one_clear_warning(log, AHEAD, "t-reset-clients-changelog[", "changelog ends at")

    # the same data dir, said to come from another cluster: discarded at start, all restored
    (restored / CLUSTER_FILE).write_text("another-cluster\n")
    log = tmp_path / "other-cluster.log"
    run_until_exact(env, restored, log, load_expected(small)).stop()
    assert_one_clear_warning(log, "restored from Kafka cluster another-cluster",
                             "every partition is restored from the changelog")  # fmt: skip
    assert (restored / CLUSTER_FILE).read_text().strip() != "another-cluster"
