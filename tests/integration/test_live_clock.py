"""Time-driven change: a future end or start date takes effect on its day, with no new event;
and day jumps forward and back land exactly, every time, on every worker."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from streams.codecs.events import event_from_record
from streams.codecs.files import records_of
from streams.devtools.stack import Worker, cli, stack_env, wait_until
from streams.domain import (
    ClientRegistration,
    Indication,
    IndicationOwner,
    RegisterMembership,
    RegistrationStatus,
)
from streams.service.reference import load_regions
from streams.service.replay import replay
from tests.integration.live import write_events

pytestmark = [pytest.mark.kafka]
DAY = date(2026, 11, 29)
AT = 1_764_000_000_000


def client(client_id: str, gemeente: str, start: date, end: date | None) -> list[object]:
    """A client who counts exactly while its UWV indication is open."""
    return [
        ClientRegistration(
            client_id, f"{client_id}-r", AT, RegistrationStatus.INGESCHREVEN, gemeente
        ),
        Indication(
            client_id, f"{client_id}-i", AT, "i1", IndicationOwner.UWV, "WAJONG", start, end
        ),
        RegisterMembership(
            client_id, f"{client_id}-m", AT, "WAJONG", date(2020, 1, 1), None, False, True
        ),
    ]


def totaal(worker: Worker, regio: str) -> int:
    return next(int(r["totaal"]) for r in worker.counts() if r["regio_code"] == regio)


def test_a_future_end_and_start_date_take_effect_when_the_day_comes_without_new_events(
    kafka_broker: str, tmp_path: Path
) -> None:
    clock = tmp_path / "as_of"
    clock.write_text(DAY.isoformat())
    env = stack_env(kafka_broker, "clock", tmp_path, TRANSPARANTIE_AS_OF_FILE=str(clock))
    cli(env, "topics", "create")
    tomorrow = DAY + timedelta(days=1)
    events = [
        *client("K-ends", "GM0363", date(2020, 1, 1), tomorrow),  # AM18: counted today only
        *client("K-starts", "GM0014", tomorrow, None),  # AM01: counted from tomorrow on
    ]
    worker = Worker(env, tmp_path / "worker.log").start()
    try:
        worker.wait_ready()
        cli(env, "produce", str(write_events(tmp_path / "events", events)), "--no-progress")
        wait_until(lambda: totaal(worker, "AM18") == 1 and totaal(worker, "AM01") == 0, 60,
                   "today's counts")  # fmt: skip
        clock.write_text(tomorrow.isoformat())  # midnight passes; no event is sent
        wait_until(lambda: totaal(worker, "AM18") == 0 and totaal(worker, "AM01") == 1, 60,
                   "tomorrow's counts")  # fmt: skip
        nl = worker.counts()[-1]
        assert nl["totaal"] == 1 and nl["as_of"] == tomorrow.isoformat()
    finally:
        worker.stop()


#: Forward by 1 to 29 days as in the outside check that once stayed two people off after the
#: 29-day jump, then far forward, back, and a jump of 400 days each way.
JUMPS = (1, 29, 3, 7, 29, 2, -40, 400, -400, 120)


def table_on(population: Path, day: date) -> list[dict[str, Any]]:
    """The core's table of the population's events on `day` (what /counts must answer)."""
    paths = sorted(population.glob("*.avro"))
    result = replay(records_of(paths), event_from_record, day, load_regions())
    return [row.to_json() for row in result.rows]


def test_every_day_jump_lands_exactly_on_both_workers_and_no_answer_mixes_two_days(
    kafka_broker: str, tmp_path: Path
) -> None:
    population = tmp_path / "population"
    cli({}, "generate", "--clients", "1000", "--seed", "29", "--out", str(population),
        "--as-of", DAY.isoformat(), "--no-progress")  # fmt: skip
    clock = tmp_path / "as_of"
    clock.write_text(DAY.isoformat())
    env = stack_env(kafka_broker, "jumps", tmp_path, TRANSPARANTIE_AS_OF_FILE=str(clock))
    cli(env, "topics", "create")
    workers = [
        Worker({**env, "TRANSPARANTIE_DATA_DIR": str(tmp_path / n)}, tmp_path / f"{n}.log").start()
        for n in ("a", "b")
    ]
    try:
        for w in workers:
            w.wait_ready()
        cli(env, "produce", str(population), "--no-progress")
        day, expected = DAY, table_on(population, DAY)
        wait_until(lambda: all(w.counts() == expected for w in workers), 120, "the first table")
        for jump in JUMPS:
            before, day = expected, day + timedelta(days=jump)
            expected = table_on(population, day)
            clock.write_text(day.isoformat())  # rewritten in place, as an operator would
            seen: list[list[dict[str, Any]]] = []

            def exact(
                answers: list[list[dict[str, Any]]] = seen, want: list[Any] = expected
            ) -> bool:
                now = [w.counts() for w in workers]
                answers += now
                return all(answer == want for answer in now)

            wait_until(exact, 30, f"/counts of both workers on {day} ({jump:+} days)", every=0.1)
            time.sleep(2.5)  # a republish of every report: still exact
            assert all(w.counts() == expected for w in workers), f"{day}: moved after landing"
            mixed = [a for a in seen if a not in (before, expected)]
            assert not mixed, f"{day}: an answer that is neither day's table: {mixed[0][-1]}"
    finally:
        for w in workers:
            w.stop()
