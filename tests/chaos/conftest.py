"""The chaos suite's own broker (it is stopped and restarted by the tests) and its settings."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.devtools import broker

CHAOS_PORT = int(os.environ.get("TRANSPARANTIE_CHAOS_BROKER_PORT", "19300"))


def rounds() -> int:
    """How many times each fault is injected: 10 for `make chaos`, fewer in CI."""
    return int(os.environ.get("CHAOS_ROUNDS", "2"))


@pytest.fixture(scope="module")
def chaos_broker() -> Iterator[tuple[str, Path]]:
    """A broker for one chaos module: (bootstrap, data dir)."""
    data_dir = broker.project_root() / ".cache" / f"chaos-broker-{CHAOS_PORT}"
    broker.stop(data_dir)
    shutil.rmtree(data_dir, ignore_errors=True)
    broker.start(port=CHAOS_PORT, data_dir=data_dir, wait_timeout=120)
    try:
        yield f"{broker.HOST}:{CHAOS_PORT}", data_dir
    finally:
        broker.stop(data_dir)
