"""Bad input on the real broker: dead-lettered whole, with its reason; the worker carries on.

One worker counts a small generated population. Then five bad messages arrive (garbage bytes,
a ProfileEdit on the registrations topic, a RegionCounts record on the indications topic, an
Indication that ends before it starts, an event keyed by another client than its own), and
after them the valid events of one new, counted client. Each bad message must land in the
dead-letter topic with its reason, source and exact raw bytes; the new client must be
counted; nothing else may change. `dead-letters list` shows them without personal data, and
`dead-letters replay` sends them back: still bad, they come back exactly once each. Last, a
message too large to keep whole is dead-lettered with its source but without its bytes.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from streams.codecs.avro import AvroCodec
from streams.codecs.events import event_to_record
from streams.devtools.stack import (
    PROJECT,
    Worker,
    cli,
    load_expected,
    metrics,
    stack_env,
    wait_until,
)
from streams.domain import (
    ClientRegistration,
    Indication,
    IndicationOwner,
    RegionCounts,
    RegisterMembership,
    RegistrationStatus,
)
from streams.kafka.deadletters import read_dead_letters
from streams.service.deadletters import DeadLetter
from streams.settings import Settings
from tests.integration.live import converged

pytestmark = [pytest.mark.kafka]
AS_OF = "2026-11-29"
NEW = "Kfeedc0ffee01"  # the new client: counted, UWV, no profile, in Groningen (AM01)
OTHER = "Kfeedc0ffee02"  # the key of the wrongly keyed event
T0 = 1_790_000_000_000  # occurred_at of the new client's events (epoch millis)


def settings_of(env: dict[str, str]) -> Settings:
    """The Settings a CLI command run with `env` would see."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        return Settings()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def send(
    bootstrap: str, messages: list[tuple[str, bytes | None, bytes]], max_request: int = 2**20
) -> list[tuple[int, int]]:
    """Send (topic, key, value) in order; return (partition, offset) of each."""
    from aiokafka import AIOKafkaProducer

    async def run() -> list[tuple[int, int]]:
        producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap, acks="all", max_request_size=max_request
        )
        await producer.start()
        try:
            out = []
            for topic, key, value in messages:
                meta = await producer.send_and_wait(topic, key=key, value=value)
                out.append((meta.partition, meta.offset))
            return out
        finally:
            await producer.stop()

    return asyncio.run(run())


def encode(event: Any) -> bytes:
    return AvroCodec(type(event).__name__).encode(event_to_record(event))


def dead_letters(settings: Settings) -> list[DeadLetter]:
    return asyncio.run(read_dead_letters(settings))


def row(rows: list[dict[str, Any]], code: str) -> dict[str, Any]:
    return next(r for r in rows if r["regio_code"] == code)


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("population")
    cli({}, "generate", "--clients", "300", "--seed", "11", "--out", str(out), "--as-of", AS_OF,
        "--no-progress")  # fmt: skip
    return out


