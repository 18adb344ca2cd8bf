"""Integration tests of the local Kafka broker (streams.devtools.broker) and aiokafka against it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from streams.devtools import broker

pytestmark = pytest.mark.kafka

# The lifecycle test runs its own broker beside the session one, 10 ports higher.
LIFECYCLE_PORT = int(os.environ.get("TRANSPARANTIE_TEST_BROKER_PORT", "19092")) + 10


async def _produce_consume(bootstrap: str, topic: str, group: str) -> list[bytes]:
    """Create topic, produce three messages, consume them in a group and commit."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for i in range(3):
            await producer.send_and_wait(topic, key=b"k", value=f"m{i}".encode())
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    values: list[bytes] = []
    try:
        deadline = time.monotonic() + 30
        while len(values) < 3 and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                values.extend(r.value for r in records if r.value is not None)
        await consumer.commit()
        assert await consumer.committed(TopicPartition(topic, 0)) == 3
    finally:
        await consumer.stop()
    return values


def test_lifecycle(tmp_path: Path) -> None:
    """Start, idempotent start, status, produce/consume, stop, status on a private port."""
    port = LIFECYCLE_PORT
    data_dir = tmp_path / "broker"
    try:
        broker.start(port=port, data_dir=data_dir, wait_timeout=120)
        st = broker.status(data_dir)
        assert st.running
        assert st.pid is not None
        assert st.port == port
        assert st.version == broker.KAFKA_VERSION
        assert st.log_path.is_file()
        assert (data_dir / broker.PID_FILE).is_file()

        began = time.monotonic()
        broker.start(port=port, data_dir=data_dir, wait_timeout=120)
        assert time.monotonic() - began < 5, "second start must be a no-op"
        assert broker.status(data_dir).pid == st.pid

        values = asyncio.run(_produce_consume(f"127.0.0.1:{port}", "lifecycle", "lifecycle-g"))
        assert values == [b"m0", b"m1", b"m2"]
    finally:
        broker.stop(data_dir)
    st = broker.status(data_dir)
    assert not st.running
    assert st.pid is None
    assert not (data_dir / broker.PID_FILE).exists()
    assert not broker.is_answering(port, timeout=2)
    broker.stop(data_dir)  # stopping a stopped broker is a no-op


def test_start_on_busy_port_fails(tmp_path: Path, kafka_broker: str) -> None:
    """A second data dir cannot start a broker on a port that is already taken."""
    port = int(kafka_broker.rsplit(":", 1)[1])
    with pytest.raises(broker.BrokerError, match="already in use"):
        broker.start(port=port, data_dir=tmp_path / "other", wait_timeout=10)


def test_session_broker_status(kafka_broker: str, kafka_broker_dir: Path) -> None:
    """The session fixture's broker is running and answering on the test port."""
    st = broker.status(kafka_broker_dir)
    assert st.running
    assert st.bootstrap_servers == kafka_broker
    assert broker.is_answering(st.port)


async def test_aiokafka_features(kafka_broker: str) -> None:
    """Exercise the aiokafka calls the project relies on against the session broker."""
    topic = f"compat-{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_broker)
    await admin.start()
    try:
        await admin.create_topics(
            [
                NewTopic(
                    topic,
                    num_partitions=4,
                    replication_factor=1,
                    topic_configs={"cleanup.policy": "compact"},
                )
            ]
        )
        assert topic in await admin.list_topics()
        described = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        entries = {entry[0]: entry[1] for entry in described[0].resources[0][4]}
        assert entries["cleanup.policy"] == "compact"
    finally:
        await admin.close()

    producer = AIOKafkaProducer(bootstrap_servers=kafka_broker, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for i in range(20):
            await producer.send_and_wait(
                topic, key=f"k{i % 5}".encode(), value=str(i).encode(), headers=[("h", b"1")]
            )
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_broker,
        group_id=f"g-{topic}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        seen = 0
        deadline = time.monotonic() + 30
        while seen < 20 and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                seen += len(records)
                assert all(r.headers == (("h", b"1"),) for r in records)
        assert seen == 20
        await consumer.commit()
        partitions = [TopicPartition(topic, p) for p in range(4)]
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
        assert sum(ends.values()) == 20
        assert set(starts.values()) == {0}
        for tp in partitions:
            assert await consumer.committed(tp) in (None, ends[tp])
        times = await consumer.offsets_for_times({tp: 0 for tp in partitions})
        assert set(times) == set(partitions)
    finally:
        await consumer.stop()


@pytest.mark.parametrize(
    "command",
    [("streams", "broker"), ("streams.devtools.broker",)],
    ids=["transparantie", "module"],
)
def test_status_of_the_running_broker_exits_0_from_both_entry_points(
    kafka_broker: str, kafka_broker_dir: Path, command: tuple[str, ...]
) -> None:
    """`status` on the session broker's data dir exits 0 and names its bootstrap address."""
    result = subprocess.run(
        [sys.executable, "-m", *command, "status", "--data-dir", str(kafka_broker_dir)],
        cwd=broker.project_root(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert kafka_broker in result.stdout
