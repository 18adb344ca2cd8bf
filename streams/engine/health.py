"""Liveness and readiness beyond recovery: the watchdog (streams/service/watchdog.py), fed once
a second with what the consumer knows, answers /healthz and a part of /readyz."""

from __future__ import annotations

import logging
import time

import faust

from streams.engine.internals.progress import consumer_view
from streams.engine.worker import Worker

log = logging.getLogger(__name__)


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
