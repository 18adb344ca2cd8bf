"""The chaos suite's own broker (it is stopped and restarted by the tests) and its settings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.devtools import broker
from streams.devtools.stack import isolated_broker

CHAOS_PORT = int(os.environ.get("TRANSPARANTIE_CHAOS_BROKER_PORT", "19300"))


def rounds() -> int:
    """How many times each fault is injected: 10 for `make chaos`, fewer in CI."""
    return int(os.environ.get("CHAOS_ROUNDS", "2"))


@pytest.fixture(scope="module")
def chaos_broker() -> Iterator[tuple[str, Path]]:
    """A broker for one chaos module: (bootstrap, data dir)."""
    data_dir = broker.project_root() / ".cache" / f"chaos-broker-{CHAOS_PORT}"
    with isolated_broker(CHAOS_PORT, data_dir) as status:
        yield status.bootstrap_servers, data_dir
