"""Evolving producers through a real schema registry (Apicurio, Confluent API) and through Avro
single-object encoding, counted exactly by a real worker on the real broker; an id the
registry never issued is a dead letter; a registry outage loses nothing; a downstream team
reads the counts with the standard Confluent deserializer and nothing of ours."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import fastavro
import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from fastavro.schema import fingerprint, to_parsing_canonical_form

from streams.codecs.avro import EVENT_SCHEMA_NAMES, SCHEMA_NAMES, schema_json
from streams.codecs.files import records_of
from streams.devtools.registry import LocalRegistry
from streams.devtools.stack import Worker, cli, get_json, load_expected, stack_env, wait_until
from streams.settings import Settings
from tests.integration.live import converged

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
AS_OF = "2026-11-29"
#: A newer version of every event schema: one optional field added (allowed by the contract).
ADDED = {"name": "bron", "type": ["null", "string"], "default": None, "doc": "Sending system."}


def newer(name: str) -> dict[str, Any]:
    schema = schema_json(name)
    schema["fields"].append(ADDED)
    return schema


def without_retracted() -> dict[str, Any]:
    """Indication with the field `retracted` (default false) removed."""
    schema = schema_json("Indication")
    schema["fields"] = [f for f in schema["fields"] if f["name"] != "retracted"]
    return schema


#: producer -> the writer schema of each event schema it writes
PRODUCERS: dict[str, dict[str, dict[str, Any]]] = {
    "today": {n: schema_json(n) for n in EVENT_SCHEMA_NAMES},
    "newer": {n: newer(n) for n in EVENT_SCHEMA_NAMES},
    "removed": {"Indication": without_retracted()},
}


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("population")
    cli({}, "generate", "--clients", "400", "--seed", "11", "--out", str(out), "--as-of", AS_OF,
        "--no-progress")  # fmt: skip
    return out


def shares(population: Path) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(producer, schema name, record) for every event: the producers take turns; the one
    without `retracted` takes only indications whose `retracted` is its default (false)."""
    for i, (name, record) in enumerate(records_of(sorted(population.glob("*.avro")))):
        if name == "Indication" and not record["retracted"] and i % 3 == 0:
            yield "removed", name, {k: v for k, v in record.items() if k != "retracted"}
        elif i % 2:
            yield "newer", name, {**record, "bron": "producer-b"}
        else:
            yield "today", name, record


