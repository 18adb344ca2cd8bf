"""The one place where the project's aiokafka clients are made from the settings.

Every command and the worker connect through these (the Faust app takes the same settings in
streams/engine/app.py), so the connection settings of a Kafka estate are set once.
"""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.client import AIOKafkaClient

from streams.kafka.security import client_arguments
from streams.settings import Settings


def connection(settings: Settings) -> dict[str, Any]:
    """The aiokafka arguments that say where the brokers are and how to reach them: the
    addresses, and the protocol, TLS context and SASL credentials (streams/kafka/security.py)."""
    return {
        "bootstrap_servers": settings.bootstrap_servers,
        **client_arguments(settings),
    }


def consumer(settings: Settings, **options: Any) -> AIOKafkaConsumer:
    """A consumer without a group (nothing committed) unless `options` give one."""
    options.setdefault("group_id", None)
    options.setdefault("enable_auto_commit", False)
    return AIOKafkaConsumer(**connection(settings), **options)


def producer(settings: Settings, **options: Any) -> AIOKafkaProducer:
    """An idempotent producer that waits for every in-sync replica."""
    options.setdefault("acks", "all")
    options.setdefault("enable_idempotence", True)
    return AIOKafkaProducer(**connection(settings), **options)


def admin(settings: Settings) -> AIOKafkaAdminClient:
    """An admin client."""
    return AIOKafkaAdminClient(**connection(settings))


def cluster(settings: Settings) -> AIOKafkaClient:
    """The low-level client, for a request the admin client lacks (incremental alter configs);
    made inside a running event loop, bootstrapped by the caller."""
    return AIOKafkaClient(**connection(settings))
