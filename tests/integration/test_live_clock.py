"""Time-driven change: a future end or start date takes effect on its day, with no new event."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from streams.devtools.stack import Worker, cli, stack_env, wait_until
from streams.domain import (
    ClientRegistration,
    Indication,
    IndicationOwner,
    RegisterMembership,
    RegistrationStatus,
)
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
