"""A readiness probe: does a Kafka bootstrap address answer a metadata request?"""

from __future__ import annotations

import asyncio
import contextlib

from aiokafka.client import AIOKafkaClient


async def metadata_ok(bootstrap: str, timeout: float) -> bool:
    """Return True if the cluster at bootstrap returns metadata listing at least one broker."""
    client = AIOKafkaClient(
        bootstrap_servers=bootstrap,
        request_timeout_ms=max(1000, int(timeout * 1000)),
        metadata_max_age_ms=60000,
    )
    try:
        await asyncio.wait_for(client.bootstrap(), timeout)
        return bool(client.cluster.brokers())
    except Exception:  # any failure means "not ready yet"; callers poll again
        return False
    finally:
        with contextlib.suppress(Exception):
            await client.close()
