"""Liveness and readiness beyond recovery: the watchdog (streams/service/watchdog.py), fed once
a second with what the consumer knows, answers /healthz and a part of /readyz."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import faust

from streams.engine.internals.progress import consumer_view
from streams.service.watchdog import Verdict, Watchdog

if TYPE_CHECKING:
    from streams.engine.worker import Worker

log = logging.getLogger(__name__)

#: A watchdog look older than this says the worker's timers are held up (the event loop is
#: blocked or starved), which the verdict's own age then adds to.
LATE_LOOK_SECONDS = 5.0


class Health:
    """The last verdict of the watchdog and when it was made."""

    def __init__(self, now: float | None = None) -> None:
        started = time.time() if now is None else now
        self.watchdog = Watchdog(started)
        self.verdict = Verdict(0.0, "")
        self.looked_at = started
        self.stuck_reported = False

    def quiet(self, now: float | None = None) -> tuple[float, str]:
        """Seconds without evidence of progress until now, and why."""
        now = time.time() if now is None else now
        late = max(0.0, now - self.looked_at)
        reason = self.verdict.reason
        if late > LATE_LOOK_SECONDS:
            reason = f"the watchdog has not run for {late:.0f} s (the worker's timers are held up)"
        return self.verdict.quiet_seconds + late, reason

    def live(self, stall_seconds: float, now: float | None = None) -> tuple[bool, str]:
        """Liveness: (True, "") or (False, the one line that says why)."""
        quiet, reason = self.quiet(now)
        if quiet > stall_seconds:
            return False, f"no progress for {quiet:.0f} s: {reason}"
        return True, ""

    def current(self, stale_seconds: float, now: float | None = None) -> tuple[bool, str]:
        """Readiness: evidence within `stale_seconds`, else (False, why)."""
        quiet, reason = self.quiet(now)
        if quiet > stale_seconds:
            return False, f"no progress for {quiet:.0f} s: {reason}"
        return True, ""


def is_ready(worker: Worker) -> bool:
    """Ready: client state recovered, ledger rebuilt, the counts view caught up, no input
    waiting for the schema registry, and recent evidence that the consumer follows its input
    (the watchdog)."""
    current, _ = worker.health.current(worker.settings.stale_seconds)
    return bool(
        worker.runtime.recovered
        and worker.counts_view.caught_up.is_set()
        and worker.schemas.available
        and worker.schemas.writable
        and current
    )


def wire_health(app: faust.App, worker: Worker) -> None:
    """Feed the watchdog once a second, export readiness, and log once when the worker turns
    stuck and once when it makes progress again."""
    settings, health = worker.settings, worker.health
    topics = {*settings.event_topics(), settings.topic_subtotals}

    @app.timer(interval=1.0)
    async def watch() -> None:
        now = time.time()
        health.verdict = health.watchdog.observe(now, consumer_view(app, topics))
        health.looked_at = now
        worker.metrics.set_ready(is_ready(worker))
        live, why = health.live(settings.stall_seconds, now)
        if not live and not health.stuck_reported:
            log.warning("%s; /healthz fails until it makes progress (docs/runbook.md)", why)
        elif live and health.stuck_reported:
            log.info("progress again: /healthz answers 200")
        health.stuck_reported = not live