def test_bad_input_is_dead_lettered_whole_and_replayable(
    kafka_broker: str, population: Path, tmp_path: Path
) -> None:
    env = stack_env(kafka_broker, "dlq", tmp_path, TRANSPARANTIE_AS_OF=AS_OF)
    settings = settings_of(env)
    cli(env, "topics", "create")
    worker = Worker(env, tmp_path / "worker.log").start()
    try:
        worker.wait_ready()
        cli(env, "produce", str(population), "--no-progress")
        expected = load_expected(population)
        wait_until(lambda: converged(worker, expected), 60, "/counts to equal expected.json")

        registrations, indications = settings.topic_registrations, settings.topic_indications
        day = date(2026, 1, 1)
        wrong_schema = AvroCodec("ProfileEdit").encode(
            {"client_id": NEW, "event_id": "p1", "occurred_at": T0, "part": "AFFINITEITEN",
             "question": None, "values": ["Techniek"]}
        )  # fmt: skip
        counts_record = AvroCodec("RegionCounts").encode(
            asdict(RegionCounts("AM01", "Groningen", 1, 2, 3, 4, 10, 0, day))
        )
        backwards = Indication(
            NEW, "i0", T0, "ind-1", IndicationOwner.UWV, "WW", date(2026, 5, 1), date(2026, 4, 1)
        )
        elsewhere = ClientRegistration(NEW, "r0", T0, RegistrationStatus.INGESCHREVEN, "GM0363")
        bad: list[tuple[str, bytes | None, bytes, str]] = [
            (registrations, NEW.encode(), b"\x00\xffnot avro at all\x13", "DecodeError"),
            (registrations, NEW.encode(), wrong_schema, "DecodeError"),
            (indications, b"AM01", counts_record, "DecodeError"),
            (indications, NEW.encode(), encode(backwards), "InvalidEvent"),
            (registrations, OTHER.encode(), encode(elsewhere), "KeyMismatch"),
        ]
        good = [
            ClientRegistration(NEW, "r1", T0 + 1, RegistrationStatus.INGESCHREVEN, "GM0014"),
            Indication(NEW, "i1", T0 + 1, "ind-1", IndicationOwner.UWV, "WW", day, None),
            RegisterMembership(NEW, "m1", T0 + 1, "WAJONG", day, None, False, True),
        ]
        sent = send(kafka_broker, [(t, k, v) for t, k, v, _ in bad])
        send(kafka_broker, [(settings.topic_for_schema(type(e).__name__), NEW.encode(), encode(e))
                            for e in good])  # fmt: skip

        # the valid client that came after the bad messages is counted; nothing else changed
        after = json.loads(json.dumps(expected))
        for code in ("AM01", "NL"):
            row(after, code)["uwv_zonder_profiel"] += 1
            row(after, code)["totaal"] += 1
        wait_until(lambda: converged(worker, after), 30, "the new client to be counted")

        letters = wait_until(
            lambda: (found := dead_letters(settings)) and len(found) >= len(bad) and found,
            30, "five dead letters",
        )  # fmt: skip
        assert len(letters) == len(bad)
        # the dead-letter topic is in processing order (partitions interleave), not send order
        by_source = {(d.source_topic, d.source_partition, d.source_offset): d for d in letters}
        for (topic, key, value, error_class), (partition, offset) in zip(bad, sent, strict=True):
            letter = by_source.pop((topic, partition, offset))
            assert letter.key == key and letter.value == value  # the raw bytes, whole
            assert letter.error_class == error_class
            assert letter.reason
        assert not by_source
        reasons = {d.error_class: d.reason for d in letters}
        assert "end_date is before its start_date" in reasons["InvalidEvent"]
        assert "client_id" in reasons["KeyMismatch"]
        assert worker.alive()

        dead_lettered = counter(worker.metrics(), "transparantie_dead_letters_total")
        assert dead_lettered == {
            ("DecodeError", registrations): 2.0, ("DecodeError", indications): 1.0,
            ("InvalidEvent", indications): 1.0, ("KeyMismatch", registrations): 1.0,
        }  # fmt: skip

        # list: one row per dead letter, no personal data
        listed = cli(env, "dead-letters", "list")
        assert listed.strip().endswith("5 dead letter(s)")
        for text in (listed, cli(env, "dead-letters", "list", "--format", "json")):
            assert NEW not in text and OTHER not in text and "not avro" not in text
        as_json = json.loads(cli(env, "dead-letters", "list", "--format", "json", "--limit", "2"))
        assert [d["offset"] for d in as_json] == [3, 4]
        last = letters[4]
        assert as_json[1]["error_class"] == last.error_class
        assert as_json[1]["source_offset"] == last.source_offset
        assert as_json[1]["value_bytes"] == len(last.value or b"")
        assert set(as_json[0]) == {
            "offset", "source_topic", "source_partition", "source_offset", "error_class",
            "reason", "dead_lettered_at", "key_bytes", "value_bytes",
        }  # fmt: skip

        # replay: still bad, so each comes back once, at a new offset, with the same bytes
        assert "would replay 5" in cli(env, "dead-letters", "replay", "--dry-run")
        assert len(dead_letters(settings)) == 5
        replayed = cli(env, "dead-letters", "replay")
        assert "replayed 5 dead letter(s)" in replayed and "--since-offset 5" in replayed
        again = wait_until(
            lambda: (found := dead_letters(settings)) and len(found) >= 10 and found,
            30, "the replayed messages to be dead-lettered again",
        )  # fmt: skip
        assert [d.offset for d in again] == list(range(10))

        def identity(d: DeadLetter) -> tuple[Any, ...]:
            return d.source_topic, d.source_partition, d.key, d.value, d.error_class

        assert sorted(map(identity, again[5:])) == sorted(map(identity, again[:5]))
        for partition in {(d.source_topic, d.source_partition) for d in again}:
            old = [
                d.source_offset
                for d in again[:5]
                if (d.source_topic, d.source_partition) == partition
            ]
            new = [
                d.source_offset
                for d in again[5:]
                if (d.source_topic, d.source_partition) == partition
            ]
            assert min(new) > max(old)  # appended to the source partition again
        assert "replayed 0 dead letters" in cli(
            env, "dead-letters", "replay", "--since-offset", "10"
        )
        assert converged(worker, after)  # nothing else changed
        assert len(dead_letters(settings)) == 10  # and nothing more came back

        # a message too large to keep whole in a dead letter: its source is kept, not its bytes,
        # and the agent does not crash on it (it did: the record exceeded the request size)
        huge = b"\x01" * 1_000_200
        (big_at,) = send(kafka_broker, [(registrations, NEW.encode(), huge)], max_request=2**21)
        send(kafka_broker, [(registrations, NEW.encode(), b"\x01\x02")])
        tail = wait_until(
            lambda: (found := dead_letters(settings)) and len(found) >= 12 and found[10:],
            30, "the oversized message and the one after it to be dead-lettered",
        )  # fmt: skip
        big = next(d for d in tail if d.source_offset == big_at[1])
        assert (big.source_partition, big.key, big.value) == (big_at[0], NEW.encode(), None)
        assert "too large to keep" in big.reason
        assert "skipped 1 without a value" in cli(
            env, "dead-letters", "replay", "--since-offset", "10", "--dry-run"
        )
        assert "Restarting dead" not in worker.log_path.read_text(errors="replace")
    finally:
        worker.stop()


def counter(text: str, name: str) -> dict[tuple[str, str], float]:
    """(error_class, topic) -> value of a metric in the Prometheus text format."""
    return {
        (s.labels["error_class"], s.labels["topic"]): s.value for s in metrics.samples(text, name)
    }


def test_commands_fail_clearly_without_the_topic(kafka_broker: str, tmp_path: Path) -> None:
    env = stack_env(kafka_broker, "dlq-missing", tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "streams", "dead-letters", "list"],
        env=env, cwd=PROJECT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "does not exist" in done.stderr
