"""Fixtures for integration tests that need the local Kafka broker."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.devtools import broker
from streams.devtools.stack import isolated_broker

DEFAULT_TEST_PORT = 19092


def broker_port() -> int:
    """Return the test broker port ($TRANSPARANTIE_TEST_BROKER_PORT or 19092)."""
    return int(os.environ.get("TRANSPARANTIE_TEST_BROKER_PORT", DEFAULT_TEST_PORT))


def broker_dir() -> Path:
    """Return the data dir of the session test broker (.cache/test-broker at the project root)."""
    port = broker_port()
    suffix = "" if port == DEFAULT_TEST_PORT else f"-{port}"
    return broker.project_root() / ".cache" / f"test-broker{suffix}"


@pytest.fixture(scope="session")
def kafka_broker_dir() -> Path:
    """Return the data dir of the session test broker."""
    return broker_dir()


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[str]:
    """Start a clean local broker for the session and yield its bootstrap string."""
    with isolated_broker(broker_port(), broker_dir()) as status:
        yield status.bootstrap_servers
