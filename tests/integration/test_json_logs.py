"""TRANSPARANTIE_LOG_FORMAT=json on the real broker: every line the worker writes is one JSON
object, and each dead-lettered message is one warning with its topic, partition, offset and
reason, and nothing of its key or value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from streams.codecs.avro import AvroCodec
from streams.codecs.events import event_to_record
from streams.devtools.stack import Worker, cli, stack_env, wait_until
from streams.domain import ClientRegistration, Indication, IndicationOwner, RegistrationStatus
from tests.integration.test_dead_letters import send

pytestmark = [pytest.mark.kafka]
NAME = "jsonlogs"
CLIENT = "Kjs0nl0gs0001"  # in the messages' keys and values: never in the log
OTHER = "Kjs0nl0gs0002"
T0 = 1_790_000_000_000


def log_records(path: Path) -> list[dict[str, Any]]:
    """Every line of the worker's log, parsed (a line that is not JSON fails the test)."""
    records = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"line {number} of the worker's log is not JSON: {line[:200]!r}")
    return records


def test_the_worker_logs_json_lines_and_one_warning_per_dead_letter(
    kafka_broker: str, tmp_path: Path
) -> None:
    env = stack_env(kafka_broker, NAME, tmp_path, TRANSPARANTIE_LOG_FORMAT="json")
    cli(env, "topics", "create")
    indication = AvroCodec("Indication").encode(event_to_record(Indication(
        CLIENT, "i1", T0, "ind-1", IndicationOwner.UWV, "WW", None, None,
    )))  # fmt: skip
    elsewhere = AvroCodec("ClientRegistration").encode(event_to_record(
        ClientRegistration(CLIENT, "r1", T0, RegistrationStatus.INGESCHREVEN, "GM0363")
    ))  # fmt: skip
    bad = [
        (f"{NAME}.indications", CLIENT.encode(), indication[:-3]),  # cut short
        (f"{NAME}.client-registrations", OTHER.encode(), elsewhere),  # keyed by another client
    ]
    log = tmp_path / "worker.log"
    worker = Worker(env, log).start()
    try:
        worker.wait_ready()
        sent = send(kafka_broker, bad)
        wait_until(
            lambda: worker.metric_total("transparantie_dead_letters_total") >= 2, 60,
            "two dead letters",
        )  # fmt: skip
    finally:
        worker.stop()

    records = log_records(log)
    assert any(r["message"].endswith("Worker ready") for r in records)
    assert all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    text = log.read_text()
    assert CLIENT not in text and OTHER not in text
    warnings = [r for r in records if r["message"].startswith("dead-lettered")]
    found = {(w["topic"], w["partition"], w["offset"]): w for w in warnings}
    assert len(warnings) == len(found) == 2  # once each
    cut, keyed = (
        found[(topic, partition, offset)]
        for (topic, _, _), (partition, offset) in zip(bad, sent, strict=True)
    )
    assert cut["level"] == keyed["level"] == "WARNING"
    assert cut["rejection"] == "DecodeError"
    assert cut["reason"].startswith("not an Indication record: the message ends after")
    assert keyed["rejection"] == "KeyMismatch"
    # the group coordinator's start-up warnings are held back once the group is joined
    assert not [
        r for r in records
        if r["logger"] == "aiokafka.consumer.group_coordinator" and r["level"] != "INFO"
    ]  # fmt: skip
