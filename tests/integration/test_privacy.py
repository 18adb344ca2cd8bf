"""No personal data leaves the processor; the per-client explanation is off by default and guarded.

A worker at log level info counts a generated population and dead-letters a few bad messages
that carry client ids, and the days before are backfilled into the history. Then every output a
person could read is scanned for every client id of the test data: the worker's log, every HTTP
endpoint (/metrics and /history included), the raw bytes of the counts and history topics,
`dead-letters list`, `report` (of a history day too) and what `history backfill` prints. The
scan must see real content (so that it cannot pass on empty strings) and must find no id. A
positive control proves the ids are there to find: the dead-letter topic itself holds them (it
must: it keeps the raw bytes for replay).

A second worker, with TRANSPARANTIE_EXPLAIN_ENABLED and a token, answers /explain/{client_id}
(401 without or with a wrong token) with what the batch oracle says about the client.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from streams.codecs.avro import AvroCodec
from streams.codecs.events import event_from_record, event_to_record
from streams.codecs.files import read_records
from streams.devtools.stack import PROJECT, Worker, cli, load_expected, stack_env, wait_until
from streams.domain import Indication, IndicationOwner, classify, next_change
from streams.kafka.reader import read_to_end
from streams.service.reference import load_regions
from streams.service.replay import replay
from streams.settings import Settings
from tests.integration.live import converged

pytestmark = [pytest.mark.kafka]
AS_OF = "2026-11-29"
TOKEN = "privacy-test-token-7f3a9c2e51"
ENDPOINTS = (
    "/", "/counts", "/counts/AM01", "/healthz", "/readyz", "/metrics", "/history",
    "/history.csv?regio=AM01",
)  # fmt: skip
ID_PATTERN = re.compile(r"K[0-9a-f]{12}")  # the generator's client ids


def http(url: str, token: str | None = None) -> tuple[int, str]:
    """GET a URL; (status, body) also for error statuses."""
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def raw_topic(bootstrap: str, topic: str) -> bytes:
    """Every key and value of a topic, concatenated."""

    async def read() -> bytes:
        parts: list[bytes] = []
        async for batch in read_to_end(Settings(bootstrap_servers=bootstrap), [topic]):
            for m in batch:
                parts += [m.key or b"", m.value or b""]
        return b"\n".join(parts)

    return asyncio.run(read())


def send(bootstrap: str, messages: list[tuple[str, bytes, bytes]]) -> None:
    from aiokafka import AIOKafkaProducer

    async def go() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
        await producer.start()
        try:
            for topic, key, value in messages:
                await producer.send_and_wait(topic, key=key, value=value)
        finally:
            await producer.stop()

    asyncio.run(go())


def leaked(texts: dict[str, str], client_ids: set[str]) -> dict[str, set[str]]:
    """Client ids found per source: every id as a substring, and anything shaped like one."""
    found: dict[str, set[str]] = {}
    for source, text in texts.items():
        hits = {cid for cid in client_ids if cid in text} | set(ID_PATTERN.findall(text))
        if hits:
            found[source] = hits
    return found


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("population")
    cli({}, "generate", "--clients", "500", "--seed", "23", "--out", str(out), "--as-of", AS_OF,
        "--no-progress")  # fmt: skip
    return out


@pytest.fixture(scope="module")
def client_ids(population: Path) -> set[str]:
    ids = {r["client_id"] for path in population.glob("*.avro") for _, r in read_records(path)}
    assert len(ids) == 500
    return ids


@pytest.fixture(scope="module")
def workers(
    kafka_broker: str, population: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Worker]]:
    """Two stacks, started together: explain off (the default) and explain on."""
    started: dict[str, Worker] = {}
    try:
        for name, extra in (
            ("privacy", {}),
            ("explain", {"TRANSPARANTIE_EXPLAIN_ENABLED": "true",
                         "TRANSPARANTIE_EXPLAIN_TOKEN": TOKEN}),
        ):  # fmt: skip
            tmp = tmp_path_factory.mktemp(name)
            env = stack_env(kafka_broker, name, tmp, TRANSPARANTIE_AS_OF=AS_OF, **extra)
            cli(env, "topics", "create")
            started[name] = Worker(env, tmp / "worker.log").start()
        expected = load_expected(population)
        for worker in started.values():
            worker.wait_ready()
            cli(worker.env, "produce", str(population), "--no-progress")
        for worker in started.values():
            wait_until(lambda w=worker: converged(w, expected), 60, "/counts == expected.json")
        yield started
    finally:
        for worker in started.values():
            worker.stop()


def test_no_client_id_in_logs_metrics_http_counts_topic_or_dead_letter_listing(
    kafka_broker: str, workers: dict[str, Worker], client_ids: set[str]
) -> None:
    worker = workers["privacy"]
    env = worker.env
    victims = sorted(client_ids)[:3]
    bad = Indication(
        victims[0], "bad-1", 1, "x", IndicationOwner.UWV, "WW", date(2026, 5, 1), date(2026, 1, 1)
    )
    send(kafka_broker, [
        (env["TRANSPARANTIE_TOPIC_INDICATIONS"], victims[0].encode(),
         AvroCodec("Indication").encode(event_to_record(bad))),           # InvalidEvent
        (env["TRANSPARANTIE_TOPIC_REGISTRATIONS"], victims[1].encode(),
         victims[1].encode() + b"\xff not avro"),                          # DecodeError
        (env["TRANSPARANTIE_TOPIC_PROFILE_EDITS"], victims[2].encode(),
         AvroCodec("Indication").encode(event_to_record(bad))),           # DecodeError
    ])  # fmt: skip
    dead_letters = wait_until(
        lambda: (text := cli(env, "dead-letters", "list")).endswith("3 dead letter(s)\n") and text,
        30, "three dead letters",
    )  # fmt: skip
    # the explain endpoint is off by default: 404 whatever the token, and no echo of the id
    for token in (None, TOKEN):
        status, body = http(f"{worker.url}/explain/{victims[0]}", token)
        assert status == 404 and victims[0] not in body

    texts: dict[str, str] = {}
    week = [str(date.fromisoformat(AS_OF) - timedelta(days=n)) for n in (7, 1)]
    texts["history backfill"] = cli(env, "history", "backfill", "--from", week[0])
    wait_until(lambda: len(json.loads(http(f"{worker.url}/history?regio=NL")[1])) == 7, 30,
               "the backfilled week on /history")  # fmt: skip
    texts["history list"] = cli(env, "history", "list")
    texts["report --snapshot"] = cli(env, "report", "--peildatum", week[1], "--snapshot")
    for path in ENDPOINTS:
        status, body = http(worker.url + path)
        assert status == 200, (path, status)
        texts[f"GET {path}"] = body
    for name in ("counts", "history"):
        raw = raw_topic(kafka_broker, env[f"TRANSPARANTIE_TOPIC_{name.upper()}"])
        texts[f"{name} topic"] = raw.decode("latin-1")
    texts["dead-letters list"] = dead_letters
    texts["dead-letters list --format json"] = cli(env, "dead-letters", "list", "--format", "json")
    texts["report"] = cli(env, "report", "--format", "json")
    texts["worker log"] = worker.log_path.read_text(errors="replace")

    # the scan saw real content
    assert texts["worker log"].count("\n") > 20 and "[INFO]" in texts["worker log"]
    assert "transparantie_events_total" in texts["GET /metrics"]
    assert "transparantie_dead_letters_total" in texts["GET /metrics"]
    assert len(json.loads(texts["GET /counts"])) >= 36
    assert json.loads(texts["GET /counts/AM01"])["regio_code"] == "AM01"
    assert "AM01" in texts["counts topic"] and len(texts["counts topic"]) > 1000
    assert "AM01" in texts["history topic"] and texts["history backfill"].count("known at") == 7
    assert len(json.loads(texts["GET /history"])) >= 7 * 36  # 35 regions and NL a day
    assert texts["dead-letters list"].count("InvalidEvent") == 1
    assert len(json.loads(texts["dead-letters list --format json"])) == 3
    # positive control: the ids are in the dead-letter topic, and the scan finds them there
    raw_dlq = raw_topic(kafka_broker, env["TRANSPARANTIE_TOPIC_DEAD_LETTERS"]).decode("latin-1")
    assert leaked({"dead-letter topic": raw_dlq}, client_ids) == {"dead-letter topic": set(victims)}

    assert leaked(texts, client_ids) == {}


def test_explain_needs_the_token_and_answers_with_the_oracles_classification(
    workers: dict[str, Worker], population: Path, client_ids: set[str]
) -> None:
    worker = workers["explain"]
    day = date.fromisoformat(AS_OF)
    regions = load_regions()
    oracle = replay(
        (rec for path in sorted(population.glob("*.avro")) for rec in read_records(path)),
        event_from_record, day, regions,
    )  # fmt: skip
    sample = sorted(client_ids)[:60]
    some = sample[0]
    assert http(f"{worker.url}/explain/{some}")[0] == 401
    assert http(f"{worker.url}/explain/{some}", TOKEN[:-1] + "x")[0] == 401
    status, body = http(f"{worker.url}/explain/Knot-a-client", TOKEN)
    assert status == 404 and "no such client" in body

    seen: dict[Any, int] = {}
    for cid in sample:
        status, text = http(f"{worker.url}/explain/{cid}", TOKEN)
        assert status == 200, (status, text)
        answer = json.loads(text)
        c = classify(oracle.states[cid], day, regions)
        change = next_change(oracle.states[cid], day)
        assert answer["client_id"] == cid and answer["as_of"] == AS_OF
        assert answer["counted"] == c.counted
        assert answer["not_counted_because"] == (c.reason.name if c.reason else None)
        assert answer["regio_code"] == c.regio
        assert answer["client_type"] == (c.client_type.value if c.client_type else None)
        assert answer["profiel"] == ("ja" if c.profiel else "nee")
        assert answer["beschut_wsw"] == c.beschut_wsw
        assert answer["next_change"] == (change.isoformat() if change else None)
        seen[answer["not_counted_because"]] = seen.get(answer["not_counted_because"], 0) + 1
    assert seen.get(None, 0) > 0 and len(seen) > 1  # counted and not-counted clients both seen
    assert not ID_PATTERN.search(worker.log_path.read_text(errors="replace"))  # nothing logged


def test_worker_refuses_to_enable_explain_without_a_token(
    kafka_broker: str, tmp_path: Path
) -> None:
    env = stack_env(kafka_broker, "explain-no-token", tmp_path,
                    TRANSPARANTIE_EXPLAIN_ENABLED="true")  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "streams", "worker"],
        env=env, cwd=PROJECT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0
    assert "TRANSPARANTIE_EXPLAIN_TOKEN" in done.stderr
