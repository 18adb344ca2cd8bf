"""SchemaGate: while the registry cannot answer, input waits (with backoff, reported), and it
resumes by itself; a command gives up after its time."""

from __future__ import annotations

from collections.abc import Collection, Iterable

import pytest

from streams.engine.metrics import Metrics
from streams.service.ports import RegistryUnavailable
from streams.service.schemas import SchemaGate


class FlakyRegistry:
    """A registry that cannot answer the first `failures` attempts (in memory: the real one is
    tested in tests/integration/test_schema_registry.py)."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.fetched: list[set[int]] = []
        self.registered = 0

    def missing(self, values: Iterable[bytes | None]) -> set[int]:
        return {v[4] for v in values if v} - {i for ids in self.fetched for i in ids}

    def _attempt(self) -> None:
        if self.failures:
            self.failures -= 1
            raise RegistryUnavailable("connection refused")

    async def fetch(self, ids: Collection[int]) -> None:
        self._attempt()
        self.fetched.append(set(ids))

    async def register_outputs(self) -> None:
        self._attempt()
        self.registered += 1


def gauge(metrics: Metrics, name: str) -> float | None:
    return metrics.registry.get_sample_value(name)


async def test_a_batch_waits_while_the_registry_fails_and_the_outage_is_reported() -> None:
    registry, metrics = FlakyRegistry(failures=3), Metrics()
    sleeps: list[float] = []
    seen: list[float | None] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        seen.append(gauge(metrics, "transparantie_schema_registry_available"))

    gate = SchemaGate(registry, metrics, sleep=sleep, first_backoff=1.0, max_backoff=3.0)
    assert await gate.prepare([b"\x00\x00\x00\x00\x07", b"\x00\x00\x00\x00\x07"])
    assert registry.fetched == [{7}]
    assert seen == [0.0, 0.0, 0.0]  # not available while waiting
    assert gate.available and gauge(metrics, "transparantie_schema_registry_available") == 1.0
    assert gauge(metrics, "transparantie_schema_registry_failures_total") == 3.0
    assert 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 2.0 and 1.5 <= sleeps[2] <= 3.0


async def test_a_batch_no_longer_wanted_stops_waiting() -> None:
    async def sleep(seconds: float) -> None:
        pass

    gate = SchemaGate(FlakyRegistry(failures=100), sleep=sleep)
    assert not await gate.prepare([b"\x00\x00\x00\x00\x07"], wanted=lambda: False)
    assert not gate.available


async def test_a_command_gives_up_after_its_time() -> None:
    async def sleep(seconds: float) -> None:
        pass

    gate = SchemaGate(FlakyRegistry(failures=10**9), sleep=sleep, give_up_after=0.05)
    with pytest.raises(RegistryUnavailable, match="connection refused"):
        await gate.ready_to_write()


async def test_our_schemas_are_registered_once() -> None:
    registry = FlakyRegistry(failures=0)
    gate = SchemaGate(registry)
    assert not gate.writable
    assert await gate.ready_to_write() and await gate.ready_to_write()
    assert gate.writable and registry.registered == 1
