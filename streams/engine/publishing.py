"""One publication at a time: what is computed later is never sent before what was computed
earlier.

The worker publishes subtotal reports from two timers and count rows from the aggregator
agent and its recovery callback. A send can wait (aiokafka's batch for a partition is full:
four reports of a few KB each fill its 16 KiB), and while it waits another publisher may
compute and send newer values; the older ones, sent after, then stay in the compacted topic.
For count rows that lasted until the row changed again, because the aggregator had already
noted the newer row as published. A lock around computing *and* sending makes the order of
the sends the order of the computations.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

#: Sends one (key, value) record; returns the future of its delivery.
Send = Callable[[bytes, bytes], Awaitable["asyncio.Future[Any]"]]


class Publisher:
    """Computes and sends publications one after another, to one topic."""

    def __init__(self, topic: str, send: Send, on_failure: Callable[[], None]) -> None:
        self.topic = topic
        self.send = send
        self.on_failure = on_failure  # a record was not delivered: publish everything again
        self.lock = asyncio.Lock()

    async def publish(self, compute: Callable[[], list[tuple[bytes, bytes]]]) -> int:
        """Send what `compute` returns, computed once the previous publication is sent;
        returns how many records were sent."""
        async with self.lock:
            records = compute()
            for key, value in records:
                delivery = await self.send(key, value)
                delivery.add_done_callback(self._delivered)
            return len(records)

    def _delivered(self, delivery: asyncio.Future[Any]) -> None:
        if delivery.cancelled() or delivery.exception() is not None:
            log.warning(
                "a record for %s was not delivered (%s): everything is published again",
                self.topic, "cancelled" if delivery.cancelled() else delivery.exception(),
            )  # fmt: skip
            self.on_failure()
