"""Logging (streams/engine/logs.py): JSON lines, the coordinator's start-up warnings held back
only while they are harmless, the timer-drift flood cut to one line a minute, and one warning
per dead letter without its key or value."""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Iterator
from datetime import date

import pytest

from streams.engine.logs import (
    COORDINATOR_LOGGER,
    CoordinatorStartup,
    TimerDriftLimit,
    configure_commands,
    json_formatter,
    worker_logging_config,
)
from streams.settings import Settings
from tests.factories import make_runtime

T = 1_000_000.0  # a record's creation time


def record(name: str, level: int, msg: str, *args: object, at: float = T) -> logging.LogRecord:
    made = logging.LogRecord(name, level, __file__, 1, msg, args, None)
    made.created = at
    return made


def coordinator_dead(at: float) -> logging.LogRecord:
    return record(COORDINATOR_LOGGER, logging.WARNING,
                  "Marking the coordinator dead (node %s)for group %s.", 1, "g", at=at)  # fmt: skip


def lookup_failed(at: float) -> logging.LogRecord:
    return record(COORDINATOR_LOGGER, logging.ERROR, "Group Coordinator Request failed: %s",
                  "[Error 15] GroupCoordinatorNotAvailableError", at=at)  # fmt: skip


def synced(at: float) -> logging.LogRecord:
    return record(COORDINATOR_LOGGER, logging.INFO,
                  "Successfully synced group %s with generation %s", "g", 1, at=at)  # fmt: skip


@pytest.fixture
def handled() -> Iterator[list[logging.LogRecord]]:
    """The records that reach the coordinator's logger's handlers."""
    seen: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = seen.append  # type: ignore[method-assign]
    logger = logging.getLogger(COORDINATOR_LOGGER)
    logger.addHandler(handler)
    try:
        yield seen
    finally:
        logger.removeHandler(handler)


def test_coordinator_warnings_before_the_first_join_are_summed_up_in_one_line(caplog):
    quiet = CoordinatorStartup(grace_seconds=30)
    caplog.set_level(logging.INFO, logger="streams.engine.logs")
    assert not quiet.filter(lookup_failed(T))
    assert not quiet.filter(coordinator_dead(T + 0.3))
    assert quiet.filter(synced(T + 0.5))
    (summary,) = caplog.records
    assert summary.levelno == logging.INFO
    assert summary.getMessage().startswith(
        "the group coordinator was not available for 0.5 s at start-up (2 warnings held back)"
    )
    assert "docs/runbook.md" in summary.getMessage()


def test_after_the_first_join_coordinator_warnings_always_show():
    quiet = CoordinatorStartup()
    quiet.filter(synced(T))
    assert quiet.filter(coordinator_dead(T + 1))
    assert quiet.filter(lookup_failed(T + 2))


def test_coordinator_warnings_that_persist_past_the_grace_are_all_shown(handled):
    quiet = CoordinatorStartup(grace_seconds=30)
    held = [lookup_failed(T + i) for i in range(3)]
    assert not any(quiet.filter(r) for r in held)
    later = coordinator_dead(T + 31)
    assert quiet.filter(later)  # it goes on to the handlers itself
    assert handled == held  # the held lines are let through as they were, in order
    assert quiet.filter(lookup_failed(T + 32))


def test_other_lines_of_the_coordinator_are_never_held():
    quiet = CoordinatorStartup()
    assert quiet.filter(record(COORDINATOR_LOGGER, logging.INFO, "Discovered coordinator 1"))
    assert quiet.filter(record(COORDINATOR_LOGGER, logging.ERROR, "Unexpected error in heartbeat"))


def drift(timer: str, at: float) -> logging.LogRecord:
    return record("mode.timers", logging.INFO,
                  "Timer %s woke up too late, with a drift of +%r runtime=%r sleeptime=%r",
                  timer, 0.5, 0.1, 1.4, at=at)  # fmt: skip


