"""Every worker exports the whole consumer group's lag, read from the admin API, so the lag is
known, and alerts (ConsumerGroupLagging), while no worker of the group consumes anything; when
no worker serves it either, GroupLagUnknown fires (deploy/prometheus/rules/alerts.yml)."""

from __future__ import annotations

import asyncio
import logging
import time

import faust

from streams.engine.worker import Worker
from streams.kafka.lag import GroupLag

log = logging.getLogger(__name__)


def wire_group_lag(app: faust.App, worker: Worker) -> None:
    """A task reading the group's lag every `lag_interval_seconds` into the metrics."""
    settings, metrics = worker.settings, worker.metrics
    interval = settings.lag_interval_seconds
    reader = GroupLag(settings)

    @app.task
    async def read_group_lag() -> None:
        failing = False
        try:
            while True:
                try:
                    rows = await asyncio.wait_for(reader.read(), timeout=max(5.0, interval))
                except Exception as exc:  # the brokers do not answer: no stale figures
                    metrics.forget_group_lag()
                    if not failing:
                        log.warning(
                            "cannot read the lag of consumer group %s (%s: %s); its metric is "
                            "not exported until it can be read", settings.app_id,
                            type(exc).__name__, exc,
                        )  # fmt: skip
                    failing = True
                else:
                    if failing:
                        log.info("the lag of consumer group %s can be read again", settings.app_id)
                    failing = False
                    metrics.set_group_lag(
                        ((r.topic, r.partition, r.lag) for r in rows), time.time()
                    )
                await asyncio.sleep(interval)
        finally:
            await reader.close()
