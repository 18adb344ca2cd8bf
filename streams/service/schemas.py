"""Writer schemas before decoding: input waits, never dead-lettered and never skipped, while the
schema registry cannot answer; the worker says so (not ready, a metric) and resumes by itself.

The worker's `Runtime.handle_batch` is synchronous and decodes with what the decoders know. So
before a batch is handed over, `SchemaGate.prepare` has every registry id of the batch fetched
(through the `WriterLookup` port: streams/kafka/registry.py), retrying with exponential backoff
while the registry is down, slow or failing; `ready_to_write` does the same for the schemas we
write. An id the registry says it never issued is no outage: its messages are dead letters.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Collection, Iterable

from streams.service.ports import RegistryMetrics, RegistryUnavailable, WriterLookup

log = logging.getLogger(__name__)

RUNBOOK = "docs/runbook.md, SchemaRegistryUnavailable"


class NoLookup:
    """The framings without a registry (plain, single-object): nothing to fetch or register."""

    def missing(self, values: Iterable[bytes | None]) -> set[int]:
        """Nothing is ever missing."""
        return set()

    async def fetch(self, ids: Collection[int]) -> None:
        """Nothing to fetch."""

    async def register_outputs(self) -> None:
        """Nothing to register."""


class _NoMetrics:
    def set_schema_registry_available(self, available: bool) -> None:
        pass

    def count_schema_registry_failure(self) -> None:
        pass


def _always() -> bool:
    return True


class SchemaGate:
    """Waits, with backoff, until the writer schemas of a batch are known and our own schemas
    are registered. `available` is False while something waits for the registry.

    `give_up_after` (seconds, for commands): re-raise RegistryUnavailable after waiting that
    long; None (the worker): wait until the registry answers."""

    def __init__(
        self,
        lookup: WriterLookup,
        metrics: RegistryMetrics | None = None,
        *,
        needs_registry: bool = True,
        give_up_after: float | None = None,
        first_backoff: float = 0.5,
        max_backoff: float = 10.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.lookup = lookup
        self.metrics = metrics or _NoMetrics()
        self.needs_registry = needs_registry
        self.give_up_after = give_up_after
        self.first_backoff = first_backoff
        self.max_backoff = max_backoff
        self.sleep = sleep
        self.available = True
        self.writable = not needs_registry  # our outputs' schemas are registered
        self.metrics.set_schema_registry_available(True)

    async def prepare(
        self, values: Iterable[bytes | None], wanted: Callable[[], bool] = _always
    ) -> bool:
        """Every writer schema named by `values` is known (or known not to exist) when this
        returns True; False when `wanted()` turned false while waiting (a rebalance, a stop)."""
        if not self.needs_registry:
            return True
        missing = self.lookup.missing(values)
        if not missing:
            return True
        return await self._until_done(lambda: self.lookup.fetch(missing), wanted)

    async def ready_to_write(self, wanted: Callable[[], bool] = _always) -> bool:
        """Our output schemas are registered when this returns True (False: not wanted)."""
        if self.writable:
            return True
        done = await self._until_done(self.lookup.register_outputs, wanted)
        self.writable = self.writable or done
        return done

    async def _until_done(
        self, attempt: Callable[[], Awaitable[None]], wanted: Callable[[], bool]
    ) -> bool:
        delay = self.first_backoff
        started = time.monotonic()
        while True:
            try:
                await attempt()
            except RegistryUnavailable as exc:
                self.metrics.count_schema_registry_failure()
                if self.give_up_after is not None and (
                    time.monotonic() - started >= self.give_up_after
                ):
                    raise
                if self.available and self.give_up_after is None:  # a command says it at the end
                    log.warning(
                        "schema registry unavailable (%s): input waits, nothing is dead-lettered;"
                        " retrying with backoff (see %s)", exc, RUNBOOK,
                    )  # fmt: skip
                    self._set_available(False)
                await self.sleep(delay * random.uniform(0.5, 1.0))  # jitter: not all at once
                delay = min(delay * 2, self.max_backoff)
                if not wanted():
                    return False
                continue
            if not self.available and self.give_up_after is None:
                log.warning("schema registry available again: input resumes")
                self._set_available(True)
            return True

    def _set_available(self, available: bool) -> None:
        self.available = available
        self.metrics.set_schema_registry_available(available)