def send(bootstrap: str, messages: list[tuple[str, bytes, bytes]]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for topic, key, value in messages:
        producer.produce(topic, key=key, value=value)
        producer.poll(0)
    assert producer.flush(30) == 0


def confluent_messages(
    env: dict[str, str],
    registry: SchemaRegistryClient,
    items: list[tuple[str, str, dict[str, Any]]],
) -> list[tuple[str, bytes, bytes]]:
    """Serialized with confluent_kafka's AvroSerializer, each producer with its own schemas
    (auto-registered under <topic>-value, as a producer team's serializer does)."""
    topics = Settings(**settings_of(env)).event_topics()
    topic_of = {name: topic for topic, name in topics.items()}
    serializers = {
        (p, name): AvroSerializer(
            registry, json.dumps(schema), conf={"auto.register.schemas": True}
        )
        for p, schemas in PRODUCERS.items()
        for name, schema in schemas.items()
    }
    out = []
    for producer, name, record in items:
        topic = topic_of[name]
        value = serializers[(producer, name)](
            record, SerializationContext(topic, MessageField.VALUE)
        )
        assert value is not None
        out.append((topic, record["client_id"].encode(), value))
    return out


def settings_of(env: dict[str, str]) -> dict[str, str]:
    prefix = "TRANSPARANTIE_"
    return {k[len(prefix) :].lower(): v for k, v in env.items() if k.startswith(prefix)}


def dead_letters(env: dict[str, str]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = json.loads(cli(env, "dead-letters", "list", "--format", "json"))
    return result


def registry_env(bootstrap: str, name: str, tmp: Path, registry: LocalRegistry) -> dict[str, str]:
    return stack_env(
        bootstrap, name, tmp, TRANSPARANTIE_AS_OF=AS_OF, TRANSPARANTIE_FRAMING="confluent",
        TRANSPARANTIE_SCHEMA_REGISTRY_URL=registry.url,
        TRANSPARANTIE_SCHEMA_REGISTRY_TIMEOUT_SECONDS="2",
    )  # fmt: skip


def counts_read_downstream(
    bootstrap: str, registry: SchemaRegistryClient, topic: str
) -> dict[str, dict[str, Any]]:
    """The latest row per region, as a downstream team reads it: confluent_kafka's Consumer and
    AvroDeserializer, nothing of ours."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"downstream-{time.time()}",
                         "enable.auto.commit": False})  # fmt: skip
    deserialize = AvroDeserializer(registry)
    try:
        metadata = consumer.list_topics(topic, timeout=10).topics[topic]
        tps = [TopicPartition(topic, p, 0) for p in metadata.partitions]
        ends = {tp.partition: consumer.get_watermark_offsets(tp, timeout=10)[1] for tp in tps}
        consumer.assign(tps)
        latest: dict[str, dict[str, Any]] = {}
        done: set[int] = {p for p, end in ends.items() if end == 0}
        deadline = time.monotonic() + 60
        while len(done) < len(tps) and time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is None or message.error():
                continue
            row = deserialize(message.value(), SerializationContext(topic, MessageField.VALUE))
            latest[message.key().decode()] = row
            if message.offset() + 1 >= ends[message.partition()]:
                done.add(message.partition())
        assert len(done) == len(tps), "the counts topic was not read to its end"
        return latest
    finally:
        consumer.close()


def as_table(rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        code: {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()}
        for code, row in rows.items()
    }


def test_evolving_producers_through_the_registry_are_counted_exactly_and_read_downstream(
    kafka_broker: str, schema_registry: LocalRegistry, population: Path, tmp_path: Path
) -> None:
    env = registry_env(kafka_broker, "sr-evolve", tmp_path, schema_registry)
    cli(env, "topics", "create")
    registry = SchemaRegistryClient({"url": schema_registry.url})
    messages = confluent_messages(env, registry, list(shares(population)))
    worker = Worker(env, tmp_path / "worker.log").start()
    try:
        worker.wait_ready()
        send(kafka_broker, messages)
        expected = load_expected(population)
        wait_until(lambda: converged(worker, expected), 120, "/counts to equal expected.json")
        assert dead_letters(env) == []

        # a downstream team: the counts topic with the standard Confluent deserializer
        settings = Settings(**settings_of(env))
        topic_rows = as_table(counts_read_downstream(kafka_broker, registry, settings.topic_counts))
        for row in expected:
            assert topic_rows[row["regio_code"]] == row
        subjects = set(registry.get_subjects())
        assert f"{settings.topic_counts}-value" in subjects
        assert f"{settings.topic_dead_letters}-value" in subjects

        # an id the registry never issued: one dead letter that says so, the counts unchanged
        topic, key, value = messages[0]
        send(kafka_broker, [(topic, key, b"\x00" + (999_999).to_bytes(4, "big") + value[5:])])
        (letter,) = wait_until(lambda: dead_letters(env), 60, "the dead letter")
        assert letter["error_class"] == "DecodeError"
        assert letter["reason"] == "schema id 999999 is not in the schema registry"
        assert converged(worker, expected)
    finally:
        worker.stop()


def events_seen(worker: Worker) -> float:
    import urllib.request

    with urllib.request.urlopen(f"{worker.url}/metrics", timeout=5) as response:
        text = response.read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("transparantie_events_total{")
    )


def test_a_registry_outage_of_30_seconds_loses_nothing_and_dead_letters_nothing(
    kafka_broker: str, schema_registry: LocalRegistry, population: Path, tmp_path: Path
) -> None:
    env = registry_env(kafka_broker, "sr-outage", tmp_path, schema_registry)
    cli(env, "topics", "create")
    registry = SchemaRegistryClient({"url": schema_registry.url})
    items = list(shares(population))
    first = [i for i in items if i[0] == "today"]
    later = [i for i in items if i[0] != "today"]
    before = confluent_messages(env, registry, first)
    # the newer producers registered their schemas before the outage (their serializers keep
    # the ids), so they go on producing while the registry is away; the worker has not seen
    # those ids yet and has to wait for the registry
    after = confluent_messages(env, registry, later)
    worker = Worker(env, tmp_path / "worker.log").start()
    try:
        worker.wait_ready()
        send(kafka_broker, before)
        wait_until(lambda: events_seen(worker) >= len(before), 60, "the first share to be read")
        schema_registry.stop()
        stopped = time.monotonic()
        send(kafka_broker, after)
        readiness = wait_until(
            lambda: (r := get_json(f"{worker.url}/readyz"))["ready"] is False and r, 30,
            "the worker to report itself not ready",
        )  # fmt: skip
        assert readiness["schema_registry_available"] is False
        time.sleep(max(0.0, 30 - (time.monotonic() - stopped)))
        assert worker.alive() and not worker.ready()
        schema_registry.start()
        expected = load_expected(population)
        wait_until(lambda: converged(worker, expected), 120, "/counts to equal expected.json")
        wait_until(worker.ready, 30, "the worker to be ready again")
        assert dead_letters(env) == []
    finally:
        worker.stop()
        schema_registry.start()  # the session's registry stays up for the tests after this


def single_object(schema: dict[str, Any], record: dict[str, Any]) -> bytes:
    """Avro single-object encoding, written here with fastavro alone: C3 01, the CRC-64-AVRO
    fingerprint of the Parsing Canonical Form (little-endian), the body."""
    import io

    parsed = fastavro.parse_schema(schema)
    out = io.BytesIO()
    out.write(b"\xc3\x01" + bytes.fromhex(fingerprint(to_parsing_canonical_form(parsed),
                                                     "CRC-64-AVRO")))  # fmt: skip
    fastavro.schemaless_writer(out, parsed, record)
    return out.getvalue()


def test_evolving_producers_in_single_object_encoding_are_counted_exactly(
    kafka_broker: str, population: Path, tmp_path: Path
) -> None:
    writers = tmp_path / "writer-schemas"  # the newer versions, given to the worker
    writers.mkdir()
    for name, schema in (*PRODUCERS["newer"].items(), ("Indication", without_retracted())):
        suffix = "removed" if "retracted" not in json.dumps(schema) else "newer"
        (writers / f"{name}.{suffix}.avsc").write_text(json.dumps(schema))
    env = stack_env(kafka_broker, "so-evolve", tmp_path, TRANSPARANTIE_AS_OF=AS_OF,
                    TRANSPARANTIE_FRAMING="single-object",
                    TRANSPARANTIE_WRITER_SCHEMAS_DIR=str(writers))  # fmt: skip
    cli(env, "topics", "create")
    topic_of = {n: t for t, n in Settings(**settings_of(env)).event_topics().items()}
    messages = [
        (topic_of[name], record["client_id"].encode(), single_object(PRODUCERS[p][name], record))
        for p, name, record in shares(population)
    ]
    worker = Worker(env, tmp_path / "worker.log").start()
    try:
        worker.wait_ready()
        send(kafka_broker, messages)
        expected = load_expected(population)
        wait_until(lambda: converged(worker, expected), 120, "/counts to equal expected.json")
        assert dead_letters(env) == []
        # a fingerprint of no version we know: a dead letter that says so
        topic, key, value = messages[0]
        send(kafka_broker, [(topic, key, b"\xc3\x01" + b"\x01" * 8 + value[10:])])
        (letter,) = wait_until(lambda: dead_letters(env), 60, "the dead letter")
        assert "fingerprint 0101010101010101 is not a known version" in letter["reason"]
    finally:
        worker.stop()


def test_schemas_check_and_register_against_the_registry(
    schema_registry: LocalRegistry, tmp_path: Path
) -> None:
    env = stack_env("127.0.0.1:1", "sr-check", tmp_path,
                    TRANSPARANTIE_SCHEMA_REGISTRY_URL=schema_registry.url)  # fmt: skip
    first = cli(env, "schemas", "check")
    ours = len(SCHEMA_NAMES)  # the four events, counts, dead letters and the history
    assert first.count("new subject") == ours
    registered = cli(env, "schemas", "register")
    assert registered.count("registered") == ours
    assert cli(env, "schemas", "check").count("registered as latest") == ours

    # the registry holds a version of another team's shape: ours would break it
    registry = SchemaRegistryClient({"url": schema_registry.url})
    clash = schema_json("ClientRegistration")
    clash["fields"][4] = {"name": "gemeentecode", "type": "int"}
    env["TRANSPARANTIE_TOPIC_REGISTRATIONS"] = "sr-check.clash"
    registry.register_schema("sr-check.clash-value", Schema(json.dumps(clash), "AVRO"))
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "streams", "schemas", "register"], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL  ClientRegistration" in done.stdout
    assert "cannot be read as ClientRegistration" in done.stdout and "/fields/4" in done.stdout
    assert "nothing registered" in done.stderr
    assert registry.get_latest_version("sr-check.clash-value").version == 1
