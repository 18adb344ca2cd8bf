"""Adversarial input on the real broker: thousands of mutated messages, none lost, none fatal.

Valid messages of a generated population are mutated at random (bit flips, truncation, junk
appended, random bytes, another topic's schema, a wrong key, a huge value array). Offline,
the same decoder and validation say which must be accepted; the live worker must dead-letter
exactly the others, and its table must equal the core's fold of the accepted events.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from streams.codecs.avro import AvroCodec
from streams.codecs.events import EventDecoder, event_to_record
from streams.devtools.stack import Worker, cli, stack_env, wait_until
from streams.domain import InvalidEvent, ProfileEdit, ProfilePart, validate
from streams.kafka.producer import messages as file_messages
from streams.service.ports import DecodeError
from streams.service.reference import load_regions
from streams.service.replay import fold_events, table_of
from tests.integration.test_dead_letters import dead_letters, send, settings_of

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
AS_OF = "2026-11-29"
AS_OF_DAY = date.fromisoformat(AS_OF)
MUTANTS = 3000


def mutate(rng: random.Random, topic: str, key: bytes, value: bytes, topics: list[str]
           ) -> tuple[str, bytes | None, bytes]:  # fmt: skip
    """One adversarial variant of a valid message."""
    kind = rng.randrange(7)
    data = bytearray(value)
    if kind == 0:  # flip a few bits
        for _ in range(rng.randint(1, 3)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif kind == 1:  # truncate
        data = data[: rng.randrange(len(data))]
    elif kind == 2:  # junk after the record
        data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    elif kind == 3:  # random bytes
        data = bytearray(rng.randbytes(rng.randint(0, 64)))
    elif kind == 4:  # the right bytes on another event topic
        topic = rng.choice([t for t in topics if t != topic])
    elif kind == 5:  # keyed by another client
        key = key[::-1]
    else:  # a huge value array
        edit = ProfileEdit(key.decode(), f"huge-{rng.random()}", 1, ProfilePart.AFFINITEITEN,
                           None, tuple(f"v{i}" for i in range(rng.choice((1000, 5000)))))  # fmt: skip
        topic = topics[3]
        data = bytearray(AvroCodec("ProfileEdit").encode(event_to_record(edit)))
    return topic, key, bytes(data)


def test_thousands_of_adversarial_messages_are_either_counted_or_dead_lettered(
    kafka_broker: str, tmp_path: Path
) -> None:
    population = tmp_path / "population"
    cli({}, "generate", "--clients", "400", "--seed", "21", "--out", str(population), "--as-of",
        AS_OF, "--no-progress")  # fmt: skip
    env = stack_env(kafka_broker, "fuzz", tmp_path, TRANSPARANTIE_AS_OF=AS_OF)
    settings = settings_of(env)
    topics = list(settings.event_topics())
    valid = list(file_messages(sorted(population.glob("*.avro")), settings))
    rng = random.Random(5)
    mutants = [mutate(rng, *rng.choice(valid), topics) for _ in range(MUTANTS)]
    decoders = {topic: EventDecoder(name) for topic, name in settings.event_topics().items()}
    accepted, rejected = [], Counter[str]()
    for topic, key, value in [*valid, *mutants]:
        try:
            event = validate(decoders[topic](value))
        except (DecodeError, InvalidEvent) as exc:
            rejected[type(exc).__name__] += 1
            continue
        if key != event.client_id.encode():
            rejected["KeyMismatch"] += 1
            continue
        accepted.append(event)
    states, _ = fold_events(accepted)
    expected = [r.to_json() for r in table_of(states.values(), AS_OF_DAY, load_regions())]
    assert sum(rejected.values()) > MUTANTS // 3  # the mutations really are adversarial

    cli(env, "topics", "create")
    worker = Worker(env, tmp_path / "worker.log").start()
    try:
        worker.wait_ready()
        send(kafka_broker, [*valid, *mutants])
        wait_until(lambda: worker.counts() == expected, 180, "/counts to equal the core's table")
        total = sum(rejected.values())
        letters = wait_until(
            lambda: (d := dead_letters(settings)) and len(d) >= total and d, 60, "dead letters"
        )
        assert len(letters) == total
        assert Counter(d.error_class for d in letters) == rejected
        assert all(d.reason for d in letters)
        assert worker.alive()
    finally:
        worker.stop()
