"""Logging of the worker and the commands: text (mode's format) or one JSON object per line
(TRANSPARANTIE_LOG_FORMAT=json, for log shippers), and two filters on framework loggers.

JSON lines are made by python-json-logger: a plain `logging.Formatter`, so every record of
every library (Faust, mode, aiokafka, ours) comes out the same way with no change to how
anything logs; `extra={...}` fields become JSON fields. The worker's logging is set up by mode
(Faust's `logging_config` app setting, merged into mode's own configuration); the commands'
by `configure_commands`.

- `CoordinatorStartup` holds back aiokafka's "GroupCoordinatorNotAvailableError" and "Marking
  the coordinator dead" while a worker first joins its group: a new cluster, or a broker that
  just restarted, loads the group's offsets for a moment. Once the group is joined they are
  summed up in one INFO line; when the join takes longer than STARTUP_GRACE_SECONDS every held
  line is let through, and so is everything after the first join (docs/runbook.md).
- `TimerDriftLimit` lets through one of mode's "Timer ... woke up too late" lines per timer
  per DRIFT_EVERY_SECONDS, with the count of the ones it held back: under load every timer
  logs at every tick.
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any

from streams.settings import Settings

COORDINATOR_LOGGER = "aiokafka.consumer.group_coordinator"
TIMERS_LOGGER = "mode.timers"
STARTUP_GRACE_SECONDS = 30.0
DRIFT_EVERY_SECONDS = 60.0
JSON_FIELDS = "%(levelname)s %(name)s %(process)d %(message)s"

log = logging.getLogger(__name__)


class CoordinatorStartup(logging.Filter):
    """Holds the group coordinator's warnings back until the first join (see the module)."""

    def __init__(self, grace_seconds: float = STARTUP_GRACE_SECONDS) -> None:
        super().__init__()
        self.grace_seconds = grace_seconds
        self.held: list[logging.LogRecord] = []
        self.first_held_at: float | None = None
        self.done = False  # joined, or the grace ran out: nothing is held any more

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a coordinator warning held back at start-up."""
        if self.done:
            return True
        message = record.getMessage()
        if message.startswith("Successfully synced group"):
            self._joined(record.created)
            return True
        if record.levelno < logging.WARNING or "oordinator" not in message:
            return True
        if self.first_held_at is None:
            self.first_held_at = record.created
        if record.created - self.first_held_at > self.grace_seconds:
            self._release()
            return True
        self.held.append(record)
        return False

    def _joined(self, at: float) -> None:
        self.done = True
        if self.held and self.first_held_at is not None:
            log.info(
                "the group coordinator was not available for %.1f s at start-up (%d warnings"
                " held back): normal while a new cluster or a restarted broker loads the"
                " group's offsets; see docs/runbook.md, Start-up warnings",
                at - self.first_held_at, len(self.held),
            )  # fmt: skip
        self.held.clear()

    def _release(self) -> None:
        self.done = True
        held, self.held = self.held, []
        for record in held:  # the problem persists: every line as it was
            logging.getLogger(record.name).handle(record)


class TimerDriftLimit(logging.Filter):
    """One timer-drift line per timer per `every_seconds` (see the module)."""

    def __init__(self, every_seconds: float = DRIFT_EVERY_SECONDS) -> None:
        super().__init__()
        self.every_seconds = every_seconds
        self.last: dict[str, float] = {}  # timer -> when its last line went through
        self.held: dict[str, int] = {}  # timer -> lines held back since

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a drift line of a timer that had one less than `every_seconds` ago."""
        if not (isinstance(record.msg, str) and record.msg.startswith("Timer %s woke up too")):
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        timer = str(args[0]) if args else ""
        last = self.last.get(timer)
        if last is not None and record.created - last < self.every_seconds:
            self.held[timer] = self.held.get(timer, 0) + 1
            return False
        held = self.held.pop(timer, 0)
        if held:
            record.msg = f"{record.msg} (and %d more drift lines of this timer in %.0f s)"
            record.args = (*args, held, record.created - (last or record.created))
        self.last[timer] = record.created
        return True


def filters_config() -> dict[str, Any]:
    """The filters and the loggers they sit on, as a logging.config.dictConfig fragment."""
    return {
        "filters": {
            "coordinator_startup": {"()": f"{__name__}.CoordinatorStartup"},
            "timer_drift": {"()": f"{__name__}.TimerDriftLimit"},
        },
        "loggers": {
            COORDINATOR_LOGGER: {"filters": ["coordinator_startup"]},
            TIMERS_LOGGER: {"filters": ["timer_drift"]},
        },
    }


def json_formatter() -> dict[str, Any]:
    """python-json-logger's formatter: time (UTC, ISO 8601), level, logger, pid, message."""
    return {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": JSON_FIELDS,
        "rename_fields": {"levelname": "level", "name": "logger"},
        "timestamp": "time",
    }


def worker_logging_config(settings: Settings) -> dict[str, Any]:
    """Faust's `logging_config` for the worker: merged into mode's configuration (its text
    format, its level), with the filters, and with a JSON handler for LOG_FORMAT=json."""
    config: dict[str, Any] = {"version": 1, "merge": True, **filters_config()}
    if settings.log_format == "json":
        config["formatters"] = {"json": json_formatter()}
        # mode's handler is called "default"; this one takes its place, on stderr like it
        config["handlers"] = {
            "default": {"class": "logging.StreamHandler", "formatter": "json",
                        "stream": "ext://sys.stderr"},
        }  # fmt: skip
    return config


def configure_commands(settings: Settings) -> None:
    """A command's logging: warnings and errors as JSON lines on stderr for LOG_FORMAT=json;
    in text, Python's default (the bare message on stderr) as before."""
    if settings.log_format != "json":
        return
    logging.captureWarnings(True)
    logging.config.dictConfig({
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": json_formatter()},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json",
                                "stream": "ext://sys.stderr"}},
        "root": {"level": "WARNING", "handlers": ["stderr"]},
    })  # fmt: skip
