"""Fixtures for integration tests that need the local Kafka broker."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.devtools import broker
from streams.devtools.registry import LocalRegistry
from streams.devtools.stack import free_port, isolated_broker
from tests.integration.secured import SecuredCluster, start_secured

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


@pytest.fixture(scope="session")
def secured_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredCluster]:
    """A second broker for the session, secured: SASL_SSL and mutual TLS, ACLs enforced."""
    cluster = start_secured(tmp_path_factory.mktemp("secured-kafka"))
    try:
        yield cluster
    finally:
        broker.stop(cluster.data_dir)


# --- the schema registry (issue 11): one Apicurio Registry per session -----------------------


def registry_dir() -> Path:
    """The data dir of the session test registry, beside the test broker's."""
    return broker.project_root() / ".cache" / f"test-registry-{broker_port()}"


@pytest.fixture(scope="session")
def schema_registry() -> Iterator[LocalRegistry]:
    """A clean Apicurio Registry for the session (ids restart with it: tests use their own
    subjects). Its storage is a file, so a test may stop and start it and keep every id."""
    data_dir = registry_dir()
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    registry = LocalRegistry(data_dir, free_port(), free_port()).start()
    try:
        yield registry
    finally:
        registry.stop()