def test_timer_drift_lines_are_let_through_once_a_minute_per_timer_with_the_count_held_back():
    limit = TimerDriftLimit(every_seconds=60)
    assert limit.filter(drift("clock", T))
    assert limit.filter(drift("refresh_day", T + 1))  # another timer has its own minute
    assert [limit.filter(drift("clock", T + s)) for s in (1, 2, 59)] == [False] * 3
    after = drift("clock", T + 61)
    assert limit.filter(after)
    assert after.getMessage().endswith("(and 3 more drift lines of this timer in 61 s)")


def test_other_timer_lines_are_not_limited():
    limit = TimerDriftLimit()
    woke = record("mode.timers", logging.DEBUG, "Timer %s woke up - iteration=%r", "clock", 1)
    assert all(limit.filter(woke) for _ in range(5))


def json_lines(config: dict[str, object], *records: logging.LogRecord) -> list[dict]:
    """The records formatted by the formatter that `config` (a dictConfig entry) makes."""
    options = dict(config)
    module, name = str(options.pop("()")).rsplit(".", 1)
    formatter = getattr(importlib.import_module(module), name)(**options)
    return [json.loads(formatter.format(r)) for r in records]


def test_a_json_line_has_time_level_logger_pid_message_and_the_extra_fields():
    made = record("streams.service.runtime", logging.WARNING, "dead-lettered %s", "t")
    made.topic, made.offset = "t", 7
    (line,) = json_lines(json_formatter(), made)
    assert line["level"] == "WARNING" and line["logger"] == "streams.service.runtime"
    assert line["message"] == "dead-lettered t" and line["process"] == made.process
    assert (line["topic"], line["offset"]) == ("t", 7)
    assert line["time"].startswith("1970-01-12T13:46:40")  # UTC, ISO 8601


def test_the_worker_config_replaces_modes_handler_only_for_json():
    text = worker_logging_config(Settings(log_format="text"))
    as_json = worker_logging_config(Settings(log_format="json"))
    assert text["merge"] and "handlers" not in text  # mode's own text format stays
    assert as_json["handlers"]["default"]["formatter"] == "json"
    for config in (text, as_json):
        assert config["loggers"][COORDINATOR_LOGGER] == {"filters": ["coordinator_startup"]}
        assert config["loggers"]["mode.timers"] == {"filters": ["timer_drift"]}


def test_commands_log_warnings_as_json_lines_on_stderr(capsys):
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_commands(Settings(log_format="json"))
        logging.getLogger("aiokafka").warning("Unable connect to node with id %s", 1)
        logging.getLogger("streams").info("not shown: commands log warnings and errors")
    finally:
        root.handlers, root.level = saved[0], saved[1]
        logging.captureWarnings(False)
    (line,) = capsys.readouterr().err.splitlines()
    assert json.loads(line)["message"] == "Unable connect to node with id 1"


def test_every_dead_letter_is_one_warning_with_where_and_why_and_no_key_or_value(tmp_path, caplog):
    settings = Settings(data_dir=tmp_path, store="memory", as_of=date(2026, 1, 1))
    runtime = make_runtime(settings)
    caplog.set_level(logging.WARNING, logger="streams.service.runtime")
    topic = settings.topic_registrations
    runtime.handle_batch(
        [(topic, 2, 41, None, b"Ksecret0001", b"\x16Ksecret0001"),
         (topic, 2, 42, None, b"Ksecret0002", None)],
        lambda partition, key: None,
    )  # fmt: skip
    assert [(r.levelname, r.topic, r.partition, r.offset, r.rejection) for r in caplog.records] == [
        ("WARNING", topic, 2, 41, "DecodeError"),
        ("WARNING", topic, 2, 42, "DecodeError"),
    ]
    assert caplog.records[0].reason.startswith("not a ClientRegistration record: the message")
    assert caplog.records[1].reason == "message has no value"
    assert "Ksecret" not in caplog.text
