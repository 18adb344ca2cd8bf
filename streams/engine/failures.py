"""The worker's operational failures as one line, not a wall of tracebacks.

Faust (mode) logs an exception that stops the worker with its traceback, several times over
("Error: …", "Crashed reason=…"), and exits with status 1. This worker class, through two
public hooks of faust.Worker (`on_setup_root_logger`, `execute_from_commandline`), logs each
Kafka failure once, as the line of streams/kafka/failures.py without the traceback, and ends
with that line on stderr and exit status 2, as every command does. Bugs keep their tracebacks.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any, NoReturn

import faust

from streams.kafka.failures import describe, explain, is_operational
from streams.settings import Settings

EXIT_FAILED = 2


class OneLineFailures(logging.Filter):
    """Rewrites log records that carry an operational exception into one line, once each."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.last: BaseException | None = None
        self._seen: set[int] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a repeat of a failure already logged; the record is rewritten in place."""
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None or not is_operational(exc):
            return True
        self.last = exc
        if id(exc) in self._seen:
            return False
        self._seen.add(id(exc))
        record.msg, record.args = describe(exc, self.settings), ()
        record.exc_info = record.exc_text = None
        record.levelno, record.levelname = logging.ERROR, "ERROR"
        return True


class OneLineWorker(faust.Worker):
    """faust.Worker whose Kafka failures end in one line and exit status 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.failures = OneLineFailures(self.app.worker.settings)  # type: ignore[attr-defined]

    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        """Faust configured the root logger: filter what its handlers write."""
        super().on_setup_root_logger(logger, level)
        for handler in logger.handlers:
            handler.addFilter(self.failures)

    def execute_from_commandline(self) -> NoReturn:
        """Run the worker; after a Kafka failure, say it in one line and exit 2."""
        try:
            super().execute_from_commandline()
        except SystemExit as stop:
            reason = self.crash_reason  # what crashed the services, if anything did
            if reason is not None and not is_operational(reason):
                raise  # a bug: its traceback is in the log
            failure = reason if reason is not None else self.failures.last
            if stop.code in (0, None) or failure is None:
                raise
        line = asyncio.run(explain(failure, self.failures.settings))
        print(f"error: {line}", file=sys.stderr, flush=True)
        sys.exit(EXIT_FAILED)
