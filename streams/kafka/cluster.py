"""The identity of the Kafka cluster the settings point at."""

from __future__ import annotations

import asyncio
import contextlib

from streams.kafka import clients
from streams.settings import Settings


async def cluster_id(settings: Settings, timeout: float = 15.0) -> str:
    """The cluster id the brokers report (a new one for every freshly formatted cluster);
    TimeoutError or a Kafka error when they do not answer in time."""
    admin = clients.admin(settings)
    try:
        await asyncio.wait_for(admin.start(), timeout)
        described = await asyncio.wait_for(admin.describe_cluster(), timeout)
    finally:
        with contextlib.suppress(Exception):
            await admin.close()
    return str(described["cluster_id"])
