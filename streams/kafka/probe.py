"""A readiness probe: does a Kafka bootstrap address answer a metadata request?"""

from __future__ import annotations

import asyncio
import contextlib

from aiokafka.client import AIOKafkaClient

from streams.kafka import clients
from streams.settings import Settings


async def metadata_ok(bootstrap: str, timeout: float, settings: Settings | None = None) -> bool:
    """Return True if the cluster at bootstrap returns metadata listing at least one broker;
    connects as `settings` say (clients.connection), in plaintext without them."""
    connection = clients.connection(settings) if settings is not None else {}
    connection["bootstrap_servers"] = bootstrap
    connection["request_timeout_ms"] = max(1000, int(timeout * 1000))
    client = AIOKafkaClient(**connection, metadata_max_age_ms=60000)
    try:
        await asyncio.wait_for(client.bootstrap(), timeout)
        return bool(client.cluster.brokers())
    except Exception:  # any failure means "not ready yet"; callers poll again
        return False
    finally:
        with contextlib.suppress(Exception):
            await client.close()
